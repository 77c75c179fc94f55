// The parameters of a loan-mc job (tape, paths, block sizes, outputs) on
// top of the model's (model_params.h), and the task layout derived from
// them and the tape.
//
// Plain values; thread-safe to share.
#ifndef GRIDLESS_JOBS_LOAN_JOB_PARAMS_H_
#define GRIDLESS_JOBS_LOAN_JOB_PARAMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "jobs/job.h"
#include "jobs/loan/model_params.h"
#include "jobs/loan/tape.h"

namespace gridless::loan {

struct LoanJobParams {
  std::string tape;
  TapeOptions tape_options;
  int64_t paths = 1000;
  uint64_t seed = 0;
  int64_t loan_block = 0;  // loans per task; 0 = sized for ~0.3 s tasks
  int64_t path_block = 0;  // paths per task; 0 = automatic
  bool per_loan = false;   // write loans.csv (needs out)
  bool per_path = true;    // write paths.csv (when out is set)
  std::string out;         // result directory; "" = no files
  ModelParams model;
};

std::vector<ParamInfo> LoanJobParamInfos();
// INVALID_ARGUMENT naming the parameter; unknown parameters are refused.
absl::StatusOr<LoanJobParams> ReadLoanJobParams(const JobContext& job);

// How a job is cut into tasks: loan blocks x path blocks, loan-major.
struct TaskLayout {
  int64_t loans = 0;
  int64_t loan_block = 0;
  int64_t path_block = 0;
  int64_t loan_blocks = 0;
  int64_t path_blocks = 0;
  int horizon =
      0;  // months of every rate path (longest remaining + lag, >= 360)
};
TaskLayout MakeTaskLayout(const LoanJobParams& p, const LoanTape& tape);
// The same from a summary: `loans` loans, the longest remaining term and the
// sum of remaining terms (a .gtape's header holds both).
TaskLayout MakeTaskLayout(const LoanJobParams& p, int64_t loans,
                          int32_t max_remaining, double total_remaining);

// One task's payload.
struct TaskRange {
  uint64_t loan_begin, loan_end;
  uint64_t path_begin, path_end;
};

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_JOB_PARAMS_H_
