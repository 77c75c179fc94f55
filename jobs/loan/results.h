// Turns the merged loan-mc accumulator into the job's result (a Struct: the
// names other tools rely on are listed in docs/LOAN_MODEL.md) and, when the
// job sets "out", writes summary.json, paths.csv and loans.csv into that
// directory, each atomically (temporary file + rename).
//
// Thread-safe: pure functions apart from the files they write.
#ifndef GRIDLESS_JOBS_LOAN_RESULTS_H_
#define GRIDLESS_JOBS_LOAN_RESULTS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"
#include "jobs/loan/job_params.h"
#include "jobs/loan/partial.h"
#include "jobs/loan/tape.h"
#include "jobs/loan/loan_source.h"

namespace gridless::loan {

absl::StatusOr<google::protobuf::Struct> BuildResult(const LoanJobParams& p,
                                                     const LoanPartial& acc);

// Writes the files under p.out (created if missing).  `tape` gives loan ids
// for loans.csv; it may be null when !p.per_loan.
absl::Status WriteResultFiles(const LoanJobParams& p, const LoanPartial& acc,
                              const google::protobuf::Struct& result,
                              const LoanSource* loans);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_RESULTS_H_
