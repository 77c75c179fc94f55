#include "jobs/loan/loan_runner.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "jobs/loan/default_model.h"
#include "jobs/loan/kernel.h"
#include "jobs/loan/loan_block.h"
#include "jobs/loan/prepayment.h"
#include "jobs/pod_codec.h"

namespace gridless::loan {
namespace {

// Loans projected together by one kernel call: their state (18 arrays of
// 128 doubles) stays in the L1 cache while the task's paths stream by.
constexpr int kSubBlock = 128;

}  // namespace

LoanMcRunner::LoanMcRunner(LoanJobParams params, LoanTape tape)
    : LoanMcRunner(std::move(params), LoanSourceFromTape(std::move(tape))) {}

LoanMcRunner::LoanMcRunner(LoanJobParams params,
                           std::unique_ptr<const LoanSource> loans)
    : params_(std::move(params)),
      source_(std::move(loans)),
      layout_(MakeTaskLayout(params_, static_cast<int64_t>(source_->size()),
                             source_->max_remaining(),
                             source_->total_remaining_months())),
      smm_by_age_(SmmByAge(params_.model)),
      mdr_by_age_(MdrByAge(params_.model)),
      scenarios_(params_.model, layout_.horizon) {}

absl::StatusOr<std::string> LoanMcRunner::Run(const TaskContext& task) {
  auto range = DecodePod<TaskRange>(task.payload, "loan-mc task");
  if (!range.ok()) return range.status();
  auto partial = RunRange(*range, task.cancel);
  if (!partial.ok()) return partial.status();
  return partial->Encode();
}

absl::StatusOr<LoanPartial> LoanMcRunner::RunRange(
    const TaskRange& r, const CancelToken* cancel) const {
  const LoanTape& facts = source_->facts();
  if (r.loan_begin >= r.loan_end || r.loan_end > source_->size() ||
      r.path_begin >= r.path_end ||
      r.path_end > static_cast<uint64_t>(params_.paths)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "loan-mc task: loans [", r.loan_begin, ", ", r.loan_end, ") paths [",
        r.path_begin, ", ", r.path_end, ") outside the job's ", source_->size(),
        " loans and ", params_.paths,
        " paths (was the tape changed after the job was planned?)"));
  }
  const int64_t num_paths = r.path_end - r.path_begin;
  LoanPartial part;
  part.Reset(r.path_begin, r.path_end, params_.per_loan ? r.loan_begin : 0,
             params_.per_loan ? r.loan_end : 0);

  // The rate paths of the block, generated once and shared by every loan.
  std::vector<PathScenario> paths(num_paths);
  for (int64_t k = 0; k < num_paths; ++k) {
    scenarios_.Build(params_.seed, r.path_begin + k, &paths[k]);
  }
  if (r.loan_begin == 0) {
    for (int64_t k = 0; k < num_paths; ++k) {
      for (int j = 0; j < 4; ++j) {
        part.path(r.path_begin + k, kPathDf1 + j) =
            paths[k].df[12 * kDiscountCheckYears[j]];
      }
    }
  }

  const ModelParams& m = params_.model;
  const bool ltv = m.defaults == DefaultModel::kLtv;
  KernelModel model{m.prepay == PrepayModel::kScurve,
                    smm_by_age_.data(),
                    mdr_by_age_.data(),
                    m.severity,
                    m.lag,
                    ltv,
                    m.credit.ltv_slope,
                    m.credit.liquidation_cost};
  std::vector<double> buffers(10 * kSubBlock);
  std::vector<Loan> copied;  // a sub-block of a source that copies (.gtape)
  double* b = buffers.data();
  KernelScratch scratch{b, b + kSubBlock, b + 2 * kSubBlock, b + 3 * kSubBlock,
                        b + 9 * kSubBlock};
  KernelOut out{b + 4 * kSubBlock, b + 5 * kSubBlock, b + 6 * kSubBlock,
                b + 7 * kSubBlock, b + 8 * kSubBlock};
  for (uint64_t first = r.loan_begin; first < r.loan_end; first += kSubBlock) {
    const int n =
        static_cast<int>(std::min<uint64_t>(kSubBlock, r.loan_end - first));
    const Loan* span = source_->Span(first, n);
    if (span == nullptr) {
      copied.resize(n);
      if (auto s = source_->Fill(first, n, copied.data()); !s.ok()) return s;
      span = copied.data();
    }
    const LoanBlock block =
        MakeLoanBlock(span, n, m.servicing_fee, ltv ? &m.credit : nullptr);
    const KernelLoans loans = block.View();
    for (int64_t k = 0; k < num_paths; ++k) {
      if (cancel != nullptr && cancel->cancelled()) {
        return absl::CancelledError("loan-mc task cancelled");
      }
      const PathScenario& s = paths[k];
      KernelPath path{s.months,
                      s.df.data(),
                      s.mortgage_rate.data(),
                      s.seasonality.data(),
                      s.default_factor.data(),
                      ltv ? s.hpi.data() : nullptr};
      ProjectBlock(model, loans, path, scratch, out);
      double sums[5] = {0, 0, 0, 0, 0};
      for (int i = 0; i < n; ++i) {
        sums[0] += out.pv[i];
        sums[1] += out.cf[i];
        sums[2] += out.loss[i];
        sums[3] += out.prin[i];
        sums[4] += out.walnum[i];
      }
      const uint64_t p = r.path_begin + k;
      part.path(p, kPathPv) += sums[0];
      part.path(p, kPathCf) += sums[1];
      part.path(p, kPathLoss) += sums[2];
      part.path(p, kPathPrin) += sums[3];
      part.path(p, kPathWalNum) += sums[4];
      if (params_.per_loan) {
        for (int i = 0; i < n; ++i) {
          const uint64_t l = first + block.order[i];
          part.loan(l, kLoanPv) += out.pv[i];
          part.loan(l, kLoanPv2) += out.pv[i] * out.pv[i];
          part.loan(l, kLoanLoss) += out.loss[i];
        }
      }
    }
    part.header.loan_path_months += block.loan_months * num_paths;
  }
  if (r.path_begin == 0) part.header.loans = r.loan_end - r.loan_begin;
  if (r.path_begin == 0 && r.loan_begin == 0) {
    PartialHeader& h = part.header;
    h.tape_rows = facts.rows;
    h.skipped_rows = facts.skipped_rows;
    h.inactive_loans = facts.inactive_loans;
    for (int i = 0; i < kNumRowProblems; ++i) {
      h.skipped_by_problem[i] = facts.skipped_by_problem[i];
    }
    for (const auto& e : facts.skipped_examples) {
      absl::StrAppend(&part.examples, e, "\n");
    }
  }
  return part;
}

}  // namespace gridless::loan
