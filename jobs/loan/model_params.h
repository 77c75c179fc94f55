// The parameters of the loan cash-flow model (docs/LOAN_MODEL.md): the
// Vasicek / Hull-White short rate, the mortgage-rate spread, prepayment,
// default, loss severity and lag, servicing fee.  Every parameter has a
// default and an allowed range, listed once in model_params.cc: reading,
// validation, `gridless kinds` and the docs all come from that table.
//
// Plain values; thread-safe to share once built.
#ifndef GRIDLESS_JOBS_LOAN_MODEL_PARAMS_H_
#define GRIDLESS_JOBS_LOAN_MODEL_PARAMS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "jobs/job.h"
#include "jobs/params.h"

namespace gridless::loan {

enum class PrepayModel { kPsa, kCpr, kScurve };
enum class DefaultModel { kSda, kCdr, kLtv };

struct RateParams {
  double mean_reversion = 0.1;  // a, per year
  double long_rate = 0.05;      // b, decimal
  double volatility = 0.01;     // sigma, decimal per sqrt(year)
  double initial_rate = 0.04;   // r0, decimal
};

// The house price index (issue 16, docs/LOAN_MODEL.md "Credit"): log-HPI h
// with stochastic, mean-reverting growth g,
//   dg = kappa (mu - g) dt + sigma dW_H,   dh = g dt,
// dW_H correlated with the short rate's dW_r.  HPI today = 1 + shock.
struct HpiParams {
  double drift = 0.03;             // mu, long-run growth, decimal per year
  double initial_growth = 0.03;    // g0, growth today, decimal per year
  double growth_reversion = 0.5;   // kappa, per year
  double volatility = 0.06;        // sigma, of the growth, per sqrt(year)
  double rate_correlation = -0.3;  // corr(dW_r, dW_H)
  double shock = 0;                // HPI today / HPI at the tape's values - 1
};

// The "ltv" default model: monthly default probability
//   MDR = min(1, min(1, age/30) x factor / (1 + exp(-x))),
//   x = intercept + ltv_slope (MTM LTV - 0.8) + fico_slope (FICO - 740)/100
//       + dti_slope (DTI - 36)/10,
// and the loss of a default liquidated `lag` months later:
//   max(0, D (1 + liquidation_cost) - MDR V HPI_{m+lag} (1 -
//   foreclosure_discount)).
struct CreditParams {
  double intercept = -8.0;
  double ltv_slope = 5.0;
  double fico_slope = -1.0;
  double dti_slope = 0.2;
  double foreclosure_discount = 0.27;
  double liquidation_cost = 0.15;
};

struct ModelParams {
  RateParams rates;
  double spread = 0.017;  // mortgage rate = 10-year yield + spread
  PrepayModel prepay = PrepayModel::kScurve;
  double psa = 100;   // PSA speed, percent of the benchmark
  double cpr = 0.06;  // constant CPR, decimal per year
  DefaultModel defaults = DefaultModel::kSda;
  double sda = 100;     // SDA speed, percent of the benchmark
  double cdr = 0;       // constant CDR, decimal per year
  HpiParams hpi;        // used by DefaultModel::kLtv only
  CreditParams credit;  // used by DefaultModel::kLtv only
  // MDR multiplier per path-month: max(0, 1 + k (y10_{t-1} - y10_0)).
  double default_rate_sensitivity = 0;
  double severity = 0.35;         // share of a defaulted balance lost
  int lag = 12;                   // months from default to loss and recovery
  double servicing_fee = 0.0025;  // decimal per year, off the note rate
  int start_month = 1;  // calendar month (1 = Jan) of projection month 1
};

// The names ReadModelParams reads, for Params::CheckKnown.
std::vector<std::string> ModelParamNames();
// Their documentation for JobKind::Parameters.
std::vector<ParamInfo> ModelParamInfos();
// Reads and range-checks the model parameters; INVALID_ARGUMENT names the
// parameter.  Unknown names are not checked here.
absl::StatusOr<ModelParams> ReadModelParams(const Params& params);

std::string_view PrepayModelName(PrepayModel m);
std::string_view DefaultModelName(DefaultModel m);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_MODEL_PARAMS_H_
