#include "common/errno_status.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "common/sv.h"

namespace gridless {

absl::Status ErrnoStatus(int err, std::string_view what,
                         std::string_view path) {
  std::string msg = Cat(what, " \"", path, "\": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(msg);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(Cat(msg, " (disk full)"));
    case EISDIR:
    case ENAMETOOLONG:
      return absl::InvalidArgumentError(msg);
    default:
      return absl::UnavailableError(msg);
  }
}

}  // namespace gridless
