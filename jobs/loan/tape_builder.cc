#include "jobs/loan/tape_builder.h"

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

}  // namespace gridless::loan
