#include "jobs/loan/results.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "jobs/loan/rate_model.h"
#include "jobs/loan/statistics.h"

namespace gridless::loan {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

void SetNumber(Struct& s, const std::string& key, double v) {
  (*s.mutable_fields())[key].set_number_value(v);
}

std::vector<double> Column(const LoanPartial& acc, int field) {
  std::vector<double> out;
  uint64_t n = acc.header.path_end - acc.header.path_begin;
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    out.push_back(acc.paths[i * kNumPathFields + field]);
  }
  return out;
}

void AddPercentiles(Struct& s, const std::string& prefix,
                    std::vector<double> x) {
  std::sort(x.begin(), x.end());
  for (int q : {1, 5, 50, 95, 99}) {
    SetNumber(s, absl::StrCat(prefix, "_p", q), Percentile(x, q));
  }
}

}  // namespace

absl::StatusOr<Struct> BuildResult(const LoanJobParams& p,
                                   const LoanPartial& acc) {
  const PartialHeader& h = acc.header;
  uint64_t paths = h.path_end - h.path_begin;
  if (h.path_begin != 0 || paths != static_cast<uint64_t>(p.paths)) {
    return absl::DataLossError(absl::StrCat("loan-mc result covers paths [",
                                            h.path_begin, ", ", h.path_end,
                                            "), expected [0, ", p.paths, ")"));
  }
  Struct s;
  std::vector<double> pv = Column(acc, kPathPv);
  std::vector<double> loss = Column(acc, kPathLoss);
  MeanStderr pv_stats = Summarize(pv);
  MeanStderr loss_stats = Summarize(loss);
  SetNumber(s, "pv_mean", pv_stats.mean);
  SetNumber(s, "pv_stderr", pv_stats.std_error);
  AddPercentiles(s, "pv", pv);
  SetNumber(s, "expected_loss", loss_stats.mean);
  SetNumber(s, "loss_stderr", loss_stats.std_error);
  AddPercentiles(s, "loss", loss);
  std::vector<double> sorted_loss = loss;
  std::sort(sorted_loss.begin(), sorted_loss.end());
  TailRisk r99 = VarEs(sorted_loss, 99, 100);
  TailRisk r999 = VarEs(sorted_loss, 999, 1000);
  SetNumber(s, "var_99", r99.var);
  SetNumber(s, "es_99", r99.es);
  SetNumber(s, "var_999", r999.var);
  SetNumber(s, "es_999", r999.es);
  SetNumber(s, "cash_flow_mean", Summarize(Column(acc, kPathCf)).mean);
  std::vector<double> wal(paths);
  for (uint64_t i = 0; i < paths; ++i) {
    double prin = acc.paths[i * kNumPathFields + kPathPrin];
    double num = acc.paths[i * kNumPathFields + kPathWalNum];
    wal[i] = prin > 0 ? num / prin / 12.0 : 0.0;
  }
  SetNumber(s, "wal_years", Summarize(wal).mean);
  SetNumber(s, "loans", static_cast<double>(h.loans));
  SetNumber(s, "paths", static_cast<double>(paths));
  SetNumber(s, "loan_path_months", static_cast<double>(h.loan_path_months));

  RateModel rates(p.model.rates);
  auto* checks = (*s.mutable_fields())["discount_check"].mutable_list_value();
  for (int j = 0; j < 4; ++j) {
    MeanStderr df = Summarize(Column(acc, kPathDf1 + j));
    Struct row;
    SetNumber(row, "years", kDiscountCheckYears[j]);
    SetNumber(row, "mc", df.mean);
    SetNumber(row, "mc_stderr", df.std_error);
    SetNumber(row, "closed_form",
              rates.ZeroCouponPrice(kDiscountCheckYears[j],
                                    p.model.rates.initial_rate));
    *checks->add_values()->mutable_struct_value() = std::move(row);
  }

  SetNumber(s, "tape_rows", static_cast<double>(h.tape_rows));
  SetNumber(s, "skipped_rows", static_cast<double>(h.skipped_rows));
  SetNumber(s, "inactive_loans", static_cast<double>(h.inactive_loans));
  Struct by_problem;
  for (int i = 0; i < kNumRowProblems; ++i) {
    if (h.skipped_by_problem[i] > 0) {
      SetNumber(by_problem,
                std::string(RowProblemName(static_cast<RowProblem>(i))),
                static_cast<double>(h.skipped_by_problem[i]));
    }
  }
  *(*s.mutable_fields())["skipped_by_reason"].mutable_struct_value() =
      std::move(by_problem);
  auto* examples =
      (*s.mutable_fields())["skipped_examples"].mutable_list_value();
  for (absl::string_view e :
       absl::StrSplit(acc.examples, '\n', absl::SkipEmpty())) {
    examples->add_values()->set_string_value(std::string(e));
  }
  (*s.mutable_fields())["prepay_model"].set_string_value(
      std::string(PrepayModelName(p.model.prepay)));
  (*s.mutable_fields())["default_model"].set_string_value(
      std::string(DefaultModelName(p.model.defaults)));
  return s;
}

}  // namespace gridless::loan
