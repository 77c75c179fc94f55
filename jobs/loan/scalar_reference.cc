#include "jobs/loan/scalar_reference.h"

#include <algorithm>
#include <cmath>

#include "jobs/loan/default_model.h"
#include "jobs/loan/prepayment.h"

namespace gridless::loan {
namespace {

// Ages past this use the last entry: PSA reaches its plateau at 30 months and
// SDA its tail at 120, so 360 covers every curve with margin.
constexpr int kReferenceMaxAge = 360;

double MonthlyFromAnnual(double annual) {
  return 1.0 - std::pow(1.0 - annual, 1.0 / 12.0);
}

}  // namespace

ReferenceModel::ReferenceModel(const ModelParams& m)
    : params(m),
      smm_by_age(kReferenceMaxAge + 1, 0.0),
      mdr_by_age(kReferenceMaxAge + 1, 0.0) {
  for (int t = 0; t <= kReferenceMaxAge; ++t) {
    if (m.prepay == PrepayModel::kPsa) {
      smm_by_age[t] = MonthlyFromAnnual(PsaCpr(m.psa, t));
    } else if (m.prepay == PrepayModel::kCpr) {
      smm_by_age[t] = MonthlyFromAnnual(m.cpr);
    }
    mdr_by_age[t] = MonthlyFromAnnual(
        m.defaults == DefaultModel::kSda ? SdaCdr(m.sda, t) : m.cdr);
  }
}

LoanTotals ReferenceProject(const ReferenceModel& model, const Loan& loan,
                            const PathScenario& path) {
  const ModelParams& m = model.params;
  const double r = loan.rate / 12.0;
  const double growth = 1.0 + r;
  const double net =
      std::max(loan.net_rate >= 0 ? loan.net_rate : loan.rate - m.servicing_fee,
               0.0) /
      12.0;
  const double b0 = std::max(loan.orig_balance, loan.balance);
  const bool scurve = m.prepay == PrepayModel::kScurve;
  LoanTotals out;
  double balance = loan.balance;
  double annuity = std::pow(growth, loan.remaining);  // (1 + r)^rem
  for (int k = 1; k <= loan.remaining; ++k) {
    const int t = loan.age + k;
    const int ti = std::min(t, kReferenceMaxAge);
    double smm;
    if (scurve) {
      const double ri =
          0.28 +
          0.14 * std::atan(-8.57 + 430.0 * (loan.rate - path.mortgage_rate[k]));
      const double bu = 0.3 + 0.7 * balance / b0;
      const double sg = std::min(1.0, t / 30.0);
      smm = MonthlyFromAnnual(ri * bu * sg * path.seasonality[k]);
    } else {
      smm = model.smm_by_age[ti];
    }
    const double mdr =
        std::min(1.0, model.mdr_by_age[ti] * path.default_factor[k]);
    const double d = mdr * balance;
    const double bp = balance - d;
    const double interest = bp * net;
    const int rem = loan.remaining - k + 1;
    const double sp = rem == 1 ? bp : bp * r / (annuity - 1.0);
    const double pp = smm * (bp - sp);
    const double principal = sp + pp;
    const double paid = interest + principal;
    const double recovery = (1.0 - m.severity) * d;
    const int k_lag = k + m.lag;
    out.pv += paid * path.df[k] + recovery * path.df[k_lag];
    out.cf += paid + recovery;
    out.prin += principal + recovery;
    out.walnum += k * principal + k_lag * recovery;
    out.loss += m.severity * d;
    balance = bp - principal;
    annuity /= growth;
  }
  return out;
}

LoanTotals ReferenceProject(const ModelParams& m, const Loan& loan,
                            const PathScenario& path) {
  return ReferenceProject(ReferenceModel(m), loan, path);
}

}  // namespace gridless::loan
