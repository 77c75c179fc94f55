// bench_loan_mc: how fast the loan-mc model runs on one core.
//
// Prints a table of loan-path-months per second for the vectorized kernel
// (the clone this CPU runs, and the x86-64 baseline), the plain scalar
// reference implementation of the same model, and a whole loan-mc task
// (rate paths generated, loans projected, per-path sums), for the S-curve
// and the PSA prepayment models, and the S-curve with the "ltv" credit
// model (house price paths), and what the rates imply for 20 million
// loans x 1,000 paths x 360 months.  Single-threaded: the rates are per core.
//
//   bench_loan_mc [--loans 4096] [--paths 16] [--seconds 1.0]
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "common/flags.h"
#include "jobs/loan/default_model.h"
#include "jobs/loan/kernel.h"
#include "jobs/loan/loan_block.h"
#include "jobs/loan/loan_runner.h"
#include "jobs/loan/prepayment.h"
#include "jobs/loan/scalar_reference.h"
#include "jobs/loan/synthetic.h"

namespace gridless::loan {
namespace {

// CPU time of this thread, seconds: the rate per core-second actually used,
// which a shared, busy machine does not distort the way wall time would.
double ThreadSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Runs `pass` (which returns the loan-path-months it projected) until
// `seconds` of CPU time have passed; returns loan-path-months per second.
double Rate(double seconds, const std::function<double()>& pass) {
  pass();  // warm up
  double work = 0;
  double start = ThreadSeconds();
  double elapsed = 0;
  do {
    work += pass();
    elapsed = ThreadSeconds() - start;
  } while (elapsed < seconds);
  return work / elapsed;
}

struct Setup {
  ModelParams model;
  std::vector<Loan> loans;
  std::vector<LoanBlock> blocks;
  std::vector<PathScenario> paths;
  std::vector<double> smm, mdr;
  double loan_months = 0;
};

Setup MakeSetup(PrepayModel prepay, DefaultModel defaults, int loans,
                int paths) {
  Setup s;
  s.model.prepay = prepay;
  s.model.defaults = defaults;
  s.loans = SyntheticLoans(loans, 1);
  const bool ltv = defaults == DefaultModel::kLtv;
  for (int i = 0; i < loans; i += 128) {
    int n = std::min(128, loans - i);
    s.blocks.push_back(MakeLoanBlock(&s.loans[i], n, s.model.servicing_fee,
                                     ltv ? &s.model.credit : nullptr));
  }
  for (const Loan& l : s.loans) s.loan_months += l.remaining;
  ScenarioBuilder builder(s.model, 480 + s.model.lag);
  s.paths.resize(paths);
  for (int p = 0; p < paths; ++p) builder.Build(1, p, &s.paths[p]);
  s.smm = SmmByAge(s.model);
  s.mdr = MdrByAge(s.model);
  return s;
}

using KernelFn = void (*)(const KernelModel&, const KernelLoans&,
                          const KernelPath&, KernelScratch, KernelOut);

double KernelPass(const Setup& s, KernelFn fn) {
  const bool ltv = s.model.defaults == DefaultModel::kLtv;
  KernelModel model{s.model.prepay == PrepayModel::kScurve,
                    s.smm.data(),
                    s.mdr.data(),
                    s.model.severity,
                    s.model.lag,
                    ltv,
                    s.model.credit.ltv_slope,
                    s.model.credit.liquidation_cost};
  static std::vector<double> buf(10 * 128);
  double* b = buf.data();
  KernelScratch scratch{b, b + 128, b + 256, b + 384, b + 1152};
  KernelOut out{b + 512, b + 640, b + 768, b + 896, b + 1024};
  double sink = 0;
  for (const LoanBlock& block : s.blocks) {
    for (const PathScenario& p : s.paths) {
      KernelPath path{p.months,
                      p.df.data(),
                      p.mortgage_rate.data(),
                      p.seasonality.data(),
                      p.default_factor.data(),
                      ltv ? p.hpi.data() : nullptr};
      fn(model, block.View(), path, scratch, out);
      sink += out.pv[0];
    }
  }
  if (sink == 42) std::printf(" ");
  return s.loan_months * s.paths.size();
}

double ReferencePass(const Setup& s, const ReferenceModel& model, int paths) {
  double sink = 0;
  for (int p = 0; p < paths; ++p) {
    for (const Loan& l : s.loans) {
      sink += ReferenceProject(model, l, s.paths[p]).pv;
    }
  }
  if (sink == 42) std::printf(" ");
  return s.loan_months * paths;
}

}  // namespace
}  // namespace gridless::loan

