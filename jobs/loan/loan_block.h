// A block of loans laid out for the kernel: structure of arrays, sorted by
// remaining term (longest first) so that the loans still alive in month m
// are a prefix and the kernel's inner loop just gets shorter.  `order` maps
// kernel position -> position in the span the block was built from.
//
// Built once per task (cheap next to projecting it); immutable after.
#ifndef GRIDLESS_JOBS_LOAN_LOAN_BLOCK_H_
#define GRIDLESS_JOBS_LOAN_LOAN_BLOCK_H_

#include <cstdint>
#include <vector>

#include "jobs/loan/kernel.h"
#include "jobs/loan/loan.h"
#include "jobs/loan/model_params.h"

namespace gridless::loan {

struct LoanBlock {
  int n = 0;
  std::vector<int32_t> order;
  std::vector<double> balance;  // current performing balance
  std::vector<double> inv_b0;   // 1 / max(original, current balance)
  std::vector<double> rate_m;   // gross note rate / 12
  std::vector<double> net_m;    // net rate / 12
  std::vector<double> note;     // gross note rate, annual
  std::vector<double> onep;     // 1 + rate_m
  std::vector<double> h0;       // (1 + rate_m)^-remaining
  std::vector<int32_t> age;
  std::vector<int32_t> rem;
  std::vector<double> notes;        // distinct note rates, ascending
  std::vector<int32_t> note_index;  // loan -> index in notes
  // The "ltv" default model's columns (empty without it):
  std::vector<double> inv_value;       // 1 / property value at the tape
  std::vector<double> recovery_value;  // value x (1 - foreclosure_discount)
  std::vector<double> logit_base;      // the logit's loan-only terms
  int64_t loan_months = 0;  // sum of remaining terms: loan-months per path

  KernelLoans View() const;
};

// The tape's values where a field is missing (0): LTV 80%, FICO 740,
// DTI 36%, the reference point of the "ltv" model's logit.
inline constexpr double kMissingLtv = 80, kMissingFico = 740, kMissingDti = 36;
// Property value at the tape: original balance / original LTV (or the
// missing-LTV value).
double PropertyValue(const Loan& l);
// The logit's loan-only terms: intercept - ltv_slope 0.8 + fico_slope
// (FICO - 740)/100 + dti_slope (DTI - 36)/10.
double LogitBase(const CreditParams& c, const Loan& l);

// REQUIRES: every loan valid (tape.h checks): rate > 0, remaining >= 1.
// credit: fills the "ltv" model's columns when not null.
LoanBlock MakeLoanBlock(const Loan* loans, int n, double servicing_fee,
                        const CreditParams* credit = nullptr);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_LOAN_BLOCK_H_
