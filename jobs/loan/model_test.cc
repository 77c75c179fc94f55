// The published check values of the model (../shared/domain/loan-model.md)
// and the parameter table's validation.
#include <gtest/gtest.h>

#include <cmath>

#include "google/protobuf/struct.pb.h"
#include "jobs/loan/amortization.h"
#include "jobs/loan/default_model.h"
#include "jobs/loan/model_params.h"
#include "jobs/loan/prepayment.h"
#include "jobs/loan/rate_model.h"

namespace gridless::loan {
namespace {

TEST(AmortizationTest, LevelPaymentOfTheTextbookLoan) {
  double p = LevelPayment(100000, 0.08 / 12, 360);
  EXPECT_NEAR(p, 733.764574, 1e-6);
  EXPECT_EQ(std::round(p * 100) / 100, 733.76);
}

TEST(AmortizationTest, ScheduledBalanceEndsAtZero) {
  EXPECT_EQ(ScheduledBalance(100000, 0.08 / 12, 360, 0), 100000.0);
  EXPECT_NEAR(ScheduledBalance(100000, 0.08 / 12, 360, 360), 0.0, 1e-8);
  // After one payment: 100000 - (733.76 - 666.67).
  EXPECT_NEAR(ScheduledBalance(100000, 0.08 / 12, 360, 1),
              100000 - (733.764574 - 100000 * 0.08 / 12), 1e-5);
}

TEST(PrepaymentTest, PsaSpeedsFromTheSpec) {
  EXPECT_DOUBLE_EQ(PsaCpr(100, 1), 0.002);
  EXPECT_NEAR(CprToSmm(PsaCpr(100, 1)), 0.00016682, 5e-9);
  EXPECT_DOUBLE_EQ(PsaCpr(100, 10), 0.02);
  EXPECT_NEAR(CprToSmm(PsaCpr(100, 10)), 0.00168214, 5e-9);
  for (int t : {30, 31, 100, 360}) {
    EXPECT_DOUBLE_EQ(PsaCpr(100, t), 0.06) << t;
    EXPECT_NEAR(CprToSmm(PsaCpr(100, t)), 0.00514301, 5e-9) << t;
  }
  EXPECT_DOUBLE_EQ(PsaCpr(200, 20), 0.08);
  EXPECT_NEAR(CprToSmm(PsaCpr(200, 20)), 0.00692438, 5e-9);
  EXPECT_DOUBLE_EQ(PsaCpr(150, 5), 0.015);
}

TEST(PrepaymentTest, SmmTableFollowsTheModel) {
  ModelParams m;
  m.prepay = PrepayModel::kPsa;
  m.psa = 100;
  auto smm = SmmByAge(m);
  ASSERT_EQ(smm.size(), static_cast<size_t>(kAgeTableLast + 1));
  EXPECT_EQ(smm[10], CprToSmm(0.02));
  EXPECT_EQ(smm[kAgeTableLast], smm[30]);
  m.prepay = PrepayModel::kCpr;
  m.cpr = 0.1;
  EXPECT_EQ(SmmByAge(m)[5], CprToSmm(0.1));
}

TEST(PrepaymentTest, ScurveShape) {
  // At the money (note = mortgage rate): RI = 0.28 + 0.14 atan(-8.57).
  double at_money = ScurveCpr(0.06, 0.06, 1.0, 30, 1.0);
  EXPECT_NEAR(at_money, 0.28 + 0.14 * std::atan(-8.57), 1e-15);
  // Deep in the money prepays more; burnout, seasoning, seasonality scale.
  EXPECT_GT(ScurveCpr(0.08, 0.05, 1.0, 30, 1.0), 0.4);
  EXPECT_NEAR(ScurveCpr(0.08, 0.05, 0.0, 30, 1.0),
              0.3 * ScurveCpr(0.08, 0.05, 1.0, 30, 1.0), 1e-15);
  EXPECT_NEAR(ScurveCpr(0.08, 0.05, 1.0, 15, 1.0),
              0.5 * ScurveCpr(0.08, 0.05, 1.0, 30, 1.0), 1e-15);
  EXPECT_NEAR(ScurveCpr(0.08, 0.05, 1.0, 60, 1.23),
              1.23 * ScurveCpr(0.08, 0.05, 1.0, 30, 1.0), 1e-15);
  EXPECT_LT(ScurveCpr(1.0, -1.0, 1.0, 100, 1.23), 0.62);
}

TEST(DefaultTest, SdaBenchmark) {
  EXPECT_DOUBLE_EQ(SdaCdr(100, 1), 0.0002);
  EXPECT_DOUBLE_EQ(SdaCdr(100, 30), 0.006);
  EXPECT_DOUBLE_EQ(SdaCdr(100, 45), 0.006);
  EXPECT_DOUBLE_EQ(SdaCdr(100, 60), 0.006);
  EXPECT_DOUBLE_EQ(SdaCdr(100, 61), 0.006 - 0.000095);
  EXPECT_NEAR(SdaCdr(100, 120), 0.0003, 1e-15);
  EXPECT_DOUBLE_EQ(SdaCdr(100, 121), 0.0003);
  EXPECT_DOUBLE_EQ(SdaCdr(100, 360), 0.0003);
  EXPECT_DOUBLE_EQ(SdaCdr(200, 30), 0.012);
  ModelParams m;
  m.sda = 100;
  EXPECT_NEAR(MdrByAge(m)[30], 1 - std::pow(1 - 0.006, 1.0 / 12), 1e-17);
}

TEST(RateModelTest, ZeroCouponClosedForm) {
  RateParams p;  // a 0.1, b 0.05, sigma 0.01, r0 0.04
  RateModel m(p);
  EXPECT_NEAR(m.ZeroCouponPrice(1e-9, 0.04), 1.0, 1e-10);
  // sigma = 0: P = exp(-integral of the deterministic rate).
  RateParams q = p;
  q.volatility = 0;
  RateModel d(q);
  double tau = 10, integral = q.long_rate * tau +
                              (q.initial_rate - q.long_rate) *
                                  (1 - std::exp(-q.mean_reversion * tau)) /
                                  q.mean_reversion;
  EXPECT_NEAR(d.ZeroCouponPrice(tau, q.initial_rate), std::exp(-integral),
              1e-14);
  // y10 is the closed-form 10-year zero yield.
  for (double r : {-0.01, 0.0, 0.04, 0.12}) {
    EXPECT_NEAR(m.Y10(r), -std::log(m.ZeroCouponPrice(10, r)) / 10, 1e-15);
  }
}

TEST(RateModelTest, ExactStepMoments) {
  RateParams p;
  p.volatility = 0.02;
  RateModel m(p);
  // 12 steps of the exact scheme = one exact step of a year: check the
  // mean and variance of r(1) over many paths within 4 standard errors.
  const int n = 20000;
  std::vector<double> r(13);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    m.SimulatePath(42, i, 12, r.data());
    sum += r[12];
    sum2 += r[12] * r[12];
  }
  double a = p.mean_reversion, e = std::exp(-a);
  double mean = p.initial_rate * e + p.long_rate * (1 - e);
  double var = p.volatility * p.volatility * (1 - e * e) / (2 * a);
  double got_mean = sum / n, got_var = sum2 / n - got_mean * got_mean;
  EXPECT_NEAR(got_mean, mean, 4 * std::sqrt(var / n));
  EXPECT_NEAR(got_var, var, 4 * var * std::sqrt(2.0 / n));
}

TEST(RateModelTest, PathsAreReproducibleByIndex) {
  RateModel m(RateParams{});
  std::vector<double> a(61), b(61), c(61);
  m.SimulatePath(7, 5, 60, a.data());
  m.SimulatePath(7, 5, 60, b.data());
  m.SimulatePath(7, 6, 60, c.data());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

google::protobuf::Struct Make(
    std::initializer_list<std::pair<std::string, double>> nums) {
  google::protobuf::Struct s;
  for (auto& [k, v] : nums) (*s.mutable_fields())[k].set_number_value(v);
  return s;
}

TEST(ModelParamsTest, DefaultsAndRanges) {
  google::protobuf::Struct empty;
  auto m = ReadModelParams(Params(empty));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->rates.mean_reversion, 0.1);
  EXPECT_EQ(m->spread, 0.017);
  EXPECT_EQ(m->severity, 0.35);
  EXPECT_EQ(m->lag, 12);
  EXPECT_EQ(m->prepay, PrepayModel::kScurve);

  for (auto [name, bad] :
       std::vector<std::pair<std::string, double>>{{"volatility", 0.5},
                                                   {"mean_reversion", 0},
                                                   {"severity", 1.5},
                                                   {"lag", 2.5},
                                                   {"psa", -1},
                                                   {"initial_rate", 0.4},
                                                   {"start_month", 13},
                                                   {"servicing_fee", 0.2}}) {
    auto s = Make({{name, bad}});
    auto r = ReadModelParams(Params(s));
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(r.status().message()).find("\"" + name + "\""),
              std::string::npos)
        << r.status();
  }
  google::protobuf::Struct s;
  (*s.mutable_fields())["prepay_model"].set_string_value("fast");
  auto r = ReadModelParams(Params(s));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("prepay_model"),
            std::string::npos);
  // Every parameter read is documented.
  EXPECT_EQ(ModelParamInfos().size(), ModelParamNames().size());
}

}  // namespace
}  // namespace gridless::loan
