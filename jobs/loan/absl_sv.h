// Debian's Abseil is built with its own absl::string_view (not an alias of
// std::string_view), so absl::StrCat and friends do not take a
// std::string_view.  Sv() converts without copying.
#ifndef GRIDLESS_JOBS_LOAN_ABSL_SV_H_
#define GRIDLESS_JOBS_LOAN_ABSL_SV_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace gridless::loan {

inline absl::string_view Sv(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view StdSv(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_ABSL_SV_H_