int main(int argc, char** argv) {
  using namespace gridless::loan;
  gridless::FlagSet flags("bench_loan_mc",
                          "Loan-path-months per second per core of loan-mc.");
  int64_t loans = 4096, paths = 16;
  double seconds = 1.0;
  flags.Int("loans", &loans, 128, 10'000'000, "synthetic loans");
  flags.Int("paths", &paths, 1, 100'000, "rate paths per kernel pass");
  flags.Double("seconds", &seconds, 0.01, 600, "time per measurement");
  if (auto s = flags.Parse(argc - 1, argv + 1); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (flags.help()) {
    std::printf("%s", flags.Usage().c_str());
    return 0;
  }
  const double kBigRun = 20e6 * 1000 * 360;  // loans x paths x months
  std::printf(
      "loan-mc on one core: %lld synthetic loans, %lld paths, "
      "kernel clone: %s\n\n",
      static_cast<long long>(loans), static_cast<long long>(paths),
      KernelIsa());
  std::printf("%-8s %-28s %16s %12s %22s\n", "model", "implementation",
              "loan-path-mo/s", "ns/loan-mo", "core-h 20Mx1000x360");
  auto row = [&](const char* model, const char* impl, double rate) {
    std::printf("%-8s %-28s %16.3e %12.2f %22.0f\n", model, impl, rate,
                1e9 / rate, kBigRun / rate / 3600);
    std::fflush(stdout);
  };
  // scurve+ltv: the S-curve with the credit factor (issue 16: house price
  // paths, MTM-LTV defaults, HPI severity), measured in the same run as
  // plain scurve (SDA defaults) so the two rates compare side by side.
  struct Case {
    const char* name;
    PrepayModel prepay;
    DefaultModel defaults;
  };
  for (const Case& c :
       {Case{"scurve", PrepayModel::kScurve, DefaultModel::kSda},
        Case{"scur+ltv", PrepayModel::kScurve, DefaultModel::kLtv},
        Case{"psa", PrepayModel::kPsa, DefaultModel::kSda}}) {
    const PrepayModel prepay = c.prepay;
    const char* name = c.name;
    Setup s = MakeSetup(prepay, c.defaults, static_cast<int>(loans),
                        static_cast<int>(paths));
    row(name, (std::string("kernel (") + KernelIsa() + ")").c_str(),
        Rate(seconds, [&] { return KernelPass(s, &ProjectBlock); }));
    row(name, "kernel (baseline SSE2)",
        Rate(seconds, [&] { return KernelPass(s, &ProjectBlockBaseline); }));
    if (c.defaults != DefaultModel::kLtv) {  // the reference has no HPI
      const ReferenceModel reference(s.model);
      row(name, "scalar reference (libm)",
          Rate(seconds, [&] { return ReferencePass(s, reference, 1); }));
    }
    // A whole task: rate paths generated, loans projected, sums reduced.
    LoanJobParams params;
    params.model = s.model;
    params.paths = paths;
    params.seed = 1;
    LoanTape tape;
    tape.loans = s.loans;
    LoanMcRunner runner(params, tape);
    TaskRange all{0, static_cast<uint64_t>(loans), 0,
                  static_cast<uint64_t>(paths)};
    row(name, "task (paths+kernel+reduce)", Rate(seconds, [&] {
          auto p = runner.RunRange(all, nullptr);
          return static_cast<double>(p->header.loan_path_months);
        }));
  }
  return 0;
}
