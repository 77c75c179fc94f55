// Input splits: a glob of files cut into byte ranges at record boundaries,
// so that one large file becomes many map tasks.
//
// Two record formats:
//  * Lines: a record is a line ending in '\n' (the last line of a file may
//    lack it).  Plan cuts files at arbitrary byte offsets; a line belongs to
//    the split that contains its first byte, so ReadSplit skips the partial
//    line at the start of a split (unless it starts at offset 0) and reads
//    past the split's end to finish its last line (the Hadoop convention).
//    Every line is read by exactly one split, whatever the split size.
//  * Fixed(N): records of exactly N bytes.  Splits are whole multiples of N;
//    a file whose size is not a multiple of N is refused, naming the file and
//    the offset of the partial record.
//
// Relative paths are made absolute against the planner's working directory,
// so workers started elsewhere read the same files.  Errors name the file:
// NOT_FOUND (missing file, glob matching nothing), PERMISSION_DENIED
// (unreadable), INVALID_ARGUMENT (a directory, a partial fixed record),
// FAILED_PRECONDITION (a file that shrank after planning).
//
// Thread-safe (free functions).
#ifndef GRIDLESS_JOBS_MAPREDUCE_INPUT_SPLITS_H_
#define GRIDLESS_JOBS_MAPREDUCE_INPUT_SPLITS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "jobs/mapreduce/byte_codec.h"
#include "jobs/mapreduce/page_buffer.h"

namespace gridless::mapreduce {

struct RecordFormat {
  uint32_t record_size = 0;  // 0: lines; N > 0: fixed N-byte records
  static RecordFormat Lines() { return {0}; }
  static RecordFormat Fixed(uint32_t n) { return {n}; }
  bool lines() const { return record_size == 0; }
};

struct InputSplit {
  std::string path;  // absolute
  uint64_t offset = 0;
  uint64_t length = 0;
  bool operator==(const InputSplit&) const = default;
};

// The split's records, read into memory: lines into `data`, fixed-size
// records into `records` (a PageBuffer: no zero fill, huge pages).
struct SplitData {
  std::string path;
  uint64_t offset = 0;  // file offset of the first byte, for error messages
  std::string data;     // Lines: whole lines only
  PageBuffer records;   // Fixed(N): whole records only
  // The split's bytes, whichever the format.
  std::string_view bytes() const {
    return records.size() > 0 ? records.view() : std::string_view(data);
  }
};

// The files a glob names, absolute and sorted.  A pattern without glob
// characters names one file, which must exist.  NOT_FOUND when nothing
// matches; INVALID_ARGUMENT when a match is a directory.
absl::StatusOr<std::vector<std::string>> ExpandInput(
    const std::string& pattern);

// Given the number of splits a plan would have, before the list is built:
// an error refuses the plan (ShuffleKind passes CheckTaskCount, so
// `split_bytes: 1` on a large file is refused without allocating a split
// per byte).
using CountCheck = std::function<absl::Status(uint64_t splits)>;

// Cuts `files` into splits of about `split_bytes` (for fixed records rounded
// down to whole records, at least one).  Empty files give no split.
// Checks that every file is a regular file (a FIFO is never opened in a way
// that blocks) that can be opened for reading, then counts the splits and
// asks `check_count` (when given) before building them.
absl::StatusOr<std::vector<InputSplit>> PlanSplits(
    const std::vector<std::string>& files, RecordFormat format,
    uint64_t split_bytes, const CountCheck& check_count = nullptr);

absl::StatusOr<SplitData> ReadSplit(const InputSplit& split,
                                    RecordFormat format);

void EncodeSplit(const InputSplit& split, ByteWriter& w);
absl::StatusOr<InputSplit> DecodeSplit(ByteReader& r);

// "/abs/file:OFFSET" for messages.
std::string Where(const std::string& path, uint64_t offset);

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_INPUT_SPLITS_H_
