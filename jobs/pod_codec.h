// Encoding of fixed-layout partials (a struct of counts and sums) as bytes.
//
// The encoding is the struct's in-memory representation: workers and the
// coordinator of one deployment run the same build on the same architecture
// (Hello carries the build id).  Decode checks the size and names the kind in
// its error, so a corrupt partial is refused rather than misread.
#ifndef GRIDLESS_JOBS_POD_CODEC_H_
#define GRIDLESS_JOBS_POD_CODEC_H_

#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace gridless {

template <typename T>
std::string EncodePod(const T& value) {
  static_assert(std::is_trivially_copyable_v<T>);
  return std::string(reinterpret_cast<const char*>(&value), sizeof(T));
}

template <typename T>
absl::StatusOr<T> DecodePod(std::string_view bytes, std::string_view what) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (bytes.size() != sizeof(T)) {
    return absl::DataLossError(absl::StrCat(std::string(what), ": partial has ",
                                            bytes.size(), " bytes, expected ",
                                            sizeof(T)));
  }
  T value;
  std::memcpy(&value, bytes.data(), sizeof(T));
  return value;
}

}  // namespace gridless

#endif  // GRIDLESS_JOBS_POD_CODEC_H_
