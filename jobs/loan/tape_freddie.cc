// Freddie Mac single-family origination file: pipe-delimited, 31 or 32
// fields, dates YYYYMM, rates in percent.  Fields used (1-based):
// 1 CREDIT_SCORE (9999 = n/a), 2 FIRST_PAYMENT_DATE, 4 MATURITY_DATE,
// 10 ORIGINAL_DTI (999 = n/a), 11 ORIGINAL_UPB, 12 ORIGINAL_LTV (999 = n/a),
// 13 ORIGINAL_INTEREST_RATE, 16 AMORTIZATION_TYPE (FRM/ARM), 17 STATE,
// 20 LOAN_SEQUENCE_NUMBER, 22 ORIGINAL_LOAN_TERM.  Loans start at
// origination unless the job sets as_of.
#include "absl/strings/str_cat.h"
#include "jobs/loan/tape_builder.h"

namespace gridless::loan {

absl::Status ReadFreddieOrig(LineSource& lines, TapeBuilder& out) {
  return ForEachPipeRow(
      lines, out, {31, 32}, "freddie-orig", [&](RowReader& r) {
        Loan loan;
        loan.fico = static_cast<int>(
            r.OptionalNumber(1, "CREDIT_SCORE", 300, 850, 0, {9999}));
        int first_pay = r.Month(2, "FIRST_PAYMENT_DATE", DateLayout::kYYYYMM);
        r.Month(4, "MATURITY_DATE", DateLayout::kYYYYMM);
        loan.dti = r.OptionalNumber(10, "ORIGINAL_DTI", 0, 100, 0, {999});
        loan.orig_balance = r.Number(11, "ORIGINAL_UPB", 1, 1e9);
        loan.ltv = r.OptionalNumber(12, "ORIGINAL_LTV", 0, 200, 0, {999});
        loan.rate = r.Rate(13, "ORIGINAL_INTEREST_RATE", RateUnit::kPercent);
        r.FixedRateProduct(16, "AMORTIZATION_TYPE", {"FRM"});
        loan.state = std::string(r.Raw(17));
        loan.id = std::string(r.Text(20, "LOAN_SEQUENCE_NUMBER"));
        loan.term = r.Integer(22, "ORIGINAL_LOAN_TERM", 1, 480);
        return AddOriginationRow(r, std::move(loan), first_pay, out);
      });
}

}  // namespace gridless::loan
