// Fannie Mae's legacy acquisition file: pipe-delimited, 25 fields, one row
// per loan at origination:
//   LOAN_ID|ORIG_CHN|SELLER|ORIG_RT|ORIG_AMT|ORIG_TRM|ORIG_DTE|FRST_DTE|OLTV|
//   OCLTV|NUM_BO|DTI|CSCORE_B|FTHB_FLG|PURPOSE|PROP_TYP|NUM_UNIT|OCC_STAT|
//   STATE|ZIP_3|MI_PCT|PRODUCT_TYPE|CSCORE_C|MI_TYPE|RELOCATION_FLG
// Dates MM/YYYY, rates in percent.  Loans start at origination unless the
// job sets as_of.
#include "absl/strings/str_cat.h"
#include "jobs/loan/tape_builder.h"

namespace gridless::loan {

absl::Status ReadFannieAcq(LineSource& lines, TapeBuilder& out) {
  return ForEachPipeRow(lines, out, {25}, "fannie-acq", [&](RowReader& r) {
    Loan loan;
    loan.id = std::string(r.Text(1, "LOAN_ID"));
    loan.rate = r.Rate(4, "ORIG_RT", RateUnit::kPercent);
    loan.orig_balance = r.Number(5, "ORIG_AMT", 1, 1e9);
    loan.term = r.Integer(6, "ORIG_TRM", 1, 480);
    r.Month(7, "ORIG_DTE", DateLayout::kMM_slash_YYYY);
    int first_pay = r.Month(8, "FRST_DTE", DateLayout::kMM_slash_YYYY);
    loan.ltv = r.OptionalNumber(9, "OLTV", 0, 200, 0);
    loan.dti = r.OptionalNumber(12, "DTI", 0, 100, 0);
    loan.fico = static_cast<int>(r.OptionalNumber(13, "CSCORE_B", 300, 850, 0));
    loan.state = std::string(r.Raw(19));
    r.FixedRateProduct(22, "PRODUCT_TYPE", {"FRM"});
    return AddOriginationRow(r, std::move(loan), first_pay, out);
  });
}

}  // namespace gridless::loan
