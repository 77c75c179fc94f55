#include "jobs/loan/scalar_reference.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "jobs/loan/default_model.h"
#include "jobs/loan/prepayment.h"

namespace gridless::loan {

LoanTotals ReferenceProject(const ModelParams& m, const Loan& loan,
                            const PathScenario& path) {
  const double r = loan.rate / 12.0;
  const double net =
      std::max(loan.net_rate >= 0 ? loan.net_rate : loan.rate - m.servicing_fee,
               0.0) /
      12.0;
  const double b0 = std::max(loan.orig_balance, loan.balance);
  const int months = loan.remaining + m.lag;
  std::vector<double> flow(months + 1, 0.0), principal(months + 1, 0.0),
      recovery(months + 1, 0.0);
  LoanTotals out;
  double balance = loan.balance;
  for (int k = 1; k <= loan.remaining; ++k) {
    const int t = loan.age + k;
    double cpr;
    switch (m.prepay) {
      case PrepayModel::kPsa:
        cpr = PsaCpr(m.psa, t);
        break;
      case PrepayModel::kCpr:
        cpr = m.cpr;
        break;
      default: {
        double ri =
            0.28 + 0.14 * std::atan(-8.57 + 430.0 * (loan.rate -
                                                     path.mortgage_rate[k]));
        double bu = 0.3 + 0.7 * balance / b0;
        double sg = std::min(1.0, t / 30.0);
        cpr = ri * bu * sg * path.seasonality[k];
      }
    }
    const double smm = 1.0 - std::pow(1.0 - cpr, 1.0 / 12.0);
    const double cdr =
        m.defaults == DefaultModel::kSda ? SdaCdr(m.sda, t) : m.cdr;
    const double mdr = std::min(
        1.0, (1.0 - std::pow(1.0 - cdr, 1.0 / 12.0)) * path.default_factor[k]);
    const double d = mdr * balance;
    const double bp = balance - d;
    const double interest = bp * net;
    const int rem = loan.remaining - k + 1;
    const double sp = rem == 1 ? bp : bp * r / (std::pow(1.0 + r, rem) - 1.0);
    const double pp = smm * (bp - sp);
    flow[k] += interest + sp + pp;
    principal[k] += sp + pp;
    recovery[k + m.lag] += (1.0 - m.severity) * d;
    out.loss += m.severity * d;
    balance = bp - sp - pp;
  }
  for (int k = 1; k <= months; ++k) {
    double cash = flow[k] + recovery[k];
    out.pv += cash * path.df[k];
    out.cf += cash;
    out.prin += principal[k] + recovery[k];
    out.walnum += k * (principal[k] + recovery[k]);
  }
  return out;
}

}  // namespace gridless::loan
