#include "jobs/loan/hpi_model.h"

#include <boost/random/normal_distribution.hpp>
#include <cmath>

#include "jobs/loan/fast_math.h"
#include "jobs/loan/rate_model.h"
#include "jobs/random.h"

namespace gridless::loan {
namespace {

// (1 - e^{-x dt}) / x, the integral of e^{-x s} over [0, dt].
double IntExp(double x) { return (1.0 - ExpDet(-x * kMonth)) / x; }

}  // namespace

HpiModel::HpiModel(const HpiParams& hpi, const RateParams& rates) : p_(hpi) {
  const double k = hpi.growth_reversion, s = hpi.volatility;
  const double a = rates.mean_reversion, sr = rates.volatility;
  const double rho = hpi.rate_correlation;
  decay_ = ExpDet(-k * kMonth);
  b_ = IntExp(k);
  mu_dt_ = hpi.drift * kMonth;
  h0_ = LogDet(1.0 + hpi.shock);
  // Covariances of the exact innovations over one month (docs/LOAN_MODEL.md).
  const double c2k = IntExp(2 * k);  // (1 - e^{-2k dt}) / (2k)
  const double var_r = sr * sr * IntExp(2 * a);
  const double var_g = s * s * c2k;
  const double var_h = s * s / (k * k) * ((kMonth - 2 * b_) + c2k);
  const double cov_gh = s * s / k * (b_ - c2k);
  const double cov_rg = rho * sr * s * IntExp(a + k);
  const double cov_rh = rho * sr * s / k * (IntExp(a) - IntExp(a + k));
  const double l_rr = std::sqrt(var_r);
  l_rg_ = l_rr > 0 ? cov_rg / l_rr : 0.0;
  l_rh_ = l_rr > 0 ? cov_rh / l_rr : 0.0;
  const double gg = var_g - l_rg_ * l_rg_;
  l_gg_ = gg > 0 ? std::sqrt(gg) : 0.0;
  l_gh_ = l_gg_ > 0 ? (cov_gh - l_rh_ * l_rg_) / l_gg_ : 0.0;
  const double hh = (var_h - l_rh_ * l_rh_) - l_gh_ * l_gh_;
  l_hh_ = hh > 0 ? std::sqrt(hh) : 0.0;
}

void HpiModel::SimulatePath(uint64_t seed, uint64_t path, int months,
                            const double* z_rate, double* hpi) const {
  PhiloxStream rng(seed, kHpiStream, path);
  boost::random::normal_distribution<double> normal;
  double g = p_.initial_growth, h = h0_;
  hpi[0] = ExpDet(h);
  for (int k = 0; k < months; ++k) {
    const double z1 = normal(rng);
    const double z2 = normal(rng);
    Step(z_rate[k], z1, z2, &g, &h);
    hpi[k + 1] = ExpDet(h);
  }
}

void HpiModel::ExpectedPath(int months, double* hpi) const {
  double g = p_.initial_growth, h = h0_;
  hpi[0] = ExpDet(h);
  for (int k = 0; k < months; ++k) {
    Step(0.0, 0.0, 0.0, &g, &h);
    hpi[k + 1] = ExpDet(h);
  }
}

}  // namespace gridless::loan
