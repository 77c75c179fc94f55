// errno -> absl::Status for file operations, in one place: the message
// names the operation and the path and gives the system's reason, and the
// code carries retry meaning: ENOENT/ENOTDIR -> NOT_FOUND, EACCES/EPERM/
// EROFS -> PERMISSION_DENIED, ENOSPC/EDQUOT -> RESOURCE_EXHAUSTED ("disk
// full"), EISDIR/ENAMETOOLONG -> INVALID_ARGUMENT, any other error ->
// UNAVAILABLE (retryable).
//
// Thread-safe (pure function).
#ifndef GRIDLESS_COMMON_ERRNO_STATUS_H_
#define GRIDLESS_COMMON_ERRNO_STATUS_H_

#include <string_view>

#include "absl/status/status.h"

namespace gridless {

// `what` describes the operation ("open", "write"), `path` the file:
// `write "/out/part-00001": No space left on device (disk full)`.
absl::Status ErrnoStatus(int err, std::string_view what, std::string_view path);

}  // namespace gridless

#endif  // GRIDLESS_COMMON_ERRNO_STATUS_H_
