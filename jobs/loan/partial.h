// The partial result of loan-mc tasks, and its deterministic merge.
//
// A partial covers a range of paths (per-path portfolio accumulators) and,
// when per-loan output is asked, a range of loans (per-loan sums over
// paths).  Never loans x paths.  Merging two partials covers the union of
// their ranges; a slot a side does not cover counts as zero, so every slot
// of the result is a fixed expression of the task partials, and the fixed
// reduction tree (jobs/tree_reducer.h) makes the result bit-identical for
// any worker count and arrival order.
//
// Encoding: a fixed header, then the per-path array, the per-loan array and
// the skipped-row examples (text).  Workers and the coordinator run the
// same build (pod_codec.h), so the layout is the in-memory one.
//
// A plain value; not thread-safe.
#ifndef GRIDLESS_JOBS_LOAN_PARTIAL_H_
#define GRIDLESS_JOBS_LOAN_PARTIAL_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "jobs/loan/tape.h"

namespace gridless::loan {

// Per-path accumulators, summed over the loans of the tape.
enum PathField {
  kPathPv,      // sum of discounted cash flows
  kPathCf,      // undiscounted cash flow
  kPathLoss,    // credit loss
  kPathPrin,    // principal returned
  kPathWalNum,  // principal x month returned
  kPathDf1,     // discount factor at 1, 5, 10 and 30 years: only the
  kPathDf5,     // tasks of the first loan block add them, so each path
  kPathDf10,    // holds its own discount factors once
  kPathDf30,
  kNumPathFields
};
inline constexpr int kDiscountCheckYears[4] = {1, 5, 10, 30};

// Per-loan sums over paths.
enum LoanField { kLoanPv, kLoanPv2, kLoanLoss, kNumLoanFields };

struct PartialHeader {
  uint64_t magic;
  uint64_t path_begin, path_end;  // per-path range covered
  uint64_t loan_begin, loan_end;  // per-loan range covered (empty if off)
  uint64_t loan_path_months;      // loan-months projected x paths
  uint64_t loans;                 // loans covered (counted once per loan)
  // Tape facts, reported by the task of the first loan and path block.
  uint64_t tape_rows;
  uint64_t skipped_rows;
  uint64_t inactive_loans;
  std::array<uint64_t, kNumRowProblems> skipped_by_problem;
  uint64_t text_bytes;  // skipped-row examples, '\n'-separated
};

struct LoanPartial {
  PartialHeader header{};
  std::vector<double> paths;  // (path_end - path_begin) x kNumPathFields
  std::vector<double> loans;  // (loan_end - loan_begin) x kNumLoanFields
  std::string examples;

  LoanPartial();
  double& path(uint64_t p, int field) {
    return paths[(p - header.path_begin) * kNumPathFields + field];
  }
  double& loan(uint64_t l, int field) {
    return loans[(l - header.loan_begin) * kNumLoanFields + field];
  }
  // Sizes the arrays (zeroed) for the given ranges.
  void Reset(uint64_t path_begin, uint64_t path_end, uint64_t loan_begin,
             uint64_t loan_end);

  std::string Encode() const;
  // DATA_LOSS when the bytes are not a loan-mc partial.
  static absl::StatusOr<LoanPartial> Decode(std::string_view bytes);
};

// a (+) b, a covering lower task indices.
LoanPartial MergePartials(const LoanPartial& a, const LoanPartial& b);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_PARTIAL_H_
