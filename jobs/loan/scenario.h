// The per-path inputs every loan on a path shares, computed once per path
// (not per loan): discount factors, the lagged mortgage rate that drives
// refinancing, the seasonality of each projection month and the default
// multiplier.  Month m = 1..months is the month ending m months from now.
//
// A PathScenario is a plain value; ScenarioBuilder is immutable and
// thread-safe.
#ifndef GRIDLESS_JOBS_LOAN_SCENARIO_H_
#define GRIDLESS_JOBS_LOAN_SCENARIO_H_

#include <cstdint>
#include <vector>

#include "jobs/loan/hpi_model.h"
#include "jobs/loan/model_params.h"
#include "jobs/loan/rate_model.h"

namespace gridless::loan {

struct PathScenario {
  int months = 0;
  std::vector<double> short_rate;  // [0..months]: r at the end of month m
  // [0..months]: exp(-sum_{j<m} (r_j + r_{j+1}) / 2 dt); df[0] = 1.
  std::vector<double> df;
  // [1..months]: 10-year yield at the end of month m-1, plus the spread.
  std::vector<double> mortgage_rate;
  std::vector<double> seasonality;     // [1..months]
  std::vector<double> default_factor;  // [1..months]
  // [0..months]: the house price index at the end of month m relative to
  // the tape's property values (hpi[0] = 1 + hpi_shock); filled when the
  // default model is "ltv", else empty.
  std::vector<double> hpi;
};

class ScenarioBuilder {
 public:
  // months: the horizon (longest remaining term + lag, and >= 360 so that
  // the 30-year discount factor is always there).
  ScenarioBuilder(const ModelParams& m, int months);

  int months() const { return months_; }
  const RateModel& rates() const { return rates_; }
  const HpiModel& hpi() const { return hpi_; }
  // Monte Carlo path `path` of the job seeded `seed`.
  void Build(uint64_t seed, uint64_t path, PathScenario* out) const;
  // A scenario from given short rates r[0..months] (house prices: the
  // expected path, HpiModel::ExpectedPath).
  void FromShortRates(const double* r, PathScenario* out) const;
  // Deterministic: discount at a flat yield y, monthly compounded:
  // df_m = (1 + y/12)^-m; the short rate stays at initial_rate.
  void FlatYield(double yield, PathScenario* out) const;

 private:
  void Resize(PathScenario* out) const;
  void FillCalendar(PathScenario* out) const;
  void FillRates(const double* r, PathScenario* out) const;
  bool credit() const { return m_.defaults == DefaultModel::kLtv; }

  ModelParams m_;
  RateModel rates_;
  HpiModel hpi_;
  int months_;
};

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_SCENARIO_H_
