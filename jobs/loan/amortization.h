// Level-payment amortization of one loan-month, shared by the vectorized
// kernel, its single-loan trace (`gridless loan-cashflows`) and, through
// them, every projection: one code path, so the Monte Carlo at zero
// volatility equals the deterministic projection bit for bit.
//
// From the performing balance B at the start of the month:
//   D = MDR B; B' = B - D; I = B' net; SP = B' r / ((1 + r)^rem - 1);
//   PP = SMM (B' - SP); B_next = B' - SP - PP,
// with (1 + r)^-rem carried by the caller as a running product h.  In the
// last month (rem = 1) SP = B' exactly, so the loan ends at zero.
// Thread-safe: pure functions.
#ifndef GRIDLESS_JOBS_LOAN_AMORTIZATION_H_
#define GRIDLESS_JOBS_LOAN_AMORTIZATION_H_

#include "jobs/loan/fast_math.h"

namespace gridless::loan {

struct MonthFlows {
  double defaulted;     // D
  double interest;      // net interest to investors, B' x net monthly rate
  double scheduled;     // SP
  double prepaid;       // PP
  double next_balance;  // performing balance at the start of next month
};

// rate_m, net_m: gross and net monthly rates; h = (1 + rate_m)^-rem.
inline MonthFlows AmortizeMonth(double balance, double h, double rate_m,
                                double net_m, double smm, double mdr,
                                bool last) {
  MonthFlows f;
  f.defaulted = mdr * balance;
  double bp = balance - f.defaulted;
  f.interest = bp * net_m;
  double level = bp * rate_m * h / (1.0 - h);
  f.scheduled = last ? bp : level;
  f.prepaid = smm * (bp - f.scheduled);
  f.next_balance = (bp - f.scheduled) - f.prepaid;
  return f;
}

// The level monthly payment B r / (1 - (1 + r)^-n).  REQUIRES r > 0, n >= 1.
inline double LevelPayment(double balance, double rate_m, int months) {
  return balance * rate_m / (1.0 - 1.0 / IntPowDet(1.0 + rate_m, months));
}

// The scheduled balance after `age` payments of a loan of `orig` over
// `term` months: B0 ((1+r)^n - (1+r)^k) / ((1+r)^n - 1).
inline double ScheduledBalance(double orig, double rate_m, int term, int age) {
  double gn = IntPowDet(1.0 + rate_m, term);
  double gk = IntPowDet(1.0 + rate_m, age);
  return orig * (gn - gk) / (gn - 1.0);
}

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_AMORTIZATION_H_
