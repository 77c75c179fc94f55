// Bridges between std::string_view and Debian's absl::string_view.
//
// Debian's Abseil 20220623 is built with its own absl::string_view
// (ABSL_OPTION_USE_STD_STRING_VIEW 0), so absl::StrCat, StrSplit,
// SimpleAtoi and Status payloads do not take a std::string_view, which the
// job API uses.  Sv() and StdSv() convert one value either way (no copy);
// Cat and CatTo are absl::StrCat and absl::StrAppend that also take
// std::string_view.
//
// Header-only; thread-safe (pure functions).  The views returned alias the
// caller's characters.
#ifndef GRIDLESS_COMMON_SV_H_
#define GRIDLESS_COMMON_SV_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace gridless {

inline absl::string_view Sv(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view StdSv(absl::string_view s) {
  return {s.data(), s.size()};
}

namespace sv_internal {
template <typename T>
decltype(auto) Bridge(const T& v) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    return Sv(v);
  } else {
    return (v);
  }
}
}  // namespace sv_internal

template <typename... Args>
std::string Cat(const Args&... args) {
  return absl::StrCat(sv_internal::Bridge(args)...);
}

template <typename... Args>
void CatTo(std::string* out, const Args&... args) {
  absl::StrAppend(out, sv_internal::Bridge(args)...);
}

}  // namespace gridless

#endif  // GRIDLESS_COMMON_SV_H_
