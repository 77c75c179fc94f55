#include "jobs/loan/job_params.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace gridless::loan {
namespace {

// Loan-path-months per task when sizing automatically: ~0.1-0.3 s on one
// core at the kernel's measured 1-2e8 per second (docs/LOAN_MODEL.md).
constexpr double kTargetTaskWork = 2.5e7;
constexpr int64_t kMaxPathBlock = 64;
constexpr int64_t kLoanAlign = 128;  // the kernel's sub-block

}  // namespace

std::vector<ParamInfo> LoanJobParamInfos() {
  std::vector<ParamInfo> out = {
      {"tape", "string", "",
       "loan tape file, readable by every worker (required)"},
      {"format", "string", "auto",
       "auto, fannie-sflp, fannie-acq, freddie-orig or csv"},
      {"skip_bad_rows", "bool", "false",
       "skip and count bad rows instead of refusing the job"},
      {"as_of", "string", "",
       "YYYY-MM: age origination tapes (fannie-acq, freddie-orig) to this "
       "month; empty = project from origination"},
      {"paths", "int", "1000", "interest-rate paths, in [1, 10000000]"},
      {"seed", "int", "JobSpec.seed",
       "overrides the job's seed when given, in [0, 2^53]"},
      {"loan_block", "int", "0",
       "loans per task, in [0, 100000000]; 0 = sized for ~0.1-0.3 s tasks"},
      {"path_block", "int", "0",
       "paths per task, in [0, 100000]; 0 = up to 64"},
      {"per_loan", "bool", "false",
       "write loans.csv (per-loan mean PV, PV stderr, expected loss); "
       "needs out"},
      {"per_path", "bool", "true",
       "write paths.csv (per-path PV, loss, WAL, discount factors) when out "
       "is set"},
      {"out", "string", "",
       "directory for summary.json, paths.csv, loans.csv (written "
       "atomically); empty = none"},
  };
  for (auto& info : ModelParamInfos()) out.push_back(std::move(info));
  return out;
}

absl::StatusOr<LoanJobParams> ReadLoanJobParams(const JobContext& job) {
  const Params& p = job.params;
  std::vector<std::string> known = {
      "tape",       "format",     "skip_bad_rows", "as_of",    "paths", "seed",
      "loan_block", "path_block", "per_loan",      "per_path", "out"};
  for (auto& name : ModelParamNames()) known.push_back(std::move(name));
  if (auto s = p.CheckKnown(known); !s.ok()) return s;

  LoanJobParams out;
  auto tape = p.String("tape", "");
  if (!tape.ok()) return tape.status();
  if (tape->empty()) {
    return absl::InvalidArgumentError(
        "parameter \"tape\": required (a loan tape file; make one with "
        "`gridless gen-loans`)");
  }
  out.tape = *tape;
  auto format =
      p.String("format", "auto",
               {"auto", "fannie-sflp", "fannie-acq", "freddie-orig", "csv"});
  if (!format.ok()) return format.status();
  out.tape_options.format = *ParseTapeFormat(*format);
  auto skip = p.Bool("skip_bad_rows", false);
  if (!skip.ok()) return skip.status();
  out.tape_options.skip_bad_rows = *skip;
  auto as_of = p.String("as_of", "");
  if (!as_of.ok()) return as_of.status();
  if (!as_of->empty()) {
    auto month = ParseYearMonth(*as_of);
    if (!month.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter \"as_of\": ", month.status().message()));
    }
    out.tape_options.as_of = *month;
  }
  auto paths = p.Int("paths", 1000, 1, 10'000'000);
  if (!paths.ok()) return paths.status();
  out.paths = *paths;
  auto seed = p.Int("seed", 0, 0, int64_t{1} << 53);
  if (!seed.ok()) return seed.status();
  out.seed = p.Has("seed") ? static_cast<uint64_t>(*seed) : job.seed();
  auto loan_block = p.Int("loan_block", 0, 0, 100'000'000);
  if (!loan_block.ok()) return loan_block.status();
  out.loan_block = *loan_block;
  auto path_block = p.Int("path_block", 0, 0, 100'000);
  if (!path_block.ok()) return path_block.status();
  out.path_block = *path_block;
  auto per_loan = p.Bool("per_loan", false);
  if (!per_loan.ok()) return per_loan.status();
  out.per_loan = *per_loan;
  auto per_path = p.Bool("per_path", true);
  if (!per_path.ok()) return per_path.status();
  out.per_path = *per_path;
  auto dir = p.String("out", "");
  if (!dir.ok()) return dir.status();
  out.out = *dir;
  if (out.per_loan && out.out.empty()) {
    return absl::InvalidArgumentError(
        "parameter \"per_loan\": per-loan results go to loans.csv; set "
        "\"out\" to a directory");
  }
  auto model = ReadModelParams(p);
  if (!model.ok()) return model.status();
  out.model = *model;
  return out;
}

TaskLayout MakeTaskLayout(const LoanJobParams& p, const LoanTape& tape) {
  int max_remaining = 1;
  double loan_months = 0;
  for (const Loan& l : tape.loans) {
    max_remaining = std::max(max_remaining, l.remaining);
    loan_months += l.remaining;
  }
  return MakeTaskLayout(p, static_cast<int64_t>(tape.loans.size()),
                        max_remaining, loan_months);
}

TaskLayout MakeTaskLayout(const LoanJobParams& p, int64_t loans,
                          int32_t max_remaining, double loan_months) {
  TaskLayout t;
  t.loans = loans;
  max_remaining = std::max(max_remaining, 1);
  t.horizon = std::max(max_remaining + p.model.lag, 360);
  double months_per_loan =
      std::max(1.0, loan_months / std::max<int64_t>(1, t.loans));
  if (p.path_block > 0) {
    t.path_block = std::min(p.path_block, p.paths);
  } else {
    // Even blocks of at most kMaxPathBlock paths.
    int64_t blocks = (p.paths + kMaxPathBlock - 1) / kMaxPathBlock;
    t.path_block = (p.paths + blocks - 1) / blocks;
  }
  if (p.loan_block > 0) {
    t.loan_block = std::min(p.loan_block, t.loans);
  } else {
    double loans = kTargetTaskWork / (t.path_block * months_per_loan);
    int64_t aligned = (static_cast<int64_t>(loans) + kLoanAlign - 1) /
                      kLoanAlign * kLoanAlign;
    t.loan_block = std::min(std::max(aligned, kLoanAlign), t.loans);
  }
  t.loan_blocks = (t.loans + t.loan_block - 1) / t.loan_block;
  t.path_blocks = (p.paths + t.path_block - 1) / t.path_block;
  return t;
}

}  // namespace gridless::loan
