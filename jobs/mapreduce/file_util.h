// Small POSIX file helpers shared by the store, the splits and the kinds.
// Every error names the path and says what failed; errno maps to a code with
// retry meaning: ENOENT -> NOT_FOUND, EACCES/EPERM -> PERMISSION_DENIED,
// ENOSPC/EDQUOT -> RESOURCE_EXHAUSTED ("disk full", retryable elsewhere),
// other I/O errors -> UNAVAILABLE (retryable).
//
// AtomicFileWriter writes a file so that readers see either nothing (or the
// old file) or the complete new file: it writes a temporary file in the same
// directory and renames it over the target on Commit.
//
// Thread-safe (free functions); an AtomicFileWriter is used by one thread.
#ifndef GRIDLESS_JOBS_MAPREDUCE_FILE_UTIL_H_
#define GRIDLESS_JOBS_MAPREDUCE_FILE_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gridless::mapreduce {

// `what` describes the operation ("open", "write"), `path` the file.
absl::Status ErrnoStatus(int err, std::string_view what, std::string_view path);

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

// A unique temporary name next to `path` (hidden, ".NAME.tmp-PID-N").
std::string TempPathFor(const std::string& path);
// Whether `name` (a file name, not a path) is one TempPathFor makes.
bool IsTempName(std::string_view name);

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

class AtomicFileWriter {
 public:
  AtomicFileWriter() = default;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  // Removes the temporary file unless committed.
  ~AtomicFileWriter();

  // Creates the temporary file (the directory must exist).
  absl::Status Open(const std::string& path);
  // Buffered.
  absl::Status Append(std::string_view data);
  // Flushes, optionally fsyncs the file and the directory, and renames the
  // temporary file to the target.
  absl::Status Commit(bool sync);
  uint64_t bytes() const { return bytes_; }
  const std::string& path() const { return path_; }
  // The open temporary file, for a child process to write to directly.
  int fd() const { return fd_; }
  // Count bytes written to fd() by someone else (a child process).
  absl::Status SyncSizeFromFile();

 private:
  absl::Status Flush();
  void Abandon();

  std::string path_;
  std::string temp_;
  int fd_ = -1;
  std::string buffer_;
  uint64_t bytes_ = 0;
  bool committed_ = false;
};

// Writes `data` to `path` atomically.
absl::Status WriteFileAtomically(const std::string& path, std::string_view data,
                                 bool sync);

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_FILE_UTIL_H_
