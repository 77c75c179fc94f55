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
  double ModelParams::*field;      // when a double
  double RateParams::*rate_field;  // when a rate-model double
  int ModelParams::*int_field;     // when an integer
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
  return m == DefaultModel::kSda ? "sda" : "cdr";
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
      {"default_model", "string", "sda", "\"sda\" or \"cdr\""},
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
  auto defaults = params.String("default_model", "sda", {"sda", "cdr"});
  if (!defaults.ok()) return defaults.status();
  m.defaults = *defaults == "cdr" ? DefaultModel::kCdr : DefaultModel::kSda;
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
      } else {
        m.*(s.field) = *v;
      }
    }
  }
  return m;
}

}  // namespace gridless::loan
