// Accuracy of the deterministic elementary functions against libm.
#include "jobs/loan/fast_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "jobs/loan/prepayment.h"

namespace gridless::loan {
namespace {

double RelErr(double got, double want) {
  return want == 0 ? std::fabs(got) : std::fabs(got - want) / std::fabs(want);
}

TEST(FastMathTest, ExpMatchesLibm) {
  double worst = 0;
  for (double x = -50; x <= 50; x += 0.0137) {
    worst = std::max(worst, RelErr(ExpDet(x), std::exp(x)));
  }
  EXPECT_LT(worst, 1e-15);
  EXPECT_EQ(ExpDet(0.0), 1.0);
}

TEST(FastMathTest, Expm1MatchesLibmOnItsDomain) {
  double worst = 0;
  for (double x = -0.4; x <= 0.4; x += 0.000731) {
    worst = std::max(worst, RelErr(Expm1Det(x), std::expm1(x)));
  }
  for (double x : {1e-12, -3e-9, 1e-5, -0.0001}) {
    worst = std::max(worst, RelErr(Expm1Det(x), std::expm1(x)));
  }
  EXPECT_LT(worst, 1e-15);
}

TEST(FastMathTest, LogMatchesLibm) {
  std::mt19937_64 g(1);
  std::uniform_real_distribution<double> e(-300, 300);
  double worst = 0;
  for (int i = 0; i < 20000; ++i) {
    double x = std::pow(10.0, e(g));
    double want = std::log(x);
    worst = std::max(
        worst, std::fabs(LogDet(x) - want) / std::max(1.0, std::fabs(want)));
  }
  for (double x = 0.3; x < 3; x += 0.00097) {
    worst = std::max(worst, std::fabs(LogDet(x) - std::log(x)));
  }
  EXPECT_LT(worst, 4e-16);
  EXPECT_EQ(LogDet(1.0), 0.0);
}

TEST(FastMathTest, Log1pKeepsRelativePrecisionForTinyArguments) {
  double worst = 0;
  for (double x = -0.99; x <= 1.0; x += 0.00113) {
    worst = std::max(worst, RelErr(Log1pDet(x), std::log1p(x)));
  }
  for (double x : {1e-15, -1e-12, 3e-8, -2.5e-5, 1e-3}) {
    worst = std::max(worst, RelErr(Log1pDet(x), std::log1p(x)));
  }
  EXPECT_LT(worst, 1e-15);
}

TEST(FastMathTest, AtanMatchesLibm) {
  double worst = 0;
  for (double x = -20; x <= 20; x += 0.00371) {
    worst = std::max(worst, RelErr(AtanDet(x), std::atan(x)));
  }
  for (double x : {1e-10, -1e-300, 0.66, 2.414, 2.4142136, 1e6, -1e15, 1e300}) {
    worst = std::max(worst, RelErr(AtanDet(x), std::atan(x)));
  }
  EXPECT_LT(worst, 1e-15);
}

TEST(FastMathTest, IntPowMatchesLibm) {
  EXPECT_EQ(IntPowDet(1.5, 0), 1.0);
  for (int n : {1, 2, 17, 180, 357, 360, 480}) {
    EXPECT_LT(RelErr(IntPowDet(1.0 + 0.08125 / 12, n),
                     std::pow(1.0 + 0.08125 / 12, n)),
              1e-15)
        << n;
  }
}

TEST(FastMathTest, CprToSmmMatchesTheFormula) {
  double worst = 0;
  for (double c = 0; c <= 0.99; c += 0.000917) {
    double want = -std::expm1(std::log1p(-c) / 12.0);
    worst = std::max(worst, RelErr(CprToSmm(c), want));
  }
  EXPECT_LT(worst, 2e-15);
  EXPECT_EQ(CprToSmm(0.0), 0.0);
}

}  // namespace
}  // namespace gridless::loan
