// The house price index (HPI), the credit model's second random factor
// (issue 16, docs/LOAN_MODEL.md "Credit"): log-HPI h with stochastic,
// mean-reverting growth g (an integrated Ornstein-Uhlenbeck process),
//   dg = kappa (mu - g) dt + sigma dW_H,   dh = g dt,   HPI = e^h,
// with dW_H correlated (rho) with the short rate's dW_r.  Both are stepped
// exactly: over dt the innovations (eps_r, eps_g, eps_h) are jointly normal
// with the covariance of the stochastic integrals, factored once (Cholesky,
// rate first) so that eps_r is exactly the rate model's own innovation:
//   g' = mu + (g - mu) e^{-kappa dt} + eps_g
//   h' = h + mu dt + (g - mu) (1 - e^{-kappa dt}) / kappa + eps_h.
// The rate path is never changed by the HPI: it keeps its own stream
// (kRateStream) and the HPI draws its two further normals per month from
// PhiloxStream(seed, kHpiStream, path).
//
// Immutable after construction; thread-safe.
#ifndef GRIDLESS_JOBS_LOAN_HPI_MODEL_H_
#define GRIDLESS_JOBS_LOAN_HPI_MODEL_H_

#include <cstdint>

#include "jobs/loan/model_params.h"

namespace gridless::loan {

inline constexpr uint32_t kHpiStream = 2;

class HpiModel {
 public:
  HpiModel(const HpiParams& hpi, const RateParams& rates);

  // Fills hpi[0..months] (hpi[0] = 1 + shock) for path `path`, given the
  // rate path's standard normals z_rate[0..months-1] (month k+1 used
  // z_rate[k]).
  void SimulatePath(uint64_t seed, uint64_t path, int months,
                    const double* z_rate, double* hpi) const;
  // The path with every shock zero (sigma = 0 gives this on every path).
  void ExpectedPath(int months, double* hpi) const;

  // One exact step from (g, h) with the rate's normal zr and the HPI's own
  // normals z1, z2.
  void Step(double zr, double z1, double z2, double* g, double* h) const {
    const double dev = *g - p_.drift;
    const double eg = l_rg_ * zr + l_gg_ * z1;
    const double eh = (l_rh_ * zr + l_gh_ * z1) + l_hh_ * z2;
    *h = *h + ((mu_dt_ + dev * b_) + eh);
    *g = (p_.drift + dev * decay_) + eg;
  }
  // The Cholesky factor's entries (tests).
  double l_rg() const { return l_rg_; }
  double l_gg() const { return l_gg_; }
  double l_rh() const { return l_rh_; }
  double l_gh() const { return l_gh_; }
  double l_hh() const { return l_hh_; }

 private:
  HpiParams p_;
  double decay_;  // e^{-kappa dt}
  double b_;      // (1 - e^{-kappa dt}) / kappa
  double mu_dt_;  // mu dt
  double h0_;     // ln(1 + shock)
  // Lower-triangular factor of Cov(eps_r, eps_g, eps_h) below its (r, r)
  // entry, which is the rate model's own step volatility.
  double l_rg_, l_gg_, l_rh_, l_gh_, l_hh_;
};

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_HPI_MODEL_H_
