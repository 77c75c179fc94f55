// Encoding of fixed-layout partials (a struct of counts and sums) as bytes.
//
// The encoding is the struct's in-memory representation: workers and the
// coordinator of one deployment run the same build on the same architecture
// (Hello carries the build id).  Decode checks the size and names the kind in
// its error (INVALID_ARGUMENT: a partial of the wrong size is forged or from
// another build, and retrying cannot help), so a corrupt partial is refused
// rather than misread.  The kinds then check the decoded counts against the
// job (AddCounts below): a pod that decodes is not yet a partial of the job.
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
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(what), ": has ", bytes.size(),
                     " bytes, expected ", sizeof(T)));
  }
  T value;
  std::memcpy(&value, bytes.data(), sizeof(T));
  return value;
}

// A partial that does not decode is refused as INVALID_ARGUMENT (the codecs
// say DATA_LOSS, which on a worker's own reads means lost data): the code
// of every refusal by Merge, with the codec's message.
inline absl::Status RefusedPartial(const absl::Status& decode_error) {
  if (decode_error.ok()) return decode_error;
  return absl::InvalidArgumentError(decode_error.message());
}

// *sum = a + b when that does not overflow and stays at or below `limit`;
// else INVALID_ARGUMENT "WHAT: A + B NAME exceeds the job's LIMIT".  For the
// counts of merged partials, which a forged partial could otherwise wrap.
inline absl::Status AddCounts(uint64_t a, uint64_t b, uint64_t limit,
                              std::string_view what, std::string_view name,
                              uint64_t* sum) {
  uint64_t s;
  if (!__builtin_add_overflow(a, b, &s) && s <= limit) {
    *sum = s;
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(what), ": ", a, " + ", b, " ", std::string(name),
                   " exceeds the job's ", limit));
}

}  // namespace gridless

#endif  // GRIDLESS_JOBS_POD_CODEC_H_
