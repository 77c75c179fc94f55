// The loan-mc hot loop: projects a block of loans over one rate path and
// returns each loan's path totals.  Months are the outer loop and loans the
// inner one, over structure-of-arrays inputs, so the inner loop vectorizes
// across loans (4 doubles per AVX2 instruction); everything a path shares
// (discount factors, mortgage rate, seasonality) is read once per month.
//
// ProjectBlock is compiled twice (GCC target_clones: AVX2 and the x86-64
// baseline) and picked at load time by the CPU.  The arithmetic is IEEE
// basic operations only (fast_math.h), without FMA contraction, so both
// clones and the single-loan trace give the same bits.
//
// Thread-safe: no shared state; callers own every buffer.
#ifndef GRIDLESS_JOBS_LOAN_KERNEL_H_
#define GRIDLESS_JOBS_LOAN_KERNEL_H_

#include <cstdint>
#include <vector>

namespace gridless::loan {

// Loans in kernel order (remaining term descending).  Arrays of length n.
struct KernelLoans {
  int n;
  const double* balance;
  const double* inv_b0;
  const double* rate_m;
  const double* net_m;
  const double* note;
  const double* onep;
  const double* h0;
  const int32_t* age;
  const int32_t* rem;
  // The distinct note rates of the block, and each loan's index into them.
  int num_notes;
  const double* notes;
  const int32_t* note_index;
  // The "ltv" default model's columns (loan_block.h); null without it.
  const double* inv_value = nullptr;
  const double* recovery_value = nullptr;
  const double* logit_base = nullptr;
};

// Model constants and the by-age tables (prepayment.h, default_model.h).
struct KernelModel {
  bool scurve;               // SMM from the S-curve, else smm_by_age
  const double* smm_by_age;  // [0..kAgeTableLast]
  const double* mdr_by_age;  // [0..kAgeTableLast]
  double severity;
  int lag;
  // The "ltv" default model (model_params.h CreditParams): defaults from
  // the mark-to-market LTV on the path's HPI, loss from the HPI at
  // liquidation, instead of mdr_by_age and severity.
  bool ltv = false;
  double ltv_slope = 0;
  double liquidation_cost = 0;
};

// One path (scenario.h).  Arrays indexed by month 0..months, where months
// >= the longest remaining term + lag.
struct KernelPath {
  int months;
  const double* df;
  const double* mortgage_rate;
  const double* seasonality;
  const double* default_factor;
  // [0..months] house price index; read only by the "ltv" model.
  const double* hpi = nullptr;
};

// Per-loan totals over the path (arrays of length n, overwritten):
//   pv     sum over months of (interest + SP + PP) df_m + recovery df_{m+lag}
//   cf     undiscounted cash flow (interest + SP + PP + recovery)
//   loss   severity x defaulted balance ("ltv": max(0, D (1 + cost) -
//          proceeds of the house at month m + lag))
//   prin   principal returned (SP + PP + recovery)
//   walnum principal x month it is returned (WAL numerator, months)
struct KernelOut {
  double* pv;
  double* cf;
  double* loss;
  double* prin;
  double* walnum;
};

// Scratch of length n each: the running balance, (1+r)^-rem, the month's
// S-curve SMM and refinancing incentive per distinct note rate, and the
// "ltv" model's MDR (may be null without it).
struct KernelScratch {
  double* balance;
  double* h;
  double* smm;
  double* incentive;
  double* mdr = nullptr;
};

void ProjectBlock(const KernelModel& model, const KernelLoans& loans,
                  const KernelPath& path, KernelScratch scratch, KernelOut out);
// The same function compiled for the baseline only (benchmarks, tests).
void ProjectBlockBaseline(const KernelModel& model, const KernelLoans& loans,
                          const KernelPath& path, KernelScratch scratch,
                          KernelOut out);
// "avx2" or "baseline": the clone ProjectBlock runs on this CPU.
const char* KernelIsa();

// One month of one loan, as the trace records it.
struct MonthTrace {
  double balance;  // performing balance at the start of the month
  double defaulted;
  double interest;
  double scheduled;
  double prepaid;
  double loss;      // loss on this month's default (booked at m + lag)
  double recovery;  // its recovery, defaulted - loss
};

// Projects loan 0 of `loans` (n must be 1) exactly as ProjectBlock does,
// recording every month 1..rem in `trace` and the totals in `out`.
void ProjectTraced(const KernelModel& model, const KernelLoans& loans,
                   const KernelPath& path, KernelOut out,
                   std::vector<MonthTrace>* trace);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_KERNEL_H_
