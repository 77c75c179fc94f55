// The one home of atomic file writes: readers see either nothing (or the
// old file) or the complete new file, never a half-written one under the
// final name.  The bytes go to a temporary file in the same directory
// (hidden: ".NAME.tmp-PID-N", which map-reduce's tidy-up recognizes, see
// IsTempName), and Commit flushes it, fsyncs it, renames it over the target
// and fsyncs the directory (so the rename survives a crash too).  A writer
// destroyed (or failing) before Commit removes its temporary file; a
// process killed mid-write leaves at most that hidden temporary file.
//
// Used by the CLI's result files, loan-mc's result files, the `gen-*`
// generators and map-reduce (parts, shuffle runs, exec output).
//
// Thread-safety: the free functions are thread-safe (temporary names are
// unique per process and call); an AtomicFileWriter is used by one thread.
#ifndef GRIDLESS_COMMON_ATOMIC_FILE_H_
#define GRIDLESS_COMMON_ATOMIC_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace gridless {

// A unique temporary name next to `path` (hidden, "DIR/.NAME.tmp-PID-N").
std::string TempPathFor(const std::string& path);
// Whether `name` (a file name, not a path) is one TempPathFor makes.
bool IsTempName(std::string_view name);

// A file written in pieces and put in place whole.  Errors are
// common/errno_status.h's, naming the target path.
class AtomicFileWriter {
 public:
  AtomicFileWriter() = default;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  // Removes the temporary file unless committed.
  ~AtomicFileWriter();

  // Creates the temporary file (the directory must exist): `temp_path`, or
  // TempPathFor(path) when empty.  The temporary file must be on the same
  // file system as `path` and must not exist.
  absl::Status Open(const std::string& path, std::string temp_path = "");
  // Buffered.
  absl::Status Append(std::string_view data);
  // Flushes, fsyncs the file (unless `sync` is false: scratch files a
  // retry rewrites anyway), renames it to the target and fsyncs the
  // directory.  On failure the temporary file is removed and the target is
  // untouched.
  absl::Status Commit(bool sync = true);
  // Closes and removes the temporary file (what the destructor does).
  void Abandon();

  uint64_t bytes() const { return bytes_; }
  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_; }
  // The open temporary file, for a child process to write to directly.
  int fd() const { return fd_; }
  // Count bytes written to fd() by someone else (a child process).
  absl::Status SyncSizeFromFile();

 private:
  absl::Status Flush();

  std::string path_;
  std::string temp_;
  int fd_ = -1;
  std::string buffer_;
  uint64_t bytes_ = 0;
  bool committed_ = false;
};

// Writes `contents` to `path` through an AtomicFileWriter.
absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents, bool sync = true);

}  // namespace gridless

#endif  // GRIDLESS_COMMON_ATOMIC_FILE_H_
