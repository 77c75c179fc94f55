// Internal to the tape readers: reading lines, collecting loans and bad
// rows under the skip policy, and the reader of each layout.
//
// Not thread-safe; one per ReadTape call.
#ifndef GRIDLESS_JOBS_LOAN_TAPE_BUILDER_H_
#define GRIDLESS_JOBS_LOAN_TAPE_BUILDER_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <istream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "jobs/loan/tape.h"
#include "jobs/loan/tape_row.h"

namespace gridless::loan {

// Lines of a file, numbered from 1, with a trailing '\r' removed.  A line
// longer than kMaxTapeLineBytes is not buffered: Next skips its bytes and
// returns it empty with too_long() set, so the reader reports it as a bad
// row (TapeBuilder::TooLong).
class LineSource {
 public:
  LineSource(std::istream& in, std::string file)
      : in_(in), file_(std::move(file)) {}
  // The next line, valid until the next call; false at the end.
  bool Next(std::string_view* line);
  bool too_long() const { return too_long_; }
  int64_t line_number() const { return number_; }
  const std::string& file() const { return file_; }

 private:
  // Appends up to one chunk from the stream; false at its end.
  bool Fill();

  std::istream& in_;
  std::string file_;
  std::string chunk_;  // bytes read, from pos_ on not yet returned
  size_t pos_ = 0;
  bool too_long_ = false;
  int64_t number_ = 0;
};

class TapeBuilder {
 public:
  TapeBuilder(const TapeOptions& options, LoanTape* tape)
      : options_(options), tape_(tape) {}

  const TapeOptions& options() const { return options_; }
  LoanTape& tape() { return *tape_; }
  // A data row was read.
  void CountRow() { ++tape_->rows; }
  // A bad row: INVALID_ARGUMENT with its message unless skipping, in which
  // case it is counted and OK is returned.
  absl::Status Bad(const BadRow& row);
  // The line `lines` just returned was too long: a data row, and a bad one
  // ("FILE:LINE: line longer than ... bytes").
  absl::Status TooLong(const LineSource& lines);
  void Add(Loan loan) { tape_->loans.push_back(std::move(loan)); }
  void Inactive() { ++tape_->inactive_loans; }
  // Origination layouts: ages `loan` from its first payment month to
  // options().as_of along its schedule (balance, age, remaining).  False
  // when it has matured by then.
  bool AgeToAsOf(Loan* loan, int first_payment_month) const;

 private:
  TapeOptions options_;
  LoanTape* tape_;
};

// The row loop of the pipe-delimited layouts: skips blank lines, counts
// every other line as a row, reports a row whose field count is not one of
// `field_counts` as a bad row ("N fields, expected A or B (LAYOUT)"), and
// calls `per_row` with a RowReader over the others.  Stops at the first
// error of out.Bad or per_row.
absl::Status ForEachPipeRow(
    LineSource& lines, TapeBuilder& out,
    std::initializer_list<size_t> field_counts, std::string_view layout,
    const std::function<absl::Status(RowReader&)>& per_row);
// An origination row read into `loan`: a bad row if `r` failed, else the
// loan aged to as_of (or counted inactive when matured).
absl::Status AddOriginationRow(RowReader& r, Loan loan, int first_payment_month,
                               TapeBuilder& out);

absl::StatusOr<TapeFormat> DetectTapeFormat(std::string_view first_line,
                                            std::string_view file);
absl::Status ReadFannieSflp(LineSource& lines, TapeBuilder& out);
absl::Status ReadFannieAcq(LineSource& lines, TapeBuilder& out);
absl::Status ReadFreddieOrig(LineSource& lines, TapeBuilder& out);
absl::Status ReadCsvTape(LineSource& lines, TapeBuilder& out);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_TAPE_BUILDER_H_
