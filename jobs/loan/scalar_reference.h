// A plain scalar implementation of the loan model, written straight from the
// specification (libm's pow and atan per loan-month, SP from (1 + r)^rem,
// recoveries queued to month t + lag), one loan at a time.  It is the
// baseline the benchmark compares the kernel with, and the cross-check that
// the kernel's faster forms compute the same model (kernel_test.cc).
//
// Thread-safe: pure function.
#ifndef GRIDLESS_JOBS_LOAN_SCALAR_REFERENCE_H_
#define GRIDLESS_JOBS_LOAN_SCALAR_REFERENCE_H_

#include "jobs/loan/loan.h"
#include "jobs/loan/model_params.h"
#include "jobs/loan/scenario.h"

namespace gridless::loan {

struct LoanTotals {
  double pv = 0;
  double cf = 0;
  double loss = 0;
  double prin = 0;
  double walnum = 0;
};

// REQUIRES: path.months >= loan.remaining + m.lag.
LoanTotals ReferenceProject(const ModelParams& m, const Loan& loan,
                            const PathScenario& path);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_SCALAR_REFERENCE_H_
