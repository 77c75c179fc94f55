// A plain CSV loan tape with a header row.  Columns (any order; others are
// ignored): loan_id, balance, rate, term (required); age (default 0),
// remaining (default term - age), orig_balance (default balance), net_rate
// (default rate - servicing_fee), fico, ltv, dti, state, product (FRM/ARM).
// Rates are decimals (0.045), as everywhere in Gridless.
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/sv.h"
#include "jobs/loan/tape_builder.h"

namespace gridless::loan {

absl::Status ReadCsvTape(LineSource& lines, TapeBuilder& out) {
  std::vector<std::string> storage;
  std::vector<std::string_view> fields;
  std::string_view line;
  std::map<std::string, int, std::less<>> column;  // name -> 1-based column
  size_t header_size = 0;
  while (lines.Next(&line)) {
    if (lines.too_long()) {
      return absl::InvalidArgumentError(absl::StrCat(
          lines.file(), ":", lines.line_number(), ": the CSV header is longer ",
          "than ", kMaxTapeLineBytes, " bytes"));
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    SplitCsv(line, &storage, &fields);
    for (size_t i = 0; i < fields.size(); ++i) {
      column[absl::AsciiStrToLower(absl::StripAsciiWhitespace(Sv(fields[i])))] =
          static_cast<int>(i + 1);
    }
    header_size = fields.size();
    break;
  }
  for (const char* required : {"loan_id", "balance", "rate", "term"}) {
    if (!column.contains(required)) {
      return absl::InvalidArgumentError(absl::StrCat(
          lines.file(), ":", lines.line_number(), ": the CSV header has no \"",
          required, "\" column (required: loan_id, balance, rate, term)"));
    }
  }
  auto col = [&](std::string_view name) {
    auto it = column.find(name);
    return it == column.end() ? 0 : it->second;
  };
  const int c_id = col("loan_id"), c_bal = col("balance"), c_rate = col("rate"),
            c_term = col("term"), c_age = col("age"), c_rem = col("remaining"),
            c_orig = col("orig_balance"), c_net = col("net_rate"),
            c_fico = col("fico"), c_ltv = col("ltv"), c_dti = col("dti"),
            c_state = col("state"), c_product = col("product");
  while (lines.Next(&line)) {
    if (lines.too_long()) {
      if (auto s = out.TooLong(lines); !s.ok()) return s;
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    out.CountRow();
    SplitCsv(line, &storage, &fields);
    RowReader r(lines.file(), lines.line_number(), fields);
    if (fields.size() != header_size) {
      r.FailRow(
          RowProblem::kWrongFieldCount,
          absl::StrCat(fields.size(), " fields, the header has ", header_size));
      if (auto s = out.Bad(r.error()); !s.ok()) return s;
      continue;
    }
    Loan loan;
    loan.id = std::string(r.Text(c_id, "loan_id"));
    loan.balance = r.Number(c_bal, "balance", 0.01, 1e9);
    loan.rate = r.Rate(c_rate, "rate", RateUnit::kDecimal);
    loan.term = r.Integer(c_term, "term", 1, 480);
    loan.age = c_age ? r.OptionalInteger(c_age, "age", 0, 479, 0) : 0;
    loan.remaining =
        c_rem ? r.OptionalInteger(c_rem, "remaining", 1, 480, -1) : -1;
    loan.orig_balance =
        c_orig ? r.OptionalNumber(c_orig, "orig_balance", 0.01, 1e9, -1) : -1;
    if (c_net && !r.Blank(c_net)) {
      loan.net_rate = r.Rate(c_net, "net_rate", RateUnit::kDecimal);
    }
    loan.fico =
        c_fico ? static_cast<int>(r.OptionalNumber(c_fico, "fico", 300, 850, 0))
               : 0;
    loan.ltv = c_ltv ? r.OptionalNumber(c_ltv, "ltv", 0, 200, 0) : 0;
    loan.dti = c_dti ? r.OptionalNumber(c_dti, "dti", 0, 100, 0) : 0;
    if (c_state) loan.state = std::string(r.Raw(c_state));
    if (c_product) r.FixedRateProduct(c_product, "product", {"FRM"});
    if (r.ok()) {
      if (loan.remaining < 0) loan.remaining = loan.term - loan.age;
      if (loan.orig_balance < 0) loan.orig_balance = loan.balance;
      if (loan.remaining < 1) {
        r.Fail(RowProblem::kOutOfRange, c_age, "age",
               "age must be below term (no months remaining)");
      } else if (loan.net_rate > loan.rate) {
        r.Fail(RowProblem::kOutOfRange, c_net, "net_rate",
               "net rate above the note rate");
      }
    }
    if (!r.ok()) {
      if (auto s = out.Bad(r.error()); !s.ok()) return s;
      continue;
    }
    out.Add(std::move(loan));
  }
  return absl::OkStatus();
}

}  // namespace gridless::loan
