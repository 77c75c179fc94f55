// A tiny binary codec for payloads and partials: varints (common/varint.h,
// the one varint codec) and length-prefixed strings appended to a
// std::string, read back with bounds checks.  A
// truncated or garbled buffer (a length past the end, a varint past 2^64)
// gives DATA_LOSS naming `what`, never a crash.
//
// Not thread-safe per object; objects are cheap and local.
#ifndef GRIDLESS_JOBS_MAPREDUCE_BYTE_CODEC_H_
#define GRIDLESS_JOBS_MAPREDUCE_BYTE_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/varint.h"

namespace gridless::mapreduce {

class ByteWriter {
 public:
  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void Varint(uint64_t v) { PutVarint(out_, v); }
  void Fixed32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void Double(double d);
  void Bytes(std::string_view s) {
    Varint(s.size());
    out_.append(s);
  }
  std::string& str() { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  ByteReader(std::string_view in, std::string_view what)
      : in_(in), what_(what) {}

  absl::StatusOr<uint8_t> Byte();
  absl::StatusOr<uint64_t> Varint();
  absl::StatusOr<uint32_t> Fixed32();
  absl::StatusOr<double> Double();
  // A view into the input buffer.
  absl::StatusOr<std::string_view> Bytes();
  bool done() const { return in_.empty(); }
  // DATA_LOSS unless every byte was consumed.
  absl::Status ExpectDone() const;

 private:
  absl::Status Truncated() const;
  std::string_view in_;
  std::string_view what_;
};

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_BYTE_CODEC_H_
