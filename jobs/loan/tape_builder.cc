#include "jobs/loan/tape_builder.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "jobs/loan/amortization.h"

namespace gridless::loan {

bool LineSource::Next(std::string_view* line) {
  if (!std::getline(in_, buffer_)) return false;
  ++number_;
  if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
  *line = buffer_;
  return true;
}

absl::Status TapeBuilder::Bad(const BadRow& row) {
  if (!options_.skip_bad_rows) {
    return absl::InvalidArgumentError(
        std::string(row.message) +
        " (set \"skip_bad_rows\": true to skip such rows)");
  }
  ++tape_->skipped_rows;
  ++tape_->skipped_by_problem[static_cast<int>(row.problem)];
  if (tape_->skipped_examples.size() < 5) {
    tape_->skipped_examples.push_back(row.message);
  }
  return absl::OkStatus();
}

bool TapeBuilder::AgeToAsOf(Loan* loan, int first_payment_month) const {
  loan->age = 0;
  loan->balance = loan->orig_balance;
  loan->remaining = loan->term;
  if (options_.as_of < 0) return true;
  int age = options_.as_of - first_payment_month;
  if (age < 0) age = 0;
  if (age >= loan->term) return false;
  loan->age = age;
  loan->remaining = loan->term - age;
  loan->balance =
      ScheduledBalance(loan->orig_balance, loan->rate / 12.0, loan->term, age);
  return true;
}

absl::Status ForEachPipeRow(
    LineSource& lines, TapeBuilder& out,
    std::initializer_list<size_t> field_counts, std::string_view layout,
    const std::function<absl::Status(RowReader&)>& per_row) {
  std::vector<std::string_view> fields;
  std::string_view line;
  while (lines.Next(&line)) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    out.CountRow();
    SplitFields(line, '|', &fields);
    RowReader r(lines.file(), lines.line_number(), fields);
    if (std::find(field_counts.begin(), field_counts.end(), fields.size()) ==
        field_counts.end()) {
      r.FailRow(RowProblem::kWrongFieldCount,
                absl::StrCat(fields.size(), " fields, expected ",
                             absl::StrJoin(field_counts, " or "), " (",
                             std::string(layout), ")"));
      if (auto s = out.Bad(r.error()); !s.ok()) return s;
      continue;
    }
    if (auto s = per_row(r); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status AddOriginationRow(RowReader& r, Loan loan, int first_payment_month,
                               TapeBuilder& out) {
  if (!r.ok()) return out.Bad(r.error());
  if (out.AgeToAsOf(&loan, first_payment_month)) {
    out.Add(std::move(loan));
  } else {
    out.Inactive();
  }
  return absl::OkStatus();
}

}  // namespace gridless::loan
