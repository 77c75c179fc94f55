#include "jobs/loan/loan_block.h"

#include <algorithm>
#include <numeric>

#include "jobs/loan/fast_math.h"

namespace gridless::loan {

LoanBlock MakeLoanBlock(const Loan* loans, int n, double servicing_fee) {
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
                     note_index.data()};
}

}  // namespace gridless::loan
