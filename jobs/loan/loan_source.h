// Where a loan-mc job's loans come from: a text tape read whole (tape.h) or
// a memory-mapped .gtape (gtape.h) read block by block.  The coordinator
// plans from size() and the remaining-term summary; a worker's runner asks
// for its task's loans only.
//
// Thread-safety: immutable after construction; every method may be called
// from any number of threads.
#ifndef GRIDLESS_JOBS_LOAN_LOAN_SOURCE_H_
#define GRIDLESS_JOBS_LOAN_LOAN_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "jobs/loan/loan.h"
#include "jobs/loan/tape.h"

namespace gridless::loan {

class LoanSource {
 public:
  virtual ~LoanSource() = default;

  virtual uint64_t size() const = 0;
  // Longest remaining term and the sum of remaining terms, in months.
  virtual int32_t max_remaining() const = 0;
  virtual double total_remaining_months() const = 0;
  // Rows read, skipped (with reasons and examples), inactive loans; its
  // `loans` may be empty (a .gtape does not hold them as Loans).
  virtual const LoanTape& facts() const = 0;
  // "fannie-sflp", ..., or "gtape" for a columnar file.
  virtual std::string format_name() const = 0;

  // Loans [first, first + n) in place when the source holds them as Loans
  // (a text tape), else nullptr: call Fill.
  virtual const Loan* Span(uint64_t first, int n) const = 0;
  // Copies loans [first, first + n) into out[0..n).  INVALID_ARGUMENT
  // naming the loan and field for a value outside the readers' ranges.
  virtual absl::Status Fill(uint64_t first, int n, Loan* out) const = 0;
  // Loan i's id ("" when out of range).
  virtual std::string_view Id(uint64_t i) const = 0;
};

// A source over a text tape already read.
std::unique_ptr<LoanSource> LoanSourceFromTape(LoanTape tape);

// Opens `path`: a .gtape when it starts with the .gtape magic (then
// `options` must be the defaults: layout, skipping and as_of were applied by
// convert-tape; INVALID_ARGUMENT otherwise), else ReadTape(path, options).
absl::StatusOr<std::unique_ptr<LoanSource>> OpenLoanSource(
    const std::string& path, const TapeOptions& options);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_LOAN_SOURCE_H_
