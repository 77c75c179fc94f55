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
  // "ltv" only: 1 / HPI at the start of the month, HPI at liquidation.
  double inv_hpi;
  double hpi_liq;
  double ltv_slope;
  double one_plus_cost;
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

// The "ltv" model's MDR of month m for loans [0, active), in its own short
// loop (like ScurveMonth's) so the CPU overlaps several loans' exp chains:
// a log-linear hazard in the mark-to-market LTV, ramped in over the first
// 30 months of age, with no branch so the loop vectorizes.
[[gnu::always_inline]] inline void LtvMonth(int active, const MonthShared& s,
                                            const double* __restrict inv_value,
                                            const double* __restrict logit_base,
                                            const int32_t* __restrict age,
                                            const double* __restrict bal,
                                            double* __restrict mdr) {
  for (int i = 0; i < active; ++i) {
    double ramp = static_cast<double>(age[i] + s.m) * (1.0 / 30.0);
    ramp = ramp < 1.0 ? ramp : 1.0;
    const double mtm = (bal[i] * inv_value[i]) * s.inv_hpi;
    const double x = logit_base[i] + s.ltv_slope * mtm;
    mdr[i] = (ramp * s.default_factor) * ExpDet(x);
  }
}

// Month m for loans [0, active).  Restrict parameters (kept by GCC through
// inlining) let it vectorize the loop, table lookups included.
template <bool kScurve, bool kLtv, bool kTrace>
[[gnu::always_inline]] inline void Month(
    int active, const MonthShared& s, const double* __restrict recovery_value,
    const double* __restrict ltv_mdr, const double* __restrict smm_by_age,
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
    double mdr;
    if constexpr (kLtv) {
      mdr = ltv_mdr[i];
    } else {
      mdr = mdr_by_age[ti] * s.default_factor;
    }
    mdr = mdr < 1.0 ? mdr : 1.0;
    const MonthFlows f =
        AmortizeMonth(bal[i], h[i], rate_m[i], net_m[i], smm, mdr, rem[i] == m);
    double recovery, lost;
    if constexpr (kLtv) {
      // The defaulted share mdr of the house, sold at the path's HPI of the
      // liquidation month less the foreclosure discount.
      const double proceeds = (mdr * recovery_value[i]) * s.hpi_liq;
      lost = f.defaulted * s.one_plus_cost - proceeds;
      lost = lost > 0.0 ? lost : 0.0;
      recovery = f.defaulted - lost;
    } else {
      recovery = s.recovered * f.defaulted;
      lost = s.severity * f.defaulted;
    }
    const double paid = (f.interest + f.scheduled) + f.prepaid;
    const double principal = f.scheduled + f.prepaid;
    if constexpr (kTrace) {
      trace->push_back(MonthTrace{bal[i], f.defaulted, f.interest, f.scheduled,
                                  f.prepaid, lost, recovery});
    }
    pv[i] += paid * s.df + recovery * s.df_lag;
    cf[i] += paid + recovery;
    loss[i] += lost;
    prin[i] += principal + recovery;
    walnum[i] += principal * s.month + recovery * s.month_lag;
    bal[i] = f.next_balance;
    h[i] *= onep[i];
  }
}

template <bool kScurve, bool kLtv, bool kTrace>
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
  s.ltv_slope = model.ltv_slope;
  s.one_plus_cost = 1.0 + model.liquidation_cost;
  s.inv_hpi = 1.0;
  s.hpi_liq = 1.0;
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
    if constexpr (kLtv) {
      s.inv_hpi = 1.0 / path.hpi[m - 1];
      s.hpi_liq = path.hpi[m + model.lag];
    }
    if constexpr (kScurve) {
      ScurveMonth(active, loans.num_notes, s, loans.notes, loans.note_index,
                  loans.inv_b0, loans.age, scratch.balance, scratch.incentive,
                  scratch.smm);
    }
    if constexpr (kLtv) {
      LtvMonth(active, s, loans.inv_value, loans.logit_base, loans.age,
               scratch.balance, scratch.mdr);
    }
    Month<kScurve, kLtv, kTrace>(
        active, s, loans.recovery_value, scratch.mdr, model.smm_by_age,
        model.mdr_by_age, scratch.smm, loans.rate_m, loans.net_m, loans.onep,
        loans.age, loans.rem, scratch.balance, scratch.h, out.pv, out.cf,
        out.loss, out.prin, out.walnum, trace);
  }
}

// The four model combinations, each its own instantiation (the sda/cdr
// ones are the code they were before the "ltv" model existed).
template <bool kTrace>
[[gnu::always_inline]] inline void Dispatch(
    const KernelModel& model, const KernelLoans& loans, const KernelPath& path,
    KernelScratch scratch, KernelOut out, std::vector<MonthTrace>* trace) {
  if (model.ltv) {
    if (model.scurve) {
      Project<true, true, kTrace>(model, loans, path, scratch, out, trace);
    } else {
      Project<false, true, kTrace>(model, loans, path, scratch, out, trace);
    }
  } else if (model.scurve) {
    Project<true, false, kTrace>(model, loans, path, scratch, out, trace);
  } else {
    Project<false, false, kTrace>(model, loans, path, scratch, out, trace);
  }
}

}  // namespace

__attribute__((target_clones("avx2", "default"))) void ProjectBlock(
    const KernelModel& model, const KernelLoans& loans, const KernelPath& path,
    KernelScratch scratch, KernelOut out) {
  Dispatch<false>(model, loans, path, scratch, out, nullptr);
}

void ProjectBlockBaseline(const KernelModel& model, const KernelLoans& loans,
                          const KernelPath& path, KernelScratch scratch,
                          KernelOut out) {
  Dispatch<false>(model, loans, path, scratch, out, nullptr);
}

const char* KernelIsa() {
  return __builtin_cpu_supports("avx2") ? "avx2" : "baseline";
}

void ProjectTraced(const KernelModel& model, const KernelLoans& loans,
                   const KernelPath& path, KernelOut out,
                   std::vector<MonthTrace>* trace) {
  double bal = 0, h = 0, smm = 0, incentive = 0, mdr = 0;
  KernelScratch scratch{&bal, &h, &smm, &incentive, &mdr};
  KernelLoans one = loans;
  one.n = 1;
  one.num_notes = 1;
  one.notes = &loans.notes[loans.note_index[0]];
  const int32_t zero = 0;
  one.note_index = &zero;
  trace->clear();
  Dispatch<true>(model, one, path, scratch, out, trace);
}

}  // namespace gridless::loan
