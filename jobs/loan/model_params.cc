#include "jobs/loan/model_params.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace gridless::loan {
namespace {

// One numeric parameter: name, default, range, meaning, and where it goes.
struct NumberSpec {
  const char* name;
  double def;
  double min;
  double max;
  const char* meaning;
  double ModelParams::*field;                    // when a double
  double RateParams::*rate_field;                // when a rate-model double
  int ModelParams::*int_field;                   // when an integer
  double HpiParams::*hpi_field = nullptr;        // when an HPI double
  double CreditParams::*credit_field = nullptr;  // when a credit double
};

const std::vector<NumberSpec>& Numbers() {
  static const auto* specs = new std::vector<NumberSpec>{
      {"mean_reversion", 0.1, 1e-4, 5.0,
       "Vasicek mean reversion a, per year, in [0.0001, 5]", nullptr,
       &RateParams::mean_reversion, nullptr},
      {"long_rate", 0.05, -0.05, 0.30,
       "Vasicek long-run short rate b, decimal, in [-0.05, 0.3]", nullptr,
       &RateParams::long_rate, nullptr},
      {"volatility", 0.01, 0.0, 0.20,
       "short-rate volatility sigma, decimal per sqrt(year), in [0, 0.2]",
       nullptr, &RateParams::volatility, nullptr},
      {"initial_rate", 0.04, -0.05, 0.30,
       "short rate today r0, decimal, in [-0.05, 0.3]", nullptr,
       &RateParams::initial_rate, nullptr},
      {"spread", 0.017, -0.05, 0.10,
       "mortgage rate = 10-year yield + spread, decimal, in [-0.05, 0.1]",
       &ModelParams::spread, nullptr, nullptr},
      {"psa", 100.0, 0.0, 1500.0,
       "PSA speed (prepay_model \"psa\"), percent, in [0, 1500]",
       &ModelParams::psa, nullptr, nullptr},
      {"cpr", 0.06, 0.0, 0.99,
       "constant CPR (prepay_model \"cpr\"), decimal per year, in [0, 0.99]",
       &ModelParams::cpr, nullptr, nullptr},
      {"sda", 100.0, 0.0, 10000.0,
       "SDA speed (default_model \"sda\"), percent, in [0, 10000]",
       &ModelParams::sda, nullptr, nullptr},
      {"cdr", 0.0, 0.0, 0.99,
       "constant CDR (default_model \"cdr\"), decimal per year, in [0, 0.99]",
       &ModelParams::cdr, nullptr, nullptr},
      {"default_rate_sensitivity", 0.0, 0.0, 100.0,
       "scales each month's default rate by max(0, 1 + k (y10 - y10 today)), "
       "in [0, 100]; 0 = off",
       &ModelParams::default_rate_sensitivity, nullptr, nullptr},
      {"severity", 0.35, 0.0, 1.0,
       "share of a defaulted balance lost, in [0, 1]", &ModelParams::severity,
       nullptr, nullptr},
      {"lag", 12, 0, 60, "months from default to loss and recovery, in [0, 60]",
       nullptr, nullptr, &ModelParams::lag},
      {"servicing_fee", 0.0025, 0.0, 0.05,
       "servicing fee off the note rate (net rate = rate - fee) when the tape "
       "gives no net rate, decimal per year, in [0, 0.05]",
       &ModelParams::servicing_fee, nullptr, nullptr},
      {"start_month", 1, 1, 12,
       "calendar month of projection month 1 (1 = January), for seasonality",
       nullptr, nullptr, &ModelParams::start_month},
      // Issue 16: the house price factor and the "ltv" default model.
      {"hpi_drift", 0.03, -0.2, 0.2,
       "long-run growth mu of the house price index, decimal per year, in "
       "[-0.2, 0.2] (default_model \"ltv\")",
       nullptr, nullptr, nullptr, &HpiParams::drift},
      {"hpi_initial_growth", 0.03, -0.5, 0.5,
       "house price growth today g0, decimal per year, in [-0.5, 0.5]", nullptr,
       nullptr, nullptr, &HpiParams::initial_growth},
      {"hpi_growth_reversion", 0.5, 0.01, 10.0,
       "mean reversion kappa of house price growth, per year, in [0.01, 10]",
       nullptr, nullptr, nullptr, &HpiParams::growth_reversion},
      {"hpi_volatility", 0.06, 0.0, 1.0,
       "volatility sigma of house price growth, per sqrt(year), in [0, 1]; "
       "0 = deterministic house prices",
       nullptr, nullptr, nullptr, &HpiParams::volatility},
      {"rate_hpi_correlation", -0.3, -1.0, 1.0,
       "correlation of the short rate's and house price growth's shocks, in "
       "[-1, 1]",
       nullptr, nullptr, nullptr, &HpiParams::rate_correlation},
      {"hpi_shock", 0.0, -0.8, 1.0,
       "house price move today, applied to every loan's value, in [-0.8, 1] "
       "(-0.2 = prices 20% below the tape's values)",
       nullptr, nullptr, nullptr, &HpiParams::shock},
      {"ltv_intercept", -8.0, -20.0, 0.0,
       "logit of the monthly default probability at MTM LTV 80%, FICO 740, "
       "DTI 36, in [-20, 0]",
       nullptr, nullptr, nullptr, nullptr, &CreditParams::intercept},
      {"ltv_slope", 5.0, 0.0, 50.0,
       "logit change per 1.0 of mark-to-market LTV, in [0, 50]", nullptr,
       nullptr, nullptr, nullptr, &CreditParams::ltv_slope},
      {"fico_slope", -1.0, -10.0, 10.0,
       "logit change per 100 FICO points, in [-10, 10]", nullptr, nullptr,
       nullptr, nullptr, &CreditParams::fico_slope},
      {"dti_slope", 0.2, -5.0, 5.0,
       "logit change per 10 points of DTI, in [-5, 5]", nullptr, nullptr,
       nullptr, nullptr, &CreditParams::dti_slope},
      {"foreclosure_discount", 0.27, 0.0, 1.0,
       "share of the house's index value lost in a foreclosure sale, in "
       "[0, 1]",
       nullptr, nullptr, nullptr, nullptr, &CreditParams::foreclosure_discount},
      {"liquidation_cost", 0.15, 0.0, 1.0,
       "costs of a liquidation (carry, legal, sale) as a share of the "
       "defaulted balance, in [0, 1]",
       nullptr, nullptr, nullptr, nullptr, &CreditParams::liquidation_cost},
  };
  return *specs;
}

std::string FormatDefault(double x) { return absl::StrCat(x); }

}  // namespace

