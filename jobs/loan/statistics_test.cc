#include "jobs/loan/statistics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gridless::loan {
namespace {

TEST(StatisticsTest, VarEsConventionFromTheSpec) {
  std::vector<double> losses;
  for (int i = 1; i <= 1000; ++i) losses.push_back(i);
  TailRisk r = VarEs(losses, 99, 100);
  EXPECT_EQ(r.k, 10);
  EXPECT_EQ(r.var, 991.0);
  EXPECT_EQ(r.es, 995.5);
  TailRisk r999 = VarEs(losses, 999, 1000);
  EXPECT_EQ(r999.k, 1);
  EXPECT_EQ(r999.var, 1000.0);
  EXPECT_EQ(r999.es, 1000.0);
}

TEST(StatisticsTest, VarEsRoundsTheTailCountUp) {
  std::vector<double> losses;
  for (int i = 1; i <= 150; ++i) losses.push_back(i);
  TailRisk r = VarEs(losses, 99, 100);  // ceil(1.5) = 2
  EXPECT_EQ(r.k, 2);
  EXPECT_EQ(r.var, 149.0);
  EXPECT_EQ(r.es, 149.5);
  std::vector<double> few = {5.0};
  EXPECT_EQ(VarEs(few, 999, 1000).var, 5.0);
}

TEST(StatisticsTest, PercentilesInterpolate) {
  std::vector<double> x = {1, 2, 3, 4, 5};
  EXPECT_EQ(Percentile(x, 0), 1.0);
  EXPECT_EQ(Percentile(x, 50), 3.0);
  EXPECT_EQ(Percentile(x, 100), 5.0);
  EXPECT_DOUBLE_EQ(Percentile(x, 95), 4.8);
}

TEST(StatisticsTest, MeanAndStandardError) {
  MeanStderr s = Summarize({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_DOUBLE_EQ(s.std_error, std::sqrt(5.0 / 3.0 / 4.0));
  EXPECT_EQ(Summarize({7}).std_error, 0.0);
}

}  // namespace
}  // namespace gridless::loan
