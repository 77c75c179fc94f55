// The sort kind's inner loops, on 100-byte records (sort_records.h) in
// memory, ordered by all their bytes (RecordLess):
//
//  * SortRecordIndex: sorts (key, index) pairs instead of records, so no
//    record moves until the caller gathers the output.  An MSD radix pass on
//    the first two key bytes spreads the pairs into 65,536 buckets; each
//    bucket is then sorted by the first 10 bytes (two integer compares),
//    comparing the rest of the records only when two keys are equal.
//  * RangeBoundaries: where each reducer's range starts in a sorted index.
//  * MergeRuns: a k-way merge of sorted runs of whole records with a loser
//    tree (log2 k compares of a cached 8-byte key prefix per record),
//    handing the output to a sink in large blocks.
//
// Equal records are byte-identical, so every order of them gives the same
// bytes: the output is a function of the input multiset alone.
//
// Thread-safe (free functions; callers own every buffer).
#ifndef GRIDLESS_JOBS_MAPREDUCE_RECORD_SORT_H_
#define GRIDLESS_JOBS_MAPREDUCE_RECORD_SORT_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "jobs/mapreduce/sort_records.h"

namespace gridless::mapreduce {

// A record's key and its index in its buffer: `prefix` is key bytes 0..7
// big-endian; `tail` holds key bytes 8 and 9 in its top 16 bits and the
// index in its low 48.
struct KeyIndex {
  uint64_t prefix;
  uint64_t tail;
  uint64_t index() const { return tail & ((uint64_t{1} << 48) - 1); }
  uint64_t key_low() const { return tail >> 48; }
};

// The most records SortRecordIndex takes (the index has 48 bits).
inline constexpr uint64_t kMaxSortRecords = uint64_t{1} << 48;

// Fills out[0..n) with the n records of `recs` (n * kRecordSize bytes) in
// record order.  `scratch` is working space for n entries.  n must be <
// kMaxSortRecords.
void SortRecordIndex(const char* recs, size_t n, KeyIndex* out,
                     KeyIndex* scratch);

// For a sorted index and `splitters` (k keys of kKeySize bytes, in
// non-decreasing order), the k+2 positions b[0] = 0 <= b[1] <= ... <=
// b[k+1] = n such that reducer r gets sorted[b[r], b[r+1]): the
// records with exactly r splitters <= their key.
std::vector<size_t> RangeBoundaries(const KeyIndex* sorted, size_t n,
                                    std::string_view splitters);

// Merges sorted runs (each a whole number of records, non-decreasing) into
// one sorted sequence, given to `sink` in blocks of about `block_bytes`
// (whole records).  A run of one is passed through without copying.  The
// first error of `sink` stops the merge and is returned.
absl::Status MergeRuns(const std::vector<std::string_view>& runs,
                       size_t block_bytes,
                       absl::FunctionRef<absl::Status(std::string_view)> sink);

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_RECORD_SORT_H_