std::string_view PrepayModelName(PrepayModel m) {
  switch (m) {
    case PrepayModel::kPsa:
      return "psa";
    case PrepayModel::kCpr:
      return "cpr";
    case PrepayModel::kScurve:
      return "scurve";
  }
  return "?";
}

std::string_view DefaultModelName(DefaultModel m) {
  switch (m) {
    case DefaultModel::kSda:
      return "sda";
    case DefaultModel::kCdr:
      return "cdr";
    case DefaultModel::kLtv:
      return "ltv";
  }
  return "?";
}

std::vector<std::string> ModelParamNames() {
  std::vector<std::string> names = {"prepay_model", "default_model"};
  for (const auto& s : Numbers()) names.push_back(s.name);
  return names;
}

std::vector<ParamInfo> ModelParamInfos() {
  std::vector<ParamInfo> out = {
      {"prepay_model", "string", "scurve",
       "\"scurve\" (refinancing S-curve x burnout x seasoning x seasonality, "
       "path dependent), \"psa\" or \"cpr\""},
      {"default_model", "string", "sda",
       "\"sda\", \"cdr\" or \"ltv\" (mark-to-market LTV on a house price "
       "path, HPI-driven severity)"},
  };
  for (const auto& s : Numbers()) {
    out.push_back({s.name, s.int_field != nullptr ? "int" : "double",
                   FormatDefault(s.def), s.meaning});
  }
  return out;
}

absl::StatusOr<ModelParams> ReadModelParams(const Params& params) {
  ModelParams m;
  auto prepay =
      params.String("prepay_model", "scurve", {"scurve", "psa", "cpr"});
  if (!prepay.ok()) return prepay.status();
  m.prepay = *prepay == "psa"   ? PrepayModel::kPsa
             : *prepay == "cpr" ? PrepayModel::kCpr
                                : PrepayModel::kScurve;
  auto defaults = params.String("default_model", "sda", {"sda", "cdr", "ltv"});
  if (!defaults.ok()) return defaults.status();
  m.defaults = *defaults == "cdr"   ? DefaultModel::kCdr
               : *defaults == "ltv" ? DefaultModel::kLtv
                                    : DefaultModel::kSda;
  for (const auto& s : Numbers()) {
    if (s.int_field != nullptr) {
      auto v =
          params.Int(s.name, static_cast<int64_t>(s.def),
                     static_cast<int64_t>(s.min), static_cast<int64_t>(s.max));
      if (!v.ok()) return v.status();
      m.*(s.int_field) = static_cast<int>(*v);
    } else {
      auto v = params.Double(s.name, s.def, s.min, s.max);
      if (!v.ok()) return v.status();
      if (s.rate_field != nullptr) {
        m.rates.*(s.rate_field) = *v;
      } else if (s.hpi_field != nullptr) {
        m.hpi.*(s.hpi_field) = *v;
      } else if (s.credit_field != nullptr) {
        m.credit.*(s.credit_field) = *v;
      } else {
        m.*(s.field) = *v;
      }
    }
  }
  return m;
}

}  // namespace gridless::loan
