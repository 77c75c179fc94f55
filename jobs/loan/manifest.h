// The run manifest of a loan-mc result (docs/LOAN_MODEL.md, "Run manifest"):
// what a model validator needs to reproduce a number (SR 11-7): the tape
// (path, size, SHA-256, layout, rows read and skipped), every parameter after
// defaults, the seed, the build (version and git revision) and the kernel
// clone.  `gridless verify-manifest` re-checks the tape against it.
//
// Deterministic: the manifest holds no time and no job id, so two runs of one
// spec on one build give the same result JSON (tests compare results whole).
//
// Thread-safe: free functions without shared state.
#ifndef GRIDLESS_JOBS_LOAN_MANIFEST_H_
#define GRIDLESS_JOBS_LOAN_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"
#include "jobs/job.h"
#include "jobs/loan/job_params.h"
#include "jobs/loan/partial.h"

namespace gridless::loan {

// A file's size and SHA-256 (lower-case hex), read in 1 MiB blocks.
struct FileDigest {
  uint64_t bytes = 0;
  std::string sha256;
};
// NOT_FOUND / INVALID_ARGUMENT naming the path when it cannot be read or is
// not a regular file (a FIFO or /dev/zero would never end).
absl::StatusOr<FileDigest> DigestFile(const std::string& path);

// SHA-256 of `data`, lower-case hex.
std::string Sha256Hex(std::string_view data);

// The `manifest` Struct of a finished job: `params` are the job's parameters
// as read, `infos` the kind's parameter list (for the defaults), `acc` the
// merged partial (rows read and skipped).  Reads the whole tape once.
absl::StatusOr<google::protobuf::Struct> BuildManifest(
    const JobContext& job, const LoanJobParams& params,
    const std::vector<ParamInfo>& infos, const LoanPartial& acc);

// Re-checks a manifest: the tape at its path has the recorded size and
// SHA-256.  OK, or FAILED_PRECONDITION saying what differs and what to do;
// INVALID_ARGUMENT when `manifest` lacks a field it needs.  `notes` gets
// what differs without making the check fail (e.g. another build).
absl::Status VerifyManifest(const google::protobuf::Struct& manifest,
                            std::vector<std::string>* notes);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_MANIFEST_H_
