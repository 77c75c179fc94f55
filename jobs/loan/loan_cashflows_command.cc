// `gridless loan-cashflows`: the deterministic month-by-month projection of
// one loan or pool (projection.h), as a table and a summary, or as CSV.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/flags.h"
#include "jobs/loan/loan_commands.h"
#include "jobs/loan/projection.h"

namespace gridless {
namespace {

bool Given(const std::vector<std::string>& args, const std::string& name) {
  for (const auto& a : args) {
    if (a == "--" + name || a.rfind("--" + name + "=", 0) == 0) return true;
  }
  return false;
}

int Usage(const std::string& message) {
  std::fprintf(stderr,
               "loan-cashflows: %s (see gridless loan-cashflows --help)\n",
               message.c_str());
  return 2;
}

}  // namespace

int LoanCashflowsCommand(const std::vector<std::string>& args) {
  FlagSet flags("gridless loan-cashflows",
                "Projects one loan or pool month by month (rates are "
                "decimals: 0.08 = 8%).");
  double balance = 0, rate = 0, net_rate = 0, psa = 0, cpr = 0, sda = 0,
         cdr = 0, severity = 0.35, yield = 0;
  int64_t term = 0, age = 0, lag = 12;
  bool csv = false;
  flags.Double("balance", &balance, 0.01, 1e15, "current balance (required)");
  flags.Double("rate", &rate, 1e-6, 0.3,
               "gross note rate, decimal per year (required)");
  flags.Int("term", &term, 1, 480, "original term in months (required)");
  flags.Int("age", &age, 0, 479, "months already paid; remaining = term - age");
  flags.Double("net-rate", &net_rate, 0, 0.3,
               "net coupon to investors (default: the note rate)");
  flags.Double("psa", &psa, 0, 1500, "prepayment speed, PSA percent");
  flags.Double("cpr", &cpr, 0, 0.99, "constant prepayment rate, decimal");
  flags.Double("sda", &sda, 0, 10000, "default speed, SDA percent");
  flags.Double("cdr", &cdr, 0, 0.99, "constant default rate, decimal");
  flags.Double("severity", &severity, 0, 1, "share of a default lost");
  flags.Int("lag", &lag, 0, 60, "months from default to loss/recovery");
  flags.Double("yield", &yield, -0.05, 1,
               "discount yield for the PV, decimal, monthly compounded "
               "(default: the net rate)");
  flags.Bool("csv", &csv, "print only the table, as CSV");
  if (auto s = flags.Parse(args); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (flags.help()) {
    std::printf("%s", flags.Usage().c_str());
    return 0;
  }
  for (const char* required : {"balance", "rate", "term"}) {
    if (!Given(args, required)) {
      return Usage(absl::StrFormat("--%s is required", required));
    }
  }
  if (!flags.positional().empty())
    return Usage("unexpected positional argument");
  if (Given(args, "psa") && Given(args, "cpr")) {
    return Usage("give --psa or --cpr, not both");
  }
  if (Given(args, "sda") && Given(args, "cdr")) {
    return Usage("give --sda or --cdr, not both");
  }
  if (age >= term) return Usage("--age must be below --term");
  if (!Given(args, "net-rate")) net_rate = rate;
  if (net_rate > rate) return Usage("--net-rate above --rate");
  if (!Given(args, "yield")) yield = net_rate;

  loan::ModelParams m;
  m.prepay =
      Given(args, "cpr") ? loan::PrepayModel::kCpr : loan::PrepayModel::kPsa;
  m.psa = psa;
  m.cpr = cpr;
  m.defaults =
      Given(args, "cdr") ? loan::DefaultModel::kCdr : loan::DefaultModel::kSda;
  m.sda = sda;
  m.cdr = cdr;
  m.severity = severity;
  m.lag = static_cast<int>(lag);
  loan::Loan l;
  l.id = "loan";
  l.balance = balance;
  l.orig_balance = balance;
  l.rate = rate;
  l.net_rate = net_rate;
  l.term = static_cast<int>(term);
  l.age = static_cast<int>(age);
  l.remaining = static_cast<int>(term - age);
  loan::ScenarioBuilder builder(m, l.remaining + m.lag);
  loan::PathScenario path;
  builder.FlatYield(yield, &path);
  loan::Projection p = loan::ProjectLoan(m, l, path);

  if (csv) {
    std::printf(
        "month,balance,default,interest,scheduled_principal,prepayment,loss,"
        "recovery,cash_flow\n");
    for (const auto& r : p.rows) {
      std::printf("%d,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n",
                  r.month, r.balance, r.defaulted, r.interest, r.scheduled,
                  r.prepaid, r.loss, r.recovery, r.cash_flow);
    }
    return 0;
  }
  std::printf("%5s %16s %13s %14s %14s %14s %13s %13s %14s\n", "month",
              "balance", "default", "interest", "sched_prin", "prepayment",
              "loss", "recovery", "cash_flow");
  for (const auto& r : p.rows) {
    std::printf("%5d %16.2f %13.2f %14.2f %14.2f %14.2f %13.2f %13.2f %14.2f\n",
                r.month, r.balance, r.defaulted, r.interest, r.scheduled,
                r.prepaid, r.loss, r.recovery, r.cash_flow);
  }
  std::printf(
      "\nWAL %.4f years   total default %.2f   total loss %.2f   "
      "total cash flow %.2f\nPV at %.4f%% yield: %.2f (%.6f%% of "
      "balance)\n",
      p.wal_years, p.defaulted, p.loss, p.cash_flow, yield * 100, p.pv,
      p.pv / balance * 100);
  return 0;
}

}  // namespace gridless
