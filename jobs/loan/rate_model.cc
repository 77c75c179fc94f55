#include "jobs/loan/rate_model.h"

#include <boost/random/normal_distribution.hpp>
#include <cmath>

#include "jobs/loan/fast_math.h"
#include "jobs/random.h"

namespace gridless::loan {
namespace {

// B(tau) = (1 - e^{-a tau}) / a.
double BigB(double a, double tau) { return (1.0 - ExpDet(-a * tau)) / a; }

// ln A(tau) = (b - sigma^2/(2a^2)) (B - tau) - sigma^2 B^2 / (4a).
double LnA(const RateParams& p, double tau) {
  double a = p.mean_reversion, s2 = p.volatility * p.volatility;
  double b = BigB(a, tau);
  return (p.long_rate - s2 / (2 * a * a)) * (b - tau) - s2 * b * b / (4 * a);
}

}  // namespace

RateModel::RateModel(const RateParams& p) : p_(p) {
  double a = p.mean_reversion;
  decay_ = ExpDet(-a * kMonth);
  drift_ = p.long_rate * (1.0 - decay_);
  double decay2 = ExpDet(-2 * a * kMonth);
  vol_ = p.volatility * std::sqrt((1.0 - decay2) / (2 * a));
  y10_slope_ = BigB(a, 10.0) / 10.0;
  y10_intercept_ = -LnA(p, 10.0) / 10.0;
}

void RateModel::SimulatePath(uint64_t seed, uint64_t path, int months,
                             double* r, double* z) const {
  PhiloxStream rng(seed, kRateStream, path);
  boost::random::normal_distribution<double> normal;
  r[0] = p_.initial_rate;
  for (int k = 0; k < months; ++k) {
    const double zk = normal(rng);
    if (z != nullptr) z[k] = zk;
    r[k + 1] = Step(r[k], zk);
  }
}

double RateModel::ZeroCouponPrice(double tau, double r) const {
  return ExpDet(LnA(p_, tau) - BigB(p_.mean_reversion, tau) * r);
}

}  // namespace gridless::loan
