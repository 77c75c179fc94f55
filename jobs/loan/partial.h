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
// Partials come from workers and are hostile: Decode checks every range and
// size against the job (PartialLimits) with overflow-safe arithmetic before
// allocating anything, so a forged header can neither make MergePartials
// write past its arrays nor make it allocate more than the job's own paths
// and loans need.
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

// What a partial of one job may cover.
struct PartialLimits {
  uint64_t paths = 0;  // the job's paths: path ranges end at or below it
  // Loan ranges end at or below it: 0 when the job has no per-loan output
  // (every loan range must then be empty), else an upper bound on the
  // tape's loans.  Merge cannot afford to read the tape, so the kind passes
  // a bound from the tape's size (LoanBoundFromTapeBytes).
  uint64_t loans = 0;
};

// The most loans a tape of `bytes` bytes can hold: a loan is a row of at
// least kMinLoanRowBytes bytes (4 required CSV fields, 3 commas and a
// newline, fewer than the shortest pipe-delimited row).  So the per-loan
// array a partial may claim is at most 6 bytes of doubles per tape byte,
// less than the tape read in Plan takes.
inline constexpr uint64_t kMinLoanRowBytes = 4;
inline uint64_t LoanBoundFromTapeBytes(uint64_t bytes) {
  return bytes / kMinLoanRowBytes + 1;
}

// The skipped-row examples a partial (or a merge) may carry: 5 examples of
// at most one tape line each (kMaxTapeLineBytes), with their messages.
inline constexpr uint64_t kMaxExampleBytes = 6 << 20;

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
  // INVALID_ARGUMENT naming the problem when the bytes are not a loan-mc
  // partial of a job with these limits: a short buffer, a bad magic, a
  // range with begin > end or end past its limit, examples past
  // kMaxExampleBytes, or a size that does not match the header.
  static absl::StatusOr<LoanPartial> Decode(std::string_view bytes,
                                            const PartialLimits& limits);
};

// a (+) b, a covering lower task indices.  Both were decoded against the
// same limits, so the union of their ranges is within them.
// INVALID_ARGUMENT when a count overflows or the examples outgrow
// kMaxExampleBytes.
absl::StatusOr<LoanPartial> MergePartials(const LoanPartial& a,
                                          const LoanPartial& b);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_PARTIAL_H_
