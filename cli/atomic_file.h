// Writes a whole file so that readers see either the old file or the new
// one, never a half-written one: the text goes to a temporary file in the
// same directory, is flushed to disk, and is renamed over `path`.
//
// Thread-safe (temporary names are unique per process and call).
#ifndef GRIDLESS_CLI_ATOMIC_FILE_H_
#define GRIDLESS_CLI_ATOMIC_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace gridless {

// UNAVAILABLE / PERMISSION_DENIED naming the path and the system's reason.
absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents);

}  // namespace gridless

#endif  // GRIDLESS_CLI_ATOMIC_FILE_H_
