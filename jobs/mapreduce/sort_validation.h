// What `gridless validate-sort` checks, as a library (what the Sort
// Benchmark's valsort checks): the output part files, read in name order,
// are in non-decreasing record order, and hold the same number of records
// with the same checksum (an order-independent sum of each record's
// CRC-32C) as the input files.
//
// Thread-safe (free functions).
#ifndef GRIDLESS_JOBS_MAPREDUCE_SORT_VALIDATION_H_
#define GRIDLESS_JOBS_MAPREDUCE_SORT_VALIDATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gridless::mapreduce {

struct RecordSummary {
  uint64_t records = 0;
  uint64_t checksum = 0;    // sum of CRC-32C of each 100-byte record
  uint64_t duplicates = 0;  // records whose key equals the previous key
  // The first out-of-order record ("" when sorted): "FILE:OFFSET".
  std::string first_unordered;
};

// Summarizes 100-byte records of `files`, read in the given order.  Errors
// (INVALID_ARGUMENT/NOT_FOUND...) name the file and offset of a malformed
// record or a partial trailing record.
absl::StatusOr<RecordSummary> SummarizeRecords(
    const std::vector<std::string>& files);

// The part-NNNNN files of `dir`, in name order.  NOT_FOUND when none.
absl::StatusOr<std::vector<std::string>> PartFiles(const std::string& dir);

struct SortValidation {
  RecordSummary input;
  RecordSummary output;
  size_t output_files = 0;
  bool ok() const {
    return output.first_unordered.empty() && input.records == output.records &&
           input.checksum == output.checksum;
  }
  // Human-readable report, one fact per line.
  std::string Report() const;
};

absl::StatusOr<SortValidation> ValidateSort(
    const std::vector<std::string>& inputs, const std::string& output_dir);

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_SORT_VALIDATION_H_
