#include "jobs/loan/scenario.h"

#include <vector>

#include "jobs/loan/fast_math.h"
#include "jobs/loan/prepayment.h"

namespace gridless::loan {

ScenarioBuilder::ScenarioBuilder(const ModelParams& m, int months)
    : m_(m), rates_(m.rates), hpi_(m.hpi, m.rates), months_(months) {}

void ScenarioBuilder::Resize(PathScenario* out) const {
  out->months = months_;
  out->short_rate.resize(months_ + 1);
  out->df.resize(months_ + 1);
  out->mortgage_rate.resize(months_ + 1);
  out->seasonality.resize(months_ + 1);
  out->default_factor.resize(months_ + 1);
  out->hpi.resize(credit() ? months_ + 1 : 0);
}

void ScenarioBuilder::FillCalendar(PathScenario* out) const {
  out->seasonality[0] = 0;
  for (int m = 1; m <= months_; ++m) {
    out->seasonality[m] = kSeasonality[(m_.start_month - 1 + m - 1) % 12];
  }
}

void ScenarioBuilder::Build(uint64_t seed, uint64_t path,
                            PathScenario* out) const {
  Resize(out);
  if (!credit()) {
    rates_.SimulatePath(seed, path, months_, out->short_rate.data());
    FillRates(out->short_rate.data(), out);
    return;
  }
  // The rate normals, reused as the HPI's correlated factor; scratch
  // reused across calls on this thread.
  thread_local std::vector<double> z;
  z.resize(months_);
  rates_.SimulatePath(seed, path, months_, out->short_rate.data(), z.data());
  FillRates(out->short_rate.data(), out);
  hpi_.SimulatePath(seed, path, months_, z.data(), out->hpi.data());
}

void ScenarioBuilder::FromShortRates(const double* r, PathScenario* out) const {
  Resize(out);
  if (out->short_rate.data() != r) {
    out->short_rate.assign(r, r + months_ + 1);
  }
  FillRates(r, out);
  if (credit()) hpi_.ExpectedPath(months_, out->hpi.data());
}

void ScenarioBuilder::FillRates(const double* r, PathScenario* out) const {
  FillCalendar(out);
  double y10_today = rates_.Y10(r[0]);
  double integral = 0;
  out->df[0] = 1.0;
  out->mortgage_rate[0] = 0;
  out->default_factor[0] = 0;
  for (int m = 1; m <= months_; ++m) {
    integral += (r[m - 1] + r[m]) * 0.5 * kMonth;
    out->df[m] = ExpDet(-integral);
    double y10 = rates_.Y10(r[m - 1]);
    out->mortgage_rate[m] = y10 + m_.spread;
    double factor = 1.0 + m_.default_rate_sensitivity * (y10 - y10_today);
    out->default_factor[m] = factor > 0.0 ? factor : 0.0;
  }
}

void ScenarioBuilder::FlatYield(double yield, PathScenario* out) const {
  Resize(out);
  FillCalendar(out);
  double growth = 1.0 + yield / 12.0;
  double y10 = rates_.Y10(m_.rates.initial_rate);
  out->short_rate.assign(months_ + 1, m_.rates.initial_rate);
  out->df[0] = 1.0;
  out->mortgage_rate[0] = 0;
  out->default_factor[0] = 0;
  for (int m = 1; m <= months_; ++m) {
    out->df[m] = 1.0 / IntPowDet(growth, m);
    out->mortgage_rate[m] = y10 + m_.spread;
    out->default_factor[m] = 1.0;
  }
  if (credit()) hpi_.ExpectedPath(months_, out->hpi.data());
}

}  // namespace gridless::loan
