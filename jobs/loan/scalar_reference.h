// A plain scalar implementation of the loan model, written straight from the
// specification with libm (pow, atan), one loan at a time: the baseline the
// benchmark compares the kernel with, and the cross-check that the kernel's
// faster forms compute the same model (kernel_test.cc).
//
// Written as a careful quant would write a scalar model, so that the
// benchmark's kernel/reference ratio measures vectorization and the kernel's
// algebra, not a straw man: no allocation per loan or month (recoveries are
// discounted at month t + lag when the default happens, as the model's
// linear totals allow), age-only curves (PSA SMM, SDA/CDR MDR) computed once
// per model in a ReferenceModel, and the annuity factor (1 + r)^rem carried
// from month to month by one division instead of a pow per month.  What stays
// per loan-month is what the model makes path-dependent: the S-curve's atan
// and its CPR -> SMM pow.
//
// Default models "sda" and "cdr" only: the "ltv" credit model (house price
// paths) is checked against a projection written out with libm in
// credit_model_test.cc instead.
//
// Thread-safe: pure functions; a ReferenceModel is immutable once built.
#ifndef GRIDLESS_JOBS_LOAN_SCALAR_REFERENCE_H_
#define GRIDLESS_JOBS_LOAN_SCALAR_REFERENCE_H_

#include <vector>

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

// The model's age-only curves, from libm, for ages 0..max_age (later ages use
// the last entry; the PSA and SDA curves are flat by then).
struct ReferenceModel {
  explicit ReferenceModel(const ModelParams& m);
  ModelParams params;
  std::vector<double> smm_by_age;  // PSA or constant CPR; unused for S-curve
  std::vector<double>
      mdr_by_age;  // SDA or constant CDR, before the path factor
};

// REQUIRES: path.months >= loan.remaining + m.params.lag.
LoanTotals ReferenceProject(const ReferenceModel& m, const Loan& loan,
                            const PathScenario& path);
// Convenience for one-off checks: builds the ReferenceModel each call.
LoanTotals ReferenceProject(const ModelParams& m, const Loan& loan,
                            const PathScenario& path);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_SCALAR_REFERENCE_H_
