// Small POSIX file helpers shared by the store, the splits and the kinds.
// Every error names the path and says what failed; errno maps to a code with
// retry meaning (common/errno_status.h's ErrnoStatus).  Atomic writes
// (AtomicFileWriter, WriteFileAtomically, the temporary names TidyOutput-
// Directory recognizes) live in common/atomic_file.h, included here.
//
// Thread-safe (free functions).
#ifndef GRIDLESS_JOBS_MAPREDUCE_FILE_UTIL_H_
#define GRIDLESS_JOBS_MAPREDUCE_FILE_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/atomic_file.h"
#include "common/errno_status.h"

namespace gridless::mapreduce {

// `path` made absolute against the current working directory.
std::string AbsolutePath(const std::string& path);

// mkdir -p.  OK when the directory exists.
absl::Status MakeDirs(const std::string& path);

// Size of a regular file; NOT_FOUND naming it when absent,
// INVALID_ARGUMENT when it is a directory or not a regular file.
absl::StatusOr<uint64_t> RegularFileSize(const std::string& path);

// Opens a regular file for reading without blocking (O_NONBLOCK: a FIFO
// put in its place cannot hang the caller) and checks with fstat that it is
// one; the fd then reads as usual.  *size gets its size.  Errors as
// RegularFileSize ("\"PATH\" is a FIFO, not a regular file").  The caller
// closes the fd.
absl::StatusOr<int> OpenRegularFile(const std::string& path, uint64_t* size);

// Reads exactly `length` bytes at `offset` (appended to *out).
// FAILED_PRECONDITION naming the file and offset when the file is shorter.
absl::Status ReadRange(int fd, const std::string& path, uint64_t offset,
                       uint64_t length, std::string* out);

// Whole file.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// Names (not paths) of the entries of a directory, sorted.
absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir);

// "part-NNNNN" (five or more digits) -> NNNNN; -1 for any other name.
int64_t PartIndex(std::string_view name);
// "DIR/part-NNNNN".
std::string PartPath(const std::string& dir, uint64_t index);
// Leaves an output directory holding what a job of `parts` part files
// wrote: removes part files numbered `parts` or more (from an earlier run
// with more reducers or shards) and the temporary files of writers that
// were killed before their rename (a worker SIGKILLed mid-task).  Called
// when the job ends, so no live attempt of it still writes there.  Best
// effort: a file that cannot be removed is left.
void TidyOutputDirectory(const std::string& dir, uint64_t parts);

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_FILE_UTIL_H_
