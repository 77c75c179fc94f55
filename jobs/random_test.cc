#include "jobs/random.h"

#include <boost/random/normal_distribution.hpp>
#include <cmath>

#include "gtest/gtest.h"

namespace gridless {
namespace {

TEST(PhiloxStreamTest, SameKeyAndCounterGiveTheSameSequence) {
  PhiloxStream a(42, 1, 7), b(42, 1, 7);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a(), b());
}

TEST(PhiloxStreamTest, SeedStreamAndIndexEachChangeTheSequence) {
  PhiloxStream base(42, 1, 7), seed(43, 1, 7), stream(42, 2, 7),
      index(42, 1, 8);
  uint32_t x = base();
  EXPECT_NE(x, seed());
  EXPECT_NE(x, stream());
  EXPECT_NE(x, index());
}

TEST(PhiloxStreamTest, MatchesRandom123KnownAnswer) {
  // Random123's kat_vectors: philox4x32 10 rounds, counter and key all zero.
  PhiloxStream zero(0, 0, 0);
  EXPECT_EQ(zero(), 0x6627e8d5u);
  EXPECT_EQ(zero(), 0xe169c58du);
  EXPECT_EQ(zero(), 0xbc57ac4cu);
  EXPECT_EQ(zero(), 0x9b00dbd8u);
}

TEST(PhiloxStreamTest, Uniform01OpenNeverHitsTheEnds) {
  PhiloxStream rng(1, 0, 0);
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    double u = rng.Uniform01Open();
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  // Mean 1/2, standard error sqrt(1/12/n).
  EXPECT_NEAR(sum / n, 0.5, 4 * std::sqrt(1.0 / 12 / n));
}

TEST(PhiloxStreamTest, BoostNormalHasUnitMoments) {
  const int n = 200000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    PhiloxStream rng(9, 3, i);
    boost::random::normal_distribution<double> normal;
    double z = normal(rng);
    sum += z;
    sum_sq += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 4 / std::sqrt(n));
  // Var of the sample second moment of N(0,1) is 2/n.
  EXPECT_NEAR(sum_sq / n, 1.0, 4 * std::sqrt(2.0 / n));
}

}  // namespace
}  // namespace gridless
