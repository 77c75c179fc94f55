// Field-level parsing of one tape row, shared by the layout readers.
//
// A RowReader wraps one row (already split into fields); each getter parses
// one field and, on the first problem, records a BadRow naming the file,
// line, field (name and 1-based column) and value, then returns a neutral
// value.  Readers parse the whole row straight through and check ok() once:
//   RowReader r(file, line, fields);
//   double upb = r.Number(10, "ORIG_UPB", 1, 1e9);
//   if (!r.ok()) return sink.Bad(r.error());
//
// Not thread-safe; one per row.  Does not own the fields.
#ifndef GRIDLESS_JOBS_LOAN_TAPE_ROW_H_
#define GRIDLESS_JOBS_LOAN_TAPE_ROW_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/loan/tape.h"

namespace gridless::loan {

struct BadRow {
  RowProblem problem;
  std::string message;  // "FILE:LINE: field NAME (column C): value "V": why"
};

enum class DateLayout { kMMYYYY, kMM_slash_YYYY, kYYYYMM };
enum class RateUnit { kPercent, kDecimal };

// Splits `line` at `sep` (no quoting) into `out`.
void SplitFields(std::string_view line, char sep,
                 std::vector<std::string_view>* out);
// Splits a CSV line: fields may be "quoted", with "" for a quote.  Quoted
// fields are unquoted into `storage`.
void SplitCsv(std::string_view line, std::vector<std::string>* storage,
              std::vector<std::string_view>* out);

class RowReader {
 public:
  RowReader(std::string_view file, int64_t line,
            const std::vector<std::string_view>& fields)
      : file_(file), line_(line), fields_(fields) {}

  size_t size() const { return fields_.size(); }
  // The field at 1-based `pos`, trimmed of spaces; "" beyond the end.
  std::string_view Raw(int pos) const;
  bool Blank(int pos) const { return Raw(pos).empty(); }

  // A required, non-blank field.
  std::string_view Text(int pos, std::string_view name);
  // A required number in [min, max].
  double Number(int pos, std::string_view name, double min, double max);
  // An optional number: `missing` when blank or one of the `sentinels`
  // (the layouts' "not available" codes such as 999 or 9999).
  double OptionalNumber(int pos, std::string_view name, double min, double max,
                        double missing,
                        std::initializer_list<double> sentinels = {});
  // A required whole number in [min, max].
  int Integer(int pos, std::string_view name, int min, int max);
  int OptionalInteger(int pos, std::string_view name, int min, int max,
                      int missing);
  // A required date as year * 12 + month - 1.
  int Month(int pos, std::string_view name, DateLayout layout);
  // A required note rate, returned as a decimal.  Refuses the other unit:
  // percent layouts give 4.25 (and refuse 0.0425), CSV gives 0.0425 (and
  // refuses 4.25).
  double Rate(int pos, std::string_view name, RateUnit unit);
  // Fixed-rate check: "ARM" is refused as unsupported, `allowed` (and
  // blank) pass, anything else is a bad value.
  void FixedRateProduct(int pos, std::string_view name,
                        std::initializer_list<std::string_view> allowed);

  // Records a problem (the first one wins).
  void Fail(RowProblem problem, int pos, std::string_view name,
            std::string_view reason);
  // A row-level problem that is not about one field.
  void FailRow(RowProblem problem, std::string_view reason);

  bool ok() const { return !failed_; }
  const BadRow& error() const { return error_; }
  std::string_view file() const { return file_; }
  int64_t line() const { return line_; }

 private:
  bool ParseDouble(int pos, std::string_view name, double* out);

  std::string_view file_;
  int64_t line_;
  const std::vector<std::string_view>& fields_;
  bool failed_ = false;
  BadRow error_;
};

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_TAPE_ROW_H_
