// Writes a whole file so that readers see either the old file or the new
// one, never a half-written one: the text goes to a temporary file in the
// same directory, is flushed to disk (fsync, then the directory's fsync after
// the rename, unless `sync` is false), and is renamed over `path`.  The one
// whole-file writer of the CLI and the loan-mc result files; map-reduce's
// streaming AtomicFileWriter (jobs/mapreduce/file_util.h) writes parts and
// shuffle runs with its own temporary names, which its tidy-up recognizes.
//
// Thread-safe (temporary names are unique per process and call).
#ifndef GRIDLESS_COMMON_ATOMIC_FILE_H_
#define GRIDLESS_COMMON_ATOMIC_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace gridless {

// UNAVAILABLE / PERMISSION_DENIED naming the path and the system's reason.
absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents, bool sync = true);

}  // namespace gridless

#endif  // GRIDLESS_COMMON_ATOMIC_FILE_H_
