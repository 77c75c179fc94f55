// Issue 16: the credit model (house price index, mark-to-market LTV
// defaults, HPI-driven severity).  A hand-computed projection of one loan
// with deterministic rates and house prices (computed here with libm, not
// by calling the kernel); loss rising with LTV and with a house price
// shock; a real tail; the Monte Carlo error within 4 standard errors of a
// long run; the rate paths untouched by the HPI; exact HPI moments; the
// kernel's clones and trace equal bit for bit; hostile parameters refused
// by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "jobs/builtin_kinds.h"
#include "jobs/loan/default_model.h"
#include "jobs/loan/hpi_model.h"
#include "jobs/loan/kernel.h"
#include "jobs/loan/loan_block.h"
#include "jobs/loan/prepayment.h"
#include "jobs/loan/rate_model.h"
#include "jobs/loan/scenario.h"
#include "jobs/loan/synthetic.h"
#include "jobs/loan/tape.h"
#include "jobs/local_run.h"
#include "jobs/random.h"

namespace gridless {
namespace {

using google::protobuf::Struct;

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/credit_model_test_" + name;
}

// A one-loan CSV tape: 200,000 at 6% over 360 months, new.
std::string OneLoanTape(const std::string& name, double ltv, int fico = 680,
                        double dti = 43) {
  const std::string path = TempPath(name);
  std::ofstream f(path);
  f << "loan_id,balance,rate,term,age,remaining,orig_balance,fico,ltv,dti\n"
    << "L1,200000,0.06,360,0,360,200000," << fico << "," << ltv << "," << dti
    << "\n";
  return path;
}

v1::JobSpec Spec(
    const std::string& tape,
    std::initializer_list<std::pair<std::string, double>> nums,
    std::initializer_list<std::pair<std::string, std::string>> strings = {}) {
  v1::JobSpec spec;
  spec.set_kind("loan-mc");
  spec.set_seed(16);
  auto& f = *spec.mutable_params()->mutable_fields();
  f["tape"].set_string_value(tape);
  f["default_model"].set_string_value("ltv");
  for (auto& [k, v] : nums) f[k].set_number_value(v);
  for (auto& [k, v] : strings) f[k].set_string_value(v);
  return spec;
}

double Num(const Struct& s, const std::string& key) {
  return s.fields().at(key).number_value();
}

Struct RunSpec(const v1::JobSpec& spec) {
  auto kind = NewLoanMcKind();
  auto r = RunJobLocally(*kind, spec);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : Struct();
}

// The projection of OneLoanTape's loan written out from the formulas of
// docs/LOAN_MODEL.md with libm: Vasicek at zero volatility, the HPI's
// expected path, constant CPR, the log-linear MTM-LTV hazard, severity from
// the house at liquidation.
struct Hand {
  double pv = 0, loss = 0;
};
Hand HandProjection(double ltv, double g0, double mu, double kappa) {
  const double a = 0.1, b = 0.05, r0 = 0.04, dt = 1.0 / 12;
  const double c = 0.06, net = 0.06 - 0.0025, cpr = 0.08;
  const int term = 360, lag = 12, horizon = term + lag;
  std::vector<double> r(horizon + 1), df(horizon + 1), hpi(horizon + 1);
  r[0] = r0;
  for (int k = 0; k < horizon; ++k) {
    r[k + 1] = r[k] * std::exp(-a * dt) + b * (1 - std::exp(-a * dt));
  }
  df[0] = 1;
  double integral = 0;
  for (int m = 1; m <= horizon; ++m) {
    integral += (r[m - 1] + r[m]) / 2 * dt;
    df[m] = std::exp(-integral);
  }
  // log-HPI: dg = kappa (mu - g) dt, dh = g dt, integrated over each month.
  double g = g0, h = 0;
  hpi[0] = 1;
  for (int k = 0; k < horizon; ++k) {
    h += mu * dt + (g - mu) * (1 - std::exp(-kappa * dt)) / kappa;
    g = mu + (g - mu) * std::exp(-kappa * dt);
    hpi[k + 1] = std::exp(h);
  }
  const double value = 200000 / (ltv / 100);
  const double base =
      -8.0 - 5.0 * 0.8 + -1.0 * (680 - 740) / 100.0 + 0.2 * (43 - 36) / 10.0;
  const double smm = 1 - std::pow(1 - cpr, 1.0 / 12);
  Hand out;
  double bal = 200000;
  for (int m = 1; m <= term; ++m) {
    const double mtm = bal / (value * hpi[m - 1]);
    const double mdr =
        std::min(1.0, std::min(1.0, m / 30.0) * std::exp(base + 5.0 * mtm));
    const double d = mdr * bal;
    const double bp = bal - d;
    const double interest = bp * net / 12;
    const int rem = term - m + 1;
    const double sp =
        m == term ? bp : bp * (c / 12) / (std::pow(1 + c / 12, rem) - 1);
    const double pp = smm * (bp - sp);
    const double proceeds = mdr * value * (1 - 0.27) * hpi[m + lag];
    const double loss = std::max(0.0, d * 1.15 - proceeds);
    out.loss += loss;
    out.pv += (interest + sp + pp) * df[m] + (d - loss) * df[m + lag];
    bal = bp - sp - pp;
  }
  return out;
}

TEST(CreditModelTest, ZeroHpiVolatilityMatchesAHandComputedProjection) {
  const std::string tape = OneLoanTape("hand.csv", 95);
  for (double g0 : {-0.10, 0.03}) {
    Struct r = RunSpec(Spec(tape,
                            {{"paths", 3},
                             {"volatility", 0},
                             {"hpi_volatility", 0},
                             {"hpi_initial_growth", g0},
                             {"hpi_drift", 0.02},
                             {"hpi_growth_reversion", 0.5},
                             {"cpr", 0.08}},
                            {{"prepay_model", "cpr"}}));
    const Hand want = HandProjection(95, g0, 0.02, 0.5);
    ASSERT_GT(want.loss, 100.0) << "the hand projection should lose money";
    EXPECT_NEAR(Num(r, "expected_loss"), want.loss, want.loss * 1e-9) << g0;
    EXPECT_NEAR(Num(r, "pv_mean"), want.pv, want.pv * 1e-9) << g0;
    // Deterministic: every path the same loss.
    EXPECT_EQ(Num(r, "loss_p1"), Num(r, "var_99")) << g0;
    EXPECT_EQ(Num(r, "es_99"), Num(r, "var_99")) << g0;
  }
}

TEST(CreditModelTest, LossRisesWithLtvAndWithAnHpiShock) {
  double last = -1;
  for (double ltv : {60, 80, 95, 110, 130}) {
    const std::string tape = OneLoanTape(
        "ltv" + std::to_string(static_cast<int>(ltv)) + ".csv", ltv);
    const double loss =
        Num(RunSpec(Spec(tape, {{"paths", 64}})), "expected_loss");
    EXPECT_GT(loss, last) << "LTV " << ltv;
    last = loss;
  }
  const std::string tape = OneLoanTape("shock.csv", 80);
  last = -1;
  for (double shock : {0.2, 0.0, -0.1, -0.25, -0.4}) {
    const double loss =
        Num(RunSpec(Spec(tape, {{"paths", 64}, {"hpi_shock", shock}})),
            "expected_loss");
    EXPECT_GT(loss, last) << "hpi_shock " << shock;
    last = loss;
  }
}

TEST(CreditModelTest, TheLossTailOfA10000LoanTapeIsWellAboveItsMean) {
  const std::string tape = TempPath("tail.csv");
  ASSERT_TRUE(
      loan::WriteSyntheticTape(tape, loan::TapeFormat::kCsv, 10000, 42).ok());
  Struct r = RunSpec(Spec(tape, {{"paths", 200}}));
  const double mean = Num(r, "expected_loss");
  const double p99 = Num(r, "loss_p99");
  std::printf(
      "10,000 loans x 200 paths: expected loss %.4g, loss p99 %.4g "
      "(%.2fx the mean), VaR 99%% %.4g, ES 99%% %.4g\n",
      mean, p99, p99 / mean, Num(r, "var_99"), Num(r, "es_99"));
  EXPECT_GT(mean, 0);
  EXPECT_GT(p99, 2.0 * mean);
  // The same tape under SDA: a point (the complaint).
  Struct sda =
      RunSpec(Spec(tape, {{"paths", 50}}, {{"default_model", "sda"}}));
  EXPECT_LT(Num(sda, "loss_p99"), 1.1 * Num(sda, "expected_loss"));
}

TEST(CreditModelTest, MonteCarloErrorWithinFourStandardErrorsOfALongRun) {
  const std::string tape = TempPath("mc.csv");
  ASSERT_TRUE(
      loan::WriteSyntheticTape(tape, loan::TapeFormat::kCsv, 300, 7).ok());
  v1::JobSpec shorter = Spec(tape, {{"paths", 100}, {"seed", 101}});
  v1::JobSpec longer = Spec(tape, {{"paths", 3000}, {"seed", 202}});
  Struct s = RunSpec(shorter), l = RunSpec(longer);
  const double se = std::hypot(Num(s, "loss_stderr"), Num(l, "loss_stderr"));
  ASSERT_GT(se, 0);
  EXPECT_LT(std::fabs(Num(s, "expected_loss") - Num(l, "expected_loss")),
            4 * se);
  EXPECT_LT(Num(l, "loss_stderr"), 0.3 * Num(s, "loss_stderr"));
}

TEST(CreditModelTest, BitIdenticalForAnyTaskOrder) {
  const std::string tape = TempPath("order.csv");
  ASSERT_TRUE(
      loan::WriteSyntheticTape(tape, loan::TapeFormat::kCsv, 400, 3).ok());
  v1::JobSpec spec =
      Spec(tape, {{"paths", 24}, {"loan_block", 128}, {"path_block", 5}});
  auto kind = NewLoanMcKind();
  auto first = RunJobLocally(*kind, spec);
  ASSERT_TRUE(first.ok()) << first.status();
  for (uint64_t shuffle : {1, 7}) {
    auto again = RunJobLocally(*kind, spec, {shuffle});
    ASSERT_TRUE(again.ok());
    for (const char* f : {"pv_mean", "expected_loss", "var_99", "es_999"}) {
      EXPECT_EQ(Num(*again, f), Num(*first, f)) << f << " shuffle " << shuffle;
    }
  }
}

TEST(CreditModelTest, HostileParametersAreRefusedByName) {
  const std::string tape = OneLoanTape("hostile.csv", 80);
  auto kind = NewLoanMcKind();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (auto [name, value] :
       {std::pair<std::string, double>{"rate_hpi_correlation", 1.5},
        {"rate_hpi_correlation", -1.01},
        {"hpi_volatility", -0.1},
        {"hpi_volatility", nan},
        {"hpi_growth_reversion", 0},
        {"hpi_shock", -1},
        {"ltv_slope", nan},
        {"foreclosure_discount", 1.5},
        {"liquidation_cost", -0.2}}) {
    auto r = RunJobLocally(*kind, Spec(tape, {{name, value}}));
    ASSERT_FALSE(r.ok()) << name << " " << value;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(name), std::string::npos) << r.status();
  }
  auto r = RunJobLocally(*kind, Spec(tape, {}, {{"default_model", "fico"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("default_model"), std::string::npos);
}

TEST(CreditModelTest, RatePathsAreTheSameWithTheCreditFactorOn) {
  loan::ModelParams off, on;
  on.defaults = loan::DefaultModel::kLtv;
  on.hpi.rate_correlation = 0.9;
  loan::ScenarioBuilder a(off, 372), b(on, 372);
  for (uint64_t path : {0, 5, 1234567}) {
    loan::PathScenario x, y;
    a.Build(99, path, &x);
    b.Build(99, path, &y);
    EXPECT_EQ(x.short_rate, y.short_rate);
    EXPECT_EQ(x.df, y.df);
    EXPECT_EQ(x.mortgage_rate, y.mortgage_rate);
    EXPECT_TRUE(x.hpi.empty());
    ASSERT_EQ(y.hpi.size(), 373u);
  }
}

// log HPI after T years from h0 = 0, g0: mean mu T + (g0 - mu) B(T),
// variance sigma^2/kappa^2 (T - 2 B(T) + C(T)), B(T) = (1 - e^{-kT})/k,
// C(T) = (1 - e^{-2kT})/(2k); and the one-month correlation of the rate's
// and the growth's innovations rho int e^{-(a+k)v} / sqrt(int e^{-2av}
// int e^{-2kv}).
TEST(CreditModelTest, HpiStepIsExact) {
  loan::ModelParams m;
  m.hpi.growth_reversion = 0.7;
  m.hpi.volatility = 0.09;
  m.hpi.drift = 0.025;
  m.hpi.initial_growth = -0.08;
  m.hpi.rate_correlation = -0.6;
  m.rates.volatility = 0.015;
  const loan::RateModel rates(m.rates);
  const loan::HpiModel hpi(m.hpi, m.rates);
  const int months = 120, n = 20000;
  const double k = 0.7, s = 0.09, mu = 0.025, g0 = -0.08, t = 10.0;
  std::vector<double> r(months + 1), z(months), h(months + 1);
  double sum = 0, sum2 = 0;
  for (int p = 0; p < n; ++p) {
    rates.SimulatePath(5, p, months, r.data(), z.data());
    hpi.SimulatePath(5, p, months, z.data(), h.data());
    const double lh = std::log(h[months]);
    sum += lh;
    sum2 += lh * lh;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  const double bt = (1 - std::exp(-k * t)) / k;
  const double ct = (1 - std::exp(-2 * k * t)) / (2 * k);
  const double want_mean = mu * t + (g0 - mu) * bt;
  const double want_var = s * s / (k * k) * (t - 2 * bt + ct);
  EXPECT_NEAR(mean, want_mean, 4 * std::sqrt(want_var / n));
  EXPECT_NEAR(var, want_var, 4 * want_var * std::sqrt(2.0 / n));
  // One step: corr(eps_r, eps_g) from the factor against the integrals.
  const double a = m.rates.mean_reversion, dt = 1.0 / 12;
  auto integral = [&](double x) { return (1 - std::exp(-x * dt)) / x; };
  const double want_corr =
      -0.6 * integral(a + k) / std::sqrt(integral(2 * a) * integral(2 * k));
  const double got_corr = hpi.l_rg() / std::hypot(hpi.l_rg(), hpi.l_gg());
  EXPECT_NEAR(got_corr, want_corr, 1e-12);
  // And empirically from the simulated growth: g after one month.
  double sxy = 0, sxx = 0, syy = 0;
  for (int p = 0; p < n; ++p) {
    PhiloxStream rr(5, loan::kRateStream, p), hr(5, loan::kHpiStream, p);
    boost::random::normal_distribution<double> normal;
    const double zr = normal(rr);
    const double z1 = normal(hr), z2 = normal(hr);
    double g = g0, hh = 0;
    hpi.Step(zr, z1, z2, &g, &hh);
    const double eg = g - (mu + (g0 - mu) * std::exp(-k * dt));
    sxy += zr * eg;
    sxx += zr * zr;
    syy += eg * eg;
  }
  EXPECT_NEAR(sxy / std::sqrt(sxx * syy), want_corr, 4 / std::sqrt(n));
}

TEST(CreditModelTest, KernelClonesAndTraceEqualBitForBit) {
  using namespace loan;
  ModelParams m;
  m.defaults = DefaultModel::kLtv;
  m.hpi.volatility = 0.15;
  m.hpi.shock = -0.2;
  m.default_rate_sensitivity = 3;
  m.lag = 9;
  std::vector<Loan> loans = SyntheticLoans(203, 8);
  loans[5].ltv = 0;  // missing: 80%
  loans[6].fico = 0;
  const ScenarioBuilder builder(m, 480 + m.lag);
  PathScenario path;
  builder.Build(4, 11, &path);
  const std::vector<double> smm = SmmByAge(m), mdr(kAgeTableLast + 1, 0.0);
  const KernelModel model{
      true,  smm.data(), mdr.data(),         m.severity,
      m.lag, true,       m.credit.ltv_slope, m.credit.liquidation_cost};
  const KernelPath kp{path.months,
                      path.df.data(),
                      path.mortgage_rate.data(),
                      path.seasonality.data(),
                      path.default_factor.data(),
                      path.hpi.data()};
  const LoanBlock block =
      MakeLoanBlock(loans.data(), 203, m.servicing_fee, &m.credit);
  const int n = block.n;
  std::vector<std::vector<double>> a(10, std::vector<double>(n)),
      b(10, std::vector<double>(n));
  auto run = [&](auto fn, std::vector<std::vector<double>>& v) {
    fn(model, block.View(), kp,
       KernelScratch{v[5].data(), v[6].data(), v[7].data(), v[8].data(),
                     v[9].data()},
       KernelOut{v[0].data(), v[1].data(), v[2].data(), v[3].data(),
                 v[4].data()});
  };
  run(&ProjectBlock, a);
  run(&ProjectBlockBaseline, b);
  for (int f = 0; f < 5; ++f) {
    EXPECT_EQ(std::memcmp(a[f].data(), b[f].data(), n * sizeof(double)), 0)
        << f;
  }
  double total_loss = 0;
  for (int i = 0; i < n; ++i) total_loss += a[2][i];
  EXPECT_GT(total_loss, 0);
  for (int i : {0, 5, 6, 100, 202}) {
    const int pos =
        static_cast<int>(std::find(block.order.begin(), block.order.end(), i) -
                         block.order.begin());
    const LoanBlock one =
        MakeLoanBlock(&loans[i], 1, m.servicing_fee, &m.credit);
    double pv, cf, loss, prin, walnum;
    std::vector<MonthTrace> trace;
    ProjectTraced(model, one.View(), kp, {&pv, &cf, &loss, &prin, &walnum},
                  &trace);
    EXPECT_EQ(pv, a[0][pos]) << i;
    EXPECT_EQ(loss, a[2][pos]) << i;
    EXPECT_EQ(prin, a[3][pos]) << i;
    // Principal returned + losses = the balance.
    EXPECT_NEAR(prin + loss, loans[i].balance, loans[i].balance * 1e-12);
  }
}

}  // namespace
}  // namespace gridless
