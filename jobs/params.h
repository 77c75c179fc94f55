// Typed, validated access to a job's parameters (the JobSpec's `params`
// Struct).  Every error is INVALID_ARGUMENT and names the parameter, the value
// found and what was expected, e.g.
//   parameter "paths": expected an integer in [1, 1000000000], got 2.5
//
// A Params is a cheap view: it does not own the Struct, which must outlive it.
// Thread-safe for concurrent reads.
#ifndef GRIDLESS_JOBS_PARAMS_H_
#define GRIDLESS_JOBS_PARAMS_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"

namespace gridless {

class Params {
 public:
  explicit Params(const google::protobuf::Struct& params) : params_(&params) {}

  bool Has(std::string_view name) const;

  // A number in [min, max]; `def` when absent.
  absl::StatusOr<double> Double(std::string_view name, double def, double min,
                                double max) const;
  // A whole number in [min, max]; `def` when absent.  2.0 is accepted, 2.5
  // is not.
  absl::StatusOr<int64_t> Int(std::string_view name, int64_t def, int64_t min,
                              int64_t max) const;
  absl::StatusOr<bool> Bool(std::string_view name, bool def) const;
  // A string; when `allowed` is not empty it must be one of them.
  absl::StatusOr<std::string> String(
      std::string_view name, std::string_view def,
      std::initializer_list<std::string_view> allowed = {}) const;
  // A list of whole numbers in [min, max]; empty when absent.
  absl::StatusOr<std::vector<int64_t>> IntList(std::string_view name,
                                               int64_t min, int64_t max) const;
  // A list of strings; empty when absent.
  absl::StatusOr<std::vector<std::string>> StringList(
      std::string_view name) const;

  // INVALID_ARGUMENT naming the first parameter not in `known`, and listing
  // the known ones.  Kinds call this first so that a typo is not silently
  // ignored.
  absl::Status CheckKnown(std::initializer_list<std::string_view> known) const;
  absl::Status CheckKnown(const std::vector<std::string>& known) const;

 private:
  const google::protobuf::Value* Find(std::string_view name) const;
  const google::protobuf::Struct* params_;
};

}  // namespace gridless

#endif  // GRIDLESS_JOBS_PARAMS_H_
