#include "jobs/loan/tape_builder.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "jobs/loan/amortization.h"

namespace gridless::loan {

bool LineSource::Fill() {
  constexpr size_t kChunk = 64 << 10;
  if (pos_ > 0) {
    chunk_.erase(0, pos_);
    pos_ = 0;
  }
  const size_t old = chunk_.size();
  chunk_.resize(old + kChunk);
  in_.read(chunk_.data() + old, kChunk);
  chunk_.resize(old + static_cast<size_t>(in_.gcount()));
  return chunk_.size() > old;
}

bool LineSource::Next(std::string_view* line) {
  too_long_ = false;
  size_t scanned = 0;  // bytes from pos_ known to hold no newline
  for (;;) {
    const char* begin = chunk_.data() + pos_;
    const size_t avail = chunk_.size() - pos_;
    const void* nl = std::memchr(begin + scanned, '\n', avail - scanned);
    if (nl != nullptr) {
      const size_t length = static_cast<const char*>(nl) - begin;
      pos_ += length + 1;
      *line = too_long_ || length > kMaxTapeLineBytes
                  ? std::string_view()
                  : std::string_view(begin, length);
      too_long_ = too_long_ || length > kMaxTapeLineBytes;
      break;
    }
    scanned = avail;
    if (avail > kMaxTapeLineBytes) {  // drop the bytes, remember why
      too_long_ = true;
      pos_ = chunk_.size();
      scanned = 0;
    }
    if (!Fill()) {
      // The last line, without a newline (or the end of the file).
      const size_t rest = chunk_.size() - pos_;
      if (rest == 0 && !too_long_) return false;
      *line = too_long_ ? std::string_view()
                        : std::string_view(chunk_.data() + pos_, rest);
      pos_ = chunk_.size();
      break;
    }
    // Fill moved the unread bytes to the front.
  }
  ++number_;
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
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

absl::Status TapeBuilder::TooLong(const LineSource& lines) {
  CountRow();
  return Bad({RowProblem::kLineTooLong,
              absl::StrCat(lines.file(), ":", lines.line_number(),
                           ": line longer than ", kMaxTapeLineBytes,
                           " bytes (a tape row is a few hundred)")});
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
    if (lines.too_long()) {
      if (auto s = out.TooLong(lines); !s.ok()) return s;
      continue;
    }
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
