// The records of the `sort` kind: the ASCII form of the Sort Benchmark's
// gensort (`gensort -a`).  A record is 100 bytes: a 10-byte key of printable
// ASCII (' '..'~'), two spaces, the record number as 32 uppercase hex
// digits, two spaces, 52 bytes of hex filler, "\r\n".  So each record is a
// line of 99 characters plus '\n', and `LC_ALL=C sort` orders them as we do.
//
// Records are ordered by all their bytes (memcmp), which orders them by key
// first; the record number makes the order total.
//
// Thread-safe (free functions).
#ifndef GRIDLESS_JOBS_MAPREDUCE_SORT_RECORDS_H_
#define GRIDLESS_JOBS_MAPREDUCE_SORT_RECORDS_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace gridless::mapreduce {

inline constexpr size_t kRecordSize = 100;
inline constexpr size_t kKeySize = 10;

// Writes record `index` of the data set named by `seed` into out[0..100).
// The same (seed, index) always gives the same record.
void MakeRecord(uint64_t seed, uint64_t index, char* out);

// OK when `rec` (100 bytes at `offset` of `path`) is a well-formed line:
// byte 99 is '\n' and no other byte is.  INVALID_ARGUMENT naming the file
// and the record's offset otherwise.
absl::Status CheckRecord(const char* rec, const std::string& path,
                         uint64_t offset);

// The first 8 key bytes as a big-endian number: comparing these compares
// the records' first 8 bytes.
inline uint64_t KeyPrefix(const char* rec) {
  uint64_t v;
  std::memcpy(&v, rec, 8);
  return __builtin_bswap64(v);
}

inline bool RecordLess(const char* a, const char* b) {
  uint64_t pa = KeyPrefix(a), pb = KeyPrefix(b);
  if (pa != pb) return pa < pb;
  return std::memcmp(a + 8, b + 8, kRecordSize - 8) < 0;
}

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_SORT_RECORDS_H_
