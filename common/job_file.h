// Job files: JSON mapped onto gridless.v1.JobSpec, e.g.
//   {"kind": "option-mc", "seed": 7, "max_attempts": 3,
//    "params": {"option": "call", "spot": 60, "strike": 65, "paths": 1000000}}
// Field names are the proto's (snake_case; lowerCamelCase also accepted).
// Errors are INVALID_ARGUMENT and name the file and what is wrong; an unknown
// top-level field is an error (a typo must not be ignored).
#ifndef GRIDLESS_COMMON_JOB_FILE_H_
#define GRIDLESS_COMMON_JOB_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "gridless/v1/job.pb.h"

namespace gridless {

// Parses JSON text; `origin` (a file name) prefixes every error.
absl::StatusOr<v1::JobSpec> ParseJobSpecJson(std::string_view json,
                                             std::string_view origin);
// Reads and parses a job file.  NOT_FOUND when it cannot be read.
absl::StatusOr<v1::JobSpec> ReadJobFile(const std::string& path);

// The spec as pretty JSON (the same schema ParseJobSpecJson reads).
std::string JobSpecToJson(const v1::JobSpec& spec);

}  // namespace gridless

#endif  // GRIDLESS_COMMON_JOB_FILE_H_
