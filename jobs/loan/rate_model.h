// The Vasicek / Hull-White one-factor short rate with exact monthly steps:
//   r' = r e^{-a dt} + b (1 - e^{-a dt}) + sigma sqrt((1 - e^{-2a dt})/(2a)) Z
// with dt = 1/12, its closed-form zero-coupon price P = A e^{-B r}, and the
// 10-year yield y10 = (B(10) r - ln A(10)) / 10 that sets the mortgage rate.
//
// Path p draws its normals from PhiloxStream(seed, kRateStream, p) through
// Boost's ziggurat, so a path is the same whichever task computes it.
//
// Immutable after construction; thread-safe.
#ifndef GRIDLESS_JOBS_LOAN_RATE_MODEL_H_
#define GRIDLESS_JOBS_LOAN_RATE_MODEL_H_

#include <cstdint>

#include "jobs/loan/model_params.h"

namespace gridless::loan {

inline constexpr uint32_t kRateStream = 1;
inline constexpr double kMonth = 1.0 / 12.0;

class RateModel {
 public:
  explicit RateModel(const RateParams& p);

  const RateParams& params() const { return p_; }
  // One exact monthly step from r with standard normal z.
  double Step(double r, double z) const {
    return r * decay_ + drift_ + vol_ * z;
  }
  // Fills r[0..months] with path `path` (r[0] = initial_rate) and, when z
  // is not null, z[0..months-1] with the standard normals it used (the
  // house price factor correlates with them, hpi_model.h).
  void SimulatePath(uint64_t seed, uint64_t path, int months, double* r,
                    double* z = nullptr) const;
  // The closed-form 10-year yield at short rate r: an affine map.
  double Y10(double r) const { return y10_slope_ * r + y10_intercept_; }
  // Closed-form zero-coupon price for maturity tau years at short rate r.
  double ZeroCouponPrice(double tau, double r) const;

 private:
  RateParams p_;
  double decay_;  // e^{-a dt}
  double drift_;  // b (1 - e^{-a dt})
  double vol_;    // sigma sqrt((1 - e^{-2 a dt}) / (2a))
  double y10_slope_;
  double y10_intercept_;
};

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_RATE_MODEL_H_
