// The worker side of loan-mc: one LoanMcRunner per job per worker process
// holds the loan source (a text tape read once, or a mapped .gtape) and the
// model's tables; Run projects one task (a loan block x a path block) into a
// LoanPartial.
//
// Run is called concurrently from every worker slot: all shared state is
// const, and each call keeps its buffers on its own stack/heap.
#ifndef GRIDLESS_JOBS_LOAN_LOAN_RUNNER_H_
#define GRIDLESS_JOBS_LOAN_LOAN_RUNNER_H_

#include <memory>
#include <string>
#include <vector>

#include "jobs/job.h"
#include "jobs/loan/job_params.h"
#include "jobs/loan/loan_source.h"
#include "jobs/loan/partial.h"
#include "jobs/loan/scenario.h"
#include "jobs/loan/tape.h"

namespace gridless::loan {

class LoanMcRunner final : public TaskRunner {
 public:
  LoanMcRunner(LoanJobParams params, LoanTape tape);
  LoanMcRunner(LoanJobParams params, std::unique_ptr<const LoanSource> loans);

  absl::StatusOr<std::string> Run(const TaskContext& task) override;
  // Run without the encoding, for tests and benchmarks.
  absl::StatusOr<LoanPartial> RunRange(const TaskRange& range,
                                       const CancelToken* cancel) const;

  const TaskLayout& layout() const { return layout_; }

 private:
  const LoanJobParams params_;
  const std::unique_ptr<const LoanSource> source_;
  const TaskLayout layout_;
  const std::vector<double> smm_by_age_;
  const std::vector<double> mdr_by_age_;
  const ScenarioBuilder scenarios_;
};

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_LOAN_RUNNER_H_
