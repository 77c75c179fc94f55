// Loan tapes: reading the layouts risk teams have (Fannie Mae Single-Family
// Loan Performance, the legacy Fannie Mae acquisition file, Freddie Mac's
// origination file, a plain CSV with a header) into Loans.
//
// A bad row is reported with the file, line, field and value.  By default
// the first bad row fails the read (the job is refused before any task
// runs); with skip_bad_rows the row is skipped and counted by problem.
//
// ReadTape is deterministic: the same file gives the same loans in the same
// order (the job's Plan on the coordinator and Prepare on every worker rely
// on it).  A LoanTape is immutable once returned; thread-safe to share.
#ifndef GRIDLESS_JOBS_LOAN_TAPE_H_
#define GRIDLESS_JOBS_LOAN_TAPE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "jobs/loan/loan.h"

namespace gridless::loan {

enum class TapeFormat { kAuto, kFannieSflp, kFannieAcq, kFreddieOrig, kCsv };

// "auto", "fannie-sflp", "fannie-acq", "freddie-orig", "csv".
std::string_view TapeFormatName(TapeFormat f);
// INVALID_ARGUMENT listing the names.
absl::StatusOr<TapeFormat> ParseTapeFormat(std::string_view name);

// Why a row was refused.
enum class RowProblem {
  kWrongFieldCount,
  kBlankField,
  kBadNumber,
  kBadDate,
  kOutOfRange,
  kRateUnits,  // a percent where a decimal is expected, or the reverse
  kArmUnsupported,
  kBadValue,     // a code not in the layout's list (e.g. PRODUCT "XYZ")
  kLineTooLong,  // a line longer than kMaxTapeLineBytes
};
inline constexpr int kNumRowProblems = 9;
// The longest tape line read: a longer line is a bad row (its bytes are
// skipped, never buffered), so a tape without newlines cannot grow memory.
inline constexpr size_t kMaxTapeLineBytes = size_t{1} << 20;
// "wrong_field_count", "blank_field", "bad_number", ...
std::string_view RowProblemName(RowProblem p);

struct TapeOptions {
  TapeFormat format = TapeFormat::kAuto;
  bool skip_bad_rows = false;
  // Origination layouts (fannie-acq, freddie-orig) only: the month to
  // project from, as year * 12 + month - 1; loans are aged to it along their
  // schedule.  -1 = project every loan from origination (age 0).
  int as_of = -1;
};

struct LoanTape {
  TapeFormat format = TapeFormat::kAuto;  // the layout actually read
  std::vector<Loan> loans;
  int64_t rows = 0;          // data rows read (header excluded)
  int64_t skipped_rows = 0;  // bad rows skipped (skip_bad_rows only)
  std::array<int64_t, kNumRowProblems> skipped_by_problem{};
  // The first few skipped rows' messages, for the job's result.
  std::vector<std::string> skipped_examples;
  // Loans not projected because they are no longer active: paid off or
  // liquidated (a Zero_Bal_Code), or matured before as_of.
  int64_t inactive_loans = 0;
};

// NOT_FOUND when the file does not exist; INVALID_ARGUMENT naming the path
// when it is not a regular file (a directory, a FIFO, /dev/zero: checked
// before anything is read, and a FIFO is opened without blocking), for a
// bad row (unless skipped; a line longer than kMaxTapeLineBytes is one), an
// undetectable layout, or a tape without any loan.
absl::StatusOr<LoanTape> ReadTape(const std::string& path,
                                  const TapeOptions& options);

// Parses "YYYY-MM" or "YYYYMM" into year * 12 + month - 1.
absl::StatusOr<int> ParseYearMonth(std::string_view text);

// The layout ReadTape's "auto" would pick for the file at `path`, from its
// first line only (the run manifest reports it without reading the rows).
absl::StatusOr<TapeFormat> DetectTapeFormatOfFile(const std::string& path);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_TAPE_H_
