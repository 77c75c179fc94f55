// Fannie Mae Single-Family Loan Performance data: pipe-delimited, 108 fields
// (110 in some releases), one row per loan per month.  Each loan is built
// from its latest row (by ACT_PERIOD, then by line); a loan whose latest row
// has a Zero_Bal_Code (paid off, liquidated...) is inactive.
//
// Fields used (1-based): 2 LOAN_ID, 3 ACT_PERIOD (MMYYYY), 8 ORIG_RATE,
// 9 CURR_RATE, 10 ORIG_UPB, 12 CURRENT_UPB, 13 ORIG_TERM, 14 ORIG_DATE,
// 15 FIRST_PAY, 16 LOAN_AGE, 17 REM_MONTHS, 20 OLTV, 23 DTI, 24 CSCORE_B,
// 31 STATE, 35 PRODUCT, 44 Zero_Bal_Code.  Rates are in percent.  The
// public data blanks CURRENT_UPB in a loan's first months: the scheduled
// balance is used then.
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "jobs/loan/amortization.h"
#include "jobs/loan/tape_builder.h"

namespace gridless::loan {
namespace {

struct Latest {
  int period = -1;
  bool terminated = false;
  Loan loan;
};

}  // namespace

absl::Status ReadFannieSflp(LineSource& lines, TapeBuilder& out) {
  std::unordered_map<std::string, size_t> index;  // LOAN_ID -> slot
  std::vector<Latest> slots;                      // in first-seen order
  auto read = ForEachPipeRow(
      lines, out, {108, 110}, "fannie-sflp", [&](RowReader& r) -> absl::Status {
        Loan loan;
        loan.id = std::string(r.Text(2, "LOAN_ID"));
        int period = r.Month(3, "ACT_PERIOD", DateLayout::kMMYYYY);
        bool terminated = !r.Blank(44);
        if (!terminated && r.ok()) {
          r.FixedRateProduct(35, "PRODUCT", {"FRM"});
          double orig_rate = r.Rate(8, "ORIG_RATE", RateUnit::kPercent);
          loan.rate = r.Blank(9) ? orig_rate
                                 : r.Rate(9, "CURR_RATE", RateUnit::kPercent);
          loan.orig_balance = r.Number(10, "ORIG_UPB", 1, 1e9);
          double current = r.OptionalNumber(12, "CURRENT_UPB", 0, 1e9, 0);
          loan.term = r.Integer(13, "ORIG_TERM", 1, 480);
          r.Month(14, "ORIG_DATE", DateLayout::kMMYYYY);
          int first_pay = r.Month(15, "FIRST_PAY", DateLayout::kMMYYYY);
          int age = r.OptionalInteger(16, "LOAN_AGE", -12, 600, -1000);
          int rem = r.OptionalInteger(17, "REM_MONTHS", 0, 600, -1000);
          loan.ltv = r.OptionalNumber(20, "OLTV", 0, 200, 0);
          loan.dti = r.OptionalNumber(23, "DTI", 0, 100, 0);
          loan.fico =
              static_cast<int>(r.OptionalNumber(24, "CSCORE_B", 300, 850, 0));
          loan.state = std::string(r.Raw(31));
          if (r.ok()) {
            if (age == -1000) age = period - first_pay;
            if (age < 0) age = 0;
            if (rem == -1000) rem = loan.term - age;
            loan.age = age;
            loan.remaining = rem;
            loan.balance =
                current > 0
                    ? current
                    : ScheduledBalance(loan.orig_balance, loan.rate / 12.0,
                                       loan.term, std::min(age, loan.term));
            if (rem < 1 || rem > 480) {
              r.Fail(RowProblem::kOutOfRange, 17, "REM_MONTHS",
                     "months remaining must be in [1, 480] for an active loan");
            }
          }
        }
        if (!r.ok()) return out.Bad(r.error());
        auto [it, inserted] = index.try_emplace(loan.id, slots.size());
        if (inserted) slots.emplace_back();
        Latest& slot = slots[it->second];
        if (period >= slot.period) {
          slot.period = period;
          slot.terminated = terminated;
          slot.loan = std::move(loan);
        }
        return absl::OkStatus();
      });
  if (!read.ok()) return read;
  for (Latest& slot : slots) {
    if (slot.terminated || slot.loan.balance <= 0) {
      out.Inactive();
    } else {
      out.Add(std::move(slot.loan));
    }
  }
  return absl::OkStatus();
}

}  // namespace gridless::loan
