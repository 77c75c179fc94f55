#include "jobs/loan/kernel.h"

#include "jobs/loan/amortization.h"
#include "jobs/loan/prepayment.h"

namespace gridless::loan {
namespace {

// What every loan shares in month m of a path.
struct MonthShared {
  int m;
  double df;
  double df_lag;
  double mortgage;
  double seasonality;
  double default_factor;
  double month;
  double month_lag;
  double severity;
  double recovered;
};

// S-curve SMM of month m for loans [0, active), in short loops rather than
// inside Month's: each loan's atan -> log -> expm1 chain is long, and short
// loop bodies let the CPU overlap several loans' chains.  The incentive
// (the atan) is computed once per distinct note rate: same bits, less work.
[[gnu::always_inline]] inline void ScurveMonth(
    int active, int num_notes, const MonthShared& s,
    const double* __restrict notes, const int32_t* __restrict note_index,
    const double* __restrict inv_b0, const int32_t* __restrict age,
    const double* __restrict bal, double* __restrict incentive,
    double* __restrict smm) {
  for (int j = 0; j < num_notes; ++j) {
    incentive[j] = RefinancingIncentive(notes[j], s.mortgage);
  }
  for (int i = 0; i < active; ++i) {
    smm[i] = ScurveCprFromIncentive(
        incentive[note_index[i]], bal[i] * inv_b0[i],
        static_cast<double>(age[i] + s.m), s.seasonality);
  }
  for (int i = 0; i < active; ++i) smm[i] = ScurveSmm(smm[i]);
}

// Month m for loans [0, active).  Restrict parameters (kept by GCC through
// inlining) let it vectorize the loop, table lookups included.
template <bool kScurve, bool kTrace>
[[gnu::always_inline]] inline void Month(
    int active, const MonthShared& s, const double* __restrict smm_by_age,
    const double* __restrict mdr_by_age, const double* __restrict scurve_smm,
    const double* __restrict rate_m, const double* __restrict net_m,
    const double* __restrict onep, const int32_t* __restrict age,
    const int32_t* __restrict rem, double* __restrict bal, double* __restrict h,
    double* __restrict pv, double* __restrict cf, double* __restrict loss,
    double* __restrict prin, double* __restrict walnum,
    std::vector<MonthTrace>* trace) {
  const int m = s.m;
  for (int i = 0; i < active; ++i) {
    const int t = age[i] + m;
    const int ti = t < kAgeTableLast ? t : kAgeTableLast;
    double smm;
    if constexpr (kScurve) {
      smm = scurve_smm[i];
    } else {
      smm = smm_by_age[ti];
    }
    double mdr = mdr_by_age[ti] * s.default_factor;
    mdr = mdr < 1.0 ? mdr : 1.0;
    const MonthFlows f =
        AmortizeMonth(bal[i], h[i], rate_m[i], net_m[i], smm, mdr, rem[i] == m);
    const double recovery = s.recovered * f.defaulted;
    const double paid = (f.interest + f.scheduled) + f.prepaid;
    const double principal = f.scheduled + f.prepaid;
    if constexpr (kTrace) {
      trace->push_back(
          MonthTrace{bal[i], f.defaulted, f.interest, f.scheduled, f.prepaid});
    }
    pv[i] += paid * s.df + recovery * s.df_lag;
    cf[i] += paid + recovery;
    loss[i] += s.severity * f.defaulted;
    prin[i] += principal + recovery;
    walnum[i] += principal * s.month + recovery * s.month_lag;
    bal[i] = f.next_balance;
    h[i] *= onep[i];
  }
}

template <bool kScurve, bool kTrace>
[[gnu::always_inline]] inline void Project(const KernelModel& model,
                                           const KernelLoans& loans,
                                           const KernelPath& path,
                                           KernelScratch scratch, KernelOut out,
                                           std::vector<MonthTrace>* trace) {
  const int n = loans.n;
  for (int i = 0; i < n; ++i) {
    scratch.balance[i] = loans.balance[i];
    scratch.h[i] = loans.h0[i];
    out.pv[i] = 0;
    out.cf[i] = 0;
    out.loss[i] = 0;
    out.prin[i] = 0;
    out.walnum[i] = 0;
  }
  MonthShared s;
  s.severity = model.severity;
  s.recovered = 1.0 - model.severity;
  int active = n;
  for (int m = 1;; ++m) {
    while (active > 0 && loans.rem[active - 1] < m) --active;
    if (active == 0) break;
    s.m = m;
    s.df = path.df[m];
    s.df_lag = path.df[m + model.lag];
    s.mortgage = path.mortgage_rate[m];
    s.seasonality = path.seasonality[m];
    s.default_factor = path.default_factor[m];
    s.month = m;
    s.month_lag = m + model.lag;
    if constexpr (kScurve) {
      ScurveMonth(active, loans.num_notes, s, loans.notes, loans.note_index,
                  loans.inv_b0, loans.age, scratch.balance, scratch.incentive,
                  scratch.smm);
    }
    Month<kScurve, kTrace>(active, s, model.smm_by_age, model.mdr_by_age,
                           scratch.smm, loans.rate_m, loans.net_m, loans.onep,
                           loans.age, loans.rem, scratch.balance, scratch.h,
                           out.pv, out.cf, out.loss, out.prin, out.walnum,
                           trace);
  }
}

void Dispatch(const KernelModel& model, const KernelLoans& loans,
              const KernelPath& path, KernelScratch scratch, KernelOut out) {
  if (model.scurve) {
    Project<true, false>(model, loans, path, scratch, out, nullptr);
  } else {
    Project<false, false>(model, loans, path, scratch, out, nullptr);
  }
}

}  // namespace

__attribute__((target_clones("avx2", "default"))) void ProjectBlock(
    const KernelModel& model, const KernelLoans& loans, const KernelPath& path,
    KernelScratch scratch, KernelOut out) {
  if (model.scurve) {
    Project<true, false>(model, loans, path, scratch, out, nullptr);
  } else {
    Project<false, false>(model, loans, path, scratch, out, nullptr);
  }
}

void ProjectBlockBaseline(const KernelModel& model, const KernelLoans& loans,
                          const KernelPath& path, KernelScratch scratch,
                          KernelOut out) {
  Dispatch(model, loans, path, scratch, out);
}

const char* KernelIsa() {
  return __builtin_cpu_supports("avx2") ? "avx2" : "baseline";
}

void ProjectTraced(const KernelModel& model, const KernelLoans& loans,
                   const KernelPath& path, KernelOut out,
                   std::vector<MonthTrace>* trace) {
  double bal = 0, h = 0, smm = 0, incentive = 0;
  KernelScratch scratch{&bal, &h, &smm, &incentive};
  KernelLoans one = loans;
  one.n = 1;
  one.num_notes = 1;
  one.notes = &loans.notes[loans.note_index[0]];
  const int32_t zero = 0;
  one.note_index = &zero;
  trace->clear();
  if (model.scurve) {
    Project<true, true>(model, one, path, scratch, out, trace);
  } else {
    Project<false, true>(model, one, path, scratch, out, trace);
  }
}

}  // namespace gridless::loan
