#include "jobs/mapreduce/byte_codec.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/sv.h"

namespace gridless::mapreduce {

void ByteWriter::Double(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  Fixed32(static_cast<uint32_t>(bits));
  Fixed32(static_cast<uint32_t>(bits >> 32));
}

absl::Status ByteReader::Truncated() const {
  return absl::DataLossError(Cat(what_, ": truncated or corrupt"));
}

absl::StatusOr<uint8_t> ByteReader::Byte() {
  if (in_.empty()) return Truncated();
  uint8_t b = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return b;
}

absl::StatusOr<uint64_t> ByteReader::Varint() {
  uint64_t v = 0;
  if (!GetVarint(in_, v)) return Truncated();
  return v;
}

absl::StatusOr<uint32_t> ByteReader::Fixed32() {
  if (in_.size() < 4) return Truncated();
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<uint32_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
  }
  in_.remove_prefix(4);
  return v;
}

absl::StatusOr<double> ByteReader::Double() {
  auto lo = Fixed32();
  if (!lo.ok()) return lo.status();
  auto hi = Fixed32();
  if (!hi.ok()) return hi.status();
  uint64_t bits = (static_cast<uint64_t>(*hi) << 32) | *lo;
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

absl::StatusOr<std::string_view> ByteReader::Bytes() {
  auto n = Varint();
  if (!n.ok()) return n.status();
  if (*n > in_.size()) return Truncated();
  std::string_view s = in_.substr(0, *n);
  in_.remove_prefix(*n);
  return s;
}

absl::Status ByteReader::ExpectDone() const {
  if (in_.empty()) return absl::OkStatus();
  return absl::DataLossError(
      Cat(what_, ": ", in_.size(), " unexpected trailing bytes"));
}

}  // namespace gridless::mapreduce
