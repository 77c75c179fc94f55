#include "jobs/loan/projection.h"

#include "jobs/loan/default_model.h"
#include "jobs/loan/kernel.h"
#include "jobs/loan/loan_block.h"
#include "jobs/loan/prepayment.h"

namespace gridless::loan {

Projection ProjectLoan(const ModelParams& m, const Loan& loan,
                       const PathScenario& path) {
  std::vector<double> smm = SmmByAge(m);
  std::vector<double> mdr = MdrByAge(m);
  const bool ltv = m.defaults == DefaultModel::kLtv;
  KernelModel model{m.prepay == PrepayModel::kScurve,
                    smm.data(),
                    mdr.data(),
                    m.severity,
                    m.lag,
                    ltv,
                    m.credit.ltv_slope,
                    m.credit.liquidation_cost};
  LoanBlock block =
      MakeLoanBlock(&loan, 1, m.servicing_fee, ltv ? &m.credit : nullptr);
  KernelPath kp{path.months,
                path.df.data(),
                path.mortgage_rate.data(),
                path.seasonality.data(),
                path.default_factor.data(),
                ltv ? path.hpi.data() : nullptr};
  double pv = 0, cf = 0, loss = 0, prin = 0, walnum = 0;
  KernelOut out{&pv, &cf, &loss, &prin, &walnum};
  std::vector<MonthTrace> trace;
  ProjectTraced(model, block.View(), kp, out, &trace);

  Projection p;
  p.pv = pv;
  p.cash_flow = cf;
  p.loss = loss;
  p.principal = prin;
  p.wal_years = prin > 0 ? walnum / prin / 12.0 : 0.0;
  int months = static_cast<int>(trace.size());
  bool any_default = false;
  for (const MonthTrace& t : trace) {
    p.defaulted += t.defaulted;
    any_default = any_default || t.defaulted > 0;
  }
  int rows = months + (any_default ? m.lag : 0);
  p.rows.resize(rows);
  for (int k = 0; k < rows; ++k) {
    ProjectionRow& r = p.rows[k];
    r = ProjectionRow{k + 1, 0, 0, 0, 0, 0, 0, 0, 0};
    if (k < months) {
      const MonthTrace& t = trace[k];
      r.balance = t.balance;
      r.defaulted = t.defaulted;
      r.interest = t.interest;
      r.scheduled = t.scheduled;
      r.prepaid = t.prepaid;
    }
    int from = k - m.lag;  // the month whose defaults resolve now
    if (from >= 0 && from < months) {
      r.loss = trace[from].loss;
      r.recovery = trace[from].recovery;
    }
    r.cash_flow = r.interest + r.scheduled + r.prepaid + r.recovery;
  }
  return p;
}

}  // namespace gridless::loan
