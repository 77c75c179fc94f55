// Prepayment: the PSA benchmark, constant CPR, and the refinancing S-curve
// (refinancing incentive x burnout x seasoning x seasonality), plus the
// CPR -> SMM conversion.  docs/LOAN_MODEL.md states the formulas.
//
// The inline functions are used inside the vectorized kernel; they call only
// fast_math.h (no libm), so they give the same bits in every code path.
// Thread-safe: pure functions.
#ifndef GRIDLESS_JOBS_LOAN_PREPAYMENT_H_
#define GRIDLESS_JOBS_LOAN_PREPAYMENT_H_

#include <vector>

#include "jobs/loan/fast_math.h"
#include "jobs/loan/model_params.h"

namespace gridless::loan {

// Seasonality factors for January .. December.
inline constexpr double kSeasonality[12] = {0.94, 0.76, 0.74, 0.95, 0.98, 0.92,
                                            0.98, 1.10, 1.18, 1.22, 1.23, 0.98};

// Tables indexed by loan age are flat from this age on (PSA from 30, SDA
// from 120), so ages are clamped to it.
inline constexpr int kAgeTableLast = 121;

// Monthly rate from an annual one: 1 - (1 - cpr)^(1/12), computed as
// -expm1(log1p(-cpr) / 12) so that small rates keep full relative precision.
// REQUIRES: 0 <= cpr <= 0.99.
// (0 - x rather than -x: a zero rate gives +0, not -0.)
inline double CprToSmm(double cpr) {
  return 0.0 - Expm1Det(Log1pDet(-cpr) * (1.0 / 12.0));
}

// CprToSmm for the S-curve's CPRs (at most 0.62): the same formula with a
// shorter expm1 (Expm1SmallDet).
inline double ScurveSmm(double cpr) {
  return 0.0 - Expm1SmallDet(Log1pDet(-cpr) * (1.0 / 12.0));
}

// PSA benchmark: CPR = psa/100 * 6% * min(t, 30)/30 at age t (month end).
double PsaCpr(double psa, int age);

// The refinancing S-curve's CPR for one loan-month is RI x BU x SG x SY:
//   RI = 0.28 + 0.14 atan(-8.57 + 430 (note - mortgage_rate))
//   BU = 0.3 + 0.7 balance_ratio       (B_{t-1} / B_0, at most 1)
//   SG = min(1, t / 30), SY = seasonality of the calendar month.
// The result is at most 0.5 * 1.23 < 0.62.  RI depends only on the note
// rate and the month, so the kernel computes it once per distinct note rate.
inline double RefinancingIncentive(double note, double mortgage_rate) {
  return 0.28 + 0.14 * AtanDet(-8.57 + 430.0 * (note - mortgage_rate));
}
inline double ScurveCprFromIncentive(double ri, double balance_ratio,
                                     double age, double seasonality) {
  double bu = 0.3 + 0.7 * balance_ratio;
  double sg = age * (1.0 / 30.0);
  sg = sg < 1.0 ? sg : 1.0;
  return ri * bu * sg * seasonality;
}
inline double ScurveCpr(double note, double mortgage_rate, double balance_ratio,
                        double age, double seasonality) {
  return ScurveCprFromIncentive(RefinancingIncentive(note, mortgage_rate),
                                balance_ratio, age, seasonality);
}

// SMM by age 0..kAgeTableLast for the PSA or constant-CPR model (all zero
// for the S-curve, which is path dependent).
std::vector<double> SmmByAge(const ModelParams& m);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_PREPAYMENT_H_
