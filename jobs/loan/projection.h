// The deterministic projection of one loan (or a pool treated as one loan)
// month by month, as `gridless loan-cashflows` prints it.  It runs the
// kernel's own code (kernel.h ProjectTraced), so the totals equal the Monte
// Carlo's bit for bit when the Monte Carlo's path is the same scenario.
//
// Thread-safe: pure function.
#ifndef GRIDLESS_JOBS_LOAN_PROJECTION_H_
#define GRIDLESS_JOBS_LOAN_PROJECTION_H_

#include <vector>

#include "jobs/loan/loan.h"
#include "jobs/loan/model_params.h"
#include "jobs/loan/scenario.h"

namespace gridless::loan {

struct ProjectionRow {
  int month;         // 1-based
  double balance;    // performing balance at the start of the month
  double defaulted;  // D
  double interest;   // net interest to investors
  double scheduled;  // scheduled principal
  double prepaid;    // prepayment
  double loss;       // loss on D of month - lag (severity x D, or "ltv")
  double recovery;   // D of month - lag less its loss
  double cash_flow;  // interest + scheduled + prepaid + recovery
};

struct Projection {
  // Months 1..remaining, plus the lag months after when there are defaults.
  std::vector<ProjectionRow> rows;
  // The kernel's totals.
  double pv = 0;  // at the scenario's discount factors
  double cash_flow = 0;
  double loss = 0;
  double principal = 0;  // SP + PP + recovery
  double wal_years = 0;  // sum month x principal / sum principal / 12
  double defaulted = 0;  // sum of D
};

// REQUIRES: the loan is valid (rate > 0, remaining >= 1) and
// path.months >= remaining + m.lag.
Projection ProjectLoan(const ModelParams& m, const Loan& loan,
                       const PathScenario& path);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_PROJECTION_H_
