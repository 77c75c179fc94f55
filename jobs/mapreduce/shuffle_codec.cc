#include "jobs/mapreduce/shuffle_codec.h"

#include "absl/strings/str_cat.h"
#include "common/sv.h"
#include "jobs/mapreduce/byte_codec.h"

namespace gridless::mapreduce {
namespace {

#define GL_ASSIGN(lhs, expr)          \
  do {                                \
    auto _v = (expr);                 \
    if (!_v.ok()) return _v.status(); \
    lhs = *std::move(_v);             \
  } while (0)

void EncodeRun(const RunRef& r, ByteWriter& w) {
  w.Varint(r.map_task);
  w.Varint(r.reducer);
  w.Bytes(r.name);
  w.Varint(r.info.size);
  w.Fixed32(r.info.crc32c);
}

absl::StatusOr<RunRef> DecodeRun(ByteReader& rd) {
  RunRef r;
  GL_ASSIGN(r.map_task, rd.Varint());
  uint64_t reducer;
  GL_ASSIGN(reducer, rd.Varint());
  if (reducer > UINT32_MAX) {  // not narrowed: reducer 2^32 is not reducer 0
    return absl::DataLossError(Cat("run of map task ", r.map_task, ": reducer ",
                                   reducer, " is out of range"));
  }
  r.reducer = static_cast<uint32_t>(reducer);
  GL_ASSIGN(r.name, rd.Bytes());
  GL_ASSIGN(r.info.size, rd.Varint());
  GL_ASSIGN(r.info.crc32c, rd.Fixed32());
  return r;
}

void EncodeRunList(const std::vector<RunRef>& runs, ByteWriter& w) {
  w.Varint(runs.size());
  for (const auto& r : runs) EncodeRun(r, w);
}

// A count then that many runs; `what` names the message in errors.  A count
// larger than the message could hold is refused before reserving it.
absl::Status DecodeRunList(ByteReader& rd, size_t message_bytes,
                           std::string_view what, std::vector<RunRef>* runs) {
  uint64_t n;
  GL_ASSIGN(n, rd.Varint());
  if (n > message_bytes) return absl::DataLossError(Cat(what, ": bad count"));
  runs->reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    RunRef r;
    GL_ASSIGN(r, DecodeRun(rd));
    runs->push_back(std::move(r));
  }
  return absl::OkStatus();
}

absl::Status ExpectTag(ByteReader& rd, char tag, std::string_view what) {
  auto t = rd.Byte();
  if (!t.ok()) return t.status();
  if (*t != static_cast<uint8_t>(tag)) {
    return absl::DataLossError(
        Cat(what, ": wrong tag (a partial of another stage?)"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string EncodeMapPayload(const MapPayload& p) {
  ByteWriter w;
  EncodeSplit(p.split, w);
  w.Bytes(p.prefix);
  w.Bytes(p.shared);
  return w.Take();
}

absl::StatusOr<MapPayload> DecodeMapPayload(std::string_view bytes) {
  ByteReader rd(bytes, "map task payload");
  MapPayload p;
  GL_ASSIGN(p.split, DecodeSplit(rd));
  GL_ASSIGN(p.prefix, rd.Bytes());
  GL_ASSIGN(p.shared, rd.Bytes());
  if (auto s = rd.ExpectDone(); !s.ok()) return s;
  return p;
}

std::string EncodeMapPartial(const MapPartial& p) {
  ByteWriter w;
  w.Byte(kMapTag);
  w.Varint(p.input_records);
  w.Varint(p.input_bytes);
  EncodeRunList(p.runs, w);
  return w.Take();
}

absl::StatusOr<MapPartial> DecodeMapPartial(std::string_view bytes) {
  ByteReader rd(bytes, "map partial");
  if (auto s = ExpectTag(rd, kMapTag, "map partial"); !s.ok()) return s;
  MapPartial p;
  GL_ASSIGN(p.input_records, rd.Varint());
  GL_ASSIGN(p.input_bytes, rd.Varint());
  if (auto s = DecodeRunList(rd, bytes.size(), "map partial", &p.runs);
      !s.ok()) {
    return s;
  }
  if (auto s = rd.ExpectDone(); !s.ok()) return s;
  return p;
}

std::string EncodeReducePayload(const ReducePayload& p) {
  ByteWriter w;
  w.Varint(p.reducer);
  w.Bytes(p.output_dir);
  EncodeRunList(p.runs, w);
  return w.Take();
}

absl::StatusOr<ReducePayload> DecodeReducePayload(std::string_view bytes) {
  ByteReader rd(bytes, "reduce task payload");
  ReducePayload p;
  GL_ASSIGN(p.reducer, rd.Varint());
  GL_ASSIGN(p.output_dir, rd.Bytes());
  if (auto s = DecodeRunList(rd, bytes.size(), "reduce payload", &p.runs);
      !s.ok()) {
    return s;
  }
  if (auto s = rd.ExpectDone(); !s.ok()) return s;
  return p;
}

std::string EncodeReducePartial(const ReducePartial& p) {
  ByteWriter w;
  w.Byte(kReduceTag);
  w.Varint(p.files.size());
  for (const auto& f : p.files) {
    w.Bytes(f.path);
    w.Varint(f.records);
    w.Varint(f.bytes);
  }
  w.Bytes(p.extra);
  return w.Take();
}

absl::StatusOr<ReducePartial> DecodeReducePartial(std::string_view bytes) {
  ByteReader rd(bytes, "reduce partial");
  if (auto s = ExpectTag(rd, kReduceTag, "reduce partial"); !s.ok()) return s;
  ReducePartial p;
  uint64_t n;
  GL_ASSIGN(n, rd.Varint());
  if (n > bytes.size()) return absl::DataLossError("reduce partial: bad count");
  for (uint64_t i = 0; i < n; ++i) {
    OutputFile f;
    GL_ASSIGN(f.path, rd.Bytes());
    GL_ASSIGN(f.records, rd.Varint());
    GL_ASSIGN(f.bytes, rd.Varint());
    p.files.push_back(std::move(f));
  }
  GL_ASSIGN(p.extra, rd.Bytes());
  if (auto s = rd.ExpectDone(); !s.ok()) return s;
  return p;
}

}  // namespace gridless::mapreduce
