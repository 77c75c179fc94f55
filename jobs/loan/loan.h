// One fixed-rate mortgage loan as the loan-mc model sees it, whatever tape
// layout it was read from.  Rates are decimals per year (0.08 = 8%), balances
// in currency units, terms and ages in months.
//
// A plain value type; a LoanTape (tape.h) owns a vector of them and is
// immutable once read.
#ifndef GRIDLESS_JOBS_LOAN_LOAN_H_
#define GRIDLESS_JOBS_LOAN_LOAN_H_

#include <cstdint>
#include <string>

namespace gridless::loan {

struct Loan {
  std::string id;
  double balance = 0;       // current performing balance, > 0
  double orig_balance = 0;  // original balance (the burnout base), > 0
  double rate = 0;          // gross note rate, decimal per year, in (0, 0.3]
  // Net rate passed to investors, decimal per year; negative = the note rate
  // minus the job's servicing fee.
  double net_rate = -1;
  int32_t term = 0;       // original term, months, in [1, 480]
  int32_t age = 0;        // months since origination at the projection start
  int32_t remaining = 0;  // months left to maturity, in [1, 480]
  // Informational (reported, not used by the model): 0 / empty = unknown.
  int32_t fico = 0;
  double ltv = 0;  // percent
  double dti = 0;  // percent
  std::string state;
};

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_LOAN_H_
