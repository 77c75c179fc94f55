#include "jobs/loan/loan_block.h"

#include <algorithm>
#include <numeric>

#include "jobs/loan/fast_math.h"

namespace gridless::loan {

double PropertyValue(const Loan& l) {
  const double ltv = l.ltv > 0 ? l.ltv : kMissingLtv;
  return l.orig_balance / (ltv / 100.0);
}

double LogitBase(const CreditParams& c, const Loan& l) {
  const double fico = l.fico > 0 ? l.fico : kMissingFico;
  const double dti = l.dti > 0 ? l.dti : kMissingDti;
  return ((c.intercept - c.ltv_slope * 0.8) +
          c.fico_slope * ((fico - 740.0) / 100.0)) +
         c.dti_slope * ((dti - 36.0) / 10.0);
}

LoanBlock MakeLoanBlock(const Loan* loans, int n, double servicing_fee,
                        const CreditParams* credit) {
  LoanBlock b;
  b.n = n;
  b.order.resize(n);
  std::iota(b.order.begin(), b.order.end(), 0);
  std::stable_sort(b.order.begin(), b.order.end(), [&](int32_t x, int32_t y) {
    return loans[x].remaining > loans[y].remaining;
  });
  for (auto* v :
       {&b.balance, &b.inv_b0, &b.rate_m, &b.net_m, &b.note, &b.onep, &b.h0}) {
    v->resize(n);
  }
  b.age.resize(n);
  b.rem.resize(n);
  for (int i = 0; i < n; ++i) {
    const Loan& l = loans[b.order[i]];
    double net = l.net_rate >= 0 ? l.net_rate : l.rate - servicing_fee;
    b.balance[i] = l.balance;
    b.inv_b0[i] = 1.0 / std::max(l.orig_balance, l.balance);
    b.rate_m[i] = l.rate / 12.0;
    b.net_m[i] = std::max(net, 0.0) / 12.0;
    b.note[i] = l.rate;
    b.onep[i] = 1.0 + b.rate_m[i];
    b.h0[i] = 1.0 / IntPowDet(b.onep[i], l.remaining);
    b.age[i] = l.age;
    b.rem[i] = l.remaining;
    b.loan_months += l.remaining;
  }
  if (credit != nullptr) {
    b.inv_value.resize(n);
    b.recovery_value.resize(n);
    b.logit_base.resize(n);
    for (int i = 0; i < n; ++i) {
      const Loan& l = loans[b.order[i]];
      const double value = PropertyValue(l);
      b.inv_value[i] = 1.0 / value;
      b.recovery_value[i] = value * (1.0 - credit->foreclosure_discount);
      b.logit_base[i] = LogitBase(*credit, l);
    }
  }
  b.notes = b.note;
  std::sort(b.notes.begin(), b.notes.end());
  b.notes.erase(std::unique(b.notes.begin(), b.notes.end()), b.notes.end());
  b.note_index.resize(n);
  for (int i = 0; i < n; ++i) {
    b.note_index[i] = static_cast<int32_t>(
        std::lower_bound(b.notes.begin(), b.notes.end(), b.note[i]) -
        b.notes.begin());
  }
  return b;
}

KernelLoans LoanBlock::View() const {
  return KernelLoans{n,
                     balance.data(),
                     inv_b0.data(),
                     rate_m.data(),
                     net_m.data(),
                     note.data(),
                     onep.data(),
                     h0.data(),
                     age.data(),
                     rem.data(),
                     static_cast<int>(notes.size()),
                     notes.data(),
                     note_index.data(),
                     inv_value.empty() ? nullptr : inv_value.data(),
                     recovery_value.empty() ? nullptr : recovery_value.data(),
                     logit_base.empty() ? nullptr : logit_base.data()};
}

}  // namespace gridless::loan
