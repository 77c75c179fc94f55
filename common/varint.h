// The one varint codec: unsigned LEB128, 7 bits a byte, low bits first,
// the high bit set on every byte but the last (the protobuf varint).  Used
// by the journal's task batches (coordinator/journal.cc) and by map-reduce's
// payloads, partials and shuffle runs (jobs/mapreduce/byte_codec.h), so the
// bytes on disk stay what they have always been.
//
// Decoding is for hostile input: a varint cut short, longer than 10 bytes,
// or worth more than 2^64 - 1 (a tenth byte above 1) is an error, never a
// wrapped value or undefined behaviour.  A longer-than-needed encoding of a
// value in range (0x80 0x00 for 0) is accepted, as it always was.
//
// Thread-safe (pure functions).
#ifndef GRIDLESS_COMMON_VARINT_H_
#define GRIDLESS_COMMON_VARINT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gridless {

// The most bytes a uint64_t takes.
inline constexpr size_t kMaxVarintBytes = 10;

// Appends `v` to `out`.
void PutVarint(std::string& out, uint64_t v);

// How many bytes PutVarint writes for `v` (1 to 10).
size_t VarintLength(uint64_t v);

// Reads one varint from the front of `in` into `v` and removes it from `in`.
// False when `in` holds no valid varint (cut short, over 10 bytes, or over
// 2^64 - 1); `in` and `v` are then unchanged.
bool GetVarint(std::string_view& in, uint64_t& v);

}  // namespace gridless

#endif  // GRIDLESS_COMMON_VARINT_H_
