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
enum class DefaultModel { kSda, kCdr };

struct RateParams {
  double mean_reversion = 0.1;  // a, per year
  double long_rate = 0.05;      // b, decimal
  double volatility = 0.01;     // sigma, decimal per sqrt(year)
  double initial_rate = 0.04;   // r0, decimal
};

struct ModelParams {
  RateParams rates;
  double spread = 0.017;  // mortgage rate = 10-year yield + spread
  PrepayModel prepay = PrepayModel::kScurve;
  double psa = 100;   // PSA speed, percent of the benchmark
  double cpr = 0.06;  // constant CPR, decimal per year
  DefaultModel defaults = DefaultModel::kSda;
  double sda = 100;  // SDA speed, percent of the benchmark
  double cdr = 0;    // constant CDR, decimal per year
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
