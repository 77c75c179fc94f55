#include "jobs/loan/loan_source.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "jobs/loan/gtape.h"

namespace gridless::loan {
namespace {

class TextTapeSource final : public LoanSource {
 public:
  explicit TextTapeSource(LoanTape tape) : tape_(std::move(tape)) {
    for (const Loan& l : tape_.loans) {
      max_remaining_ = std::max(max_remaining_, l.remaining);
      total_remaining_ += l.remaining;
    }
  }
  uint64_t size() const override { return tape_.loans.size(); }
  int32_t max_remaining() const override { return max_remaining_; }
  double total_remaining_months() const override { return total_remaining_; }
  const LoanTape& facts() const override { return tape_; }
  std::string format_name() const override {
    return std::string(TapeFormatName(tape_.format));
  }
  const Loan* Span(uint64_t first, int) const override {
    return &tape_.loans[first];
  }
  absl::Status Fill(uint64_t first, int n, Loan* out) const override {
    if (n < 0 || first > size() || static_cast<uint64_t>(n) > size() - first) {
      return absl::InvalidArgumentError(absl::StrCat(
          "loans [", first, ", +", n, ") outside the tape's ", size()));
    }
    std::copy_n(&tape_.loans[first], n, out);
    return absl::OkStatus();
  }
  std::string_view Id(uint64_t i) const override {
    return i < size() ? std::string_view(tape_.loans[i].id) : "";
  }

 private:
  const LoanTape tape_;
  int32_t max_remaining_ = 1;
  double total_remaining_ = 0;
};

class GtapeSource final : public LoanSource {
 public:
  explicit GtapeSource(std::unique_ptr<GtapeReader> reader)
      : reader_(std::move(reader)) {}
  uint64_t size() const override { return reader_->loans(); }
  int32_t max_remaining() const override { return reader_->max_remaining(); }
  double total_remaining_months() const override {
    return reader_->total_remaining_months();
  }
  const LoanTape& facts() const override { return reader_->facts(); }
  std::string format_name() const override { return "gtape"; }
  const Loan* Span(uint64_t, int) const override { return nullptr; }
  absl::Status Fill(uint64_t first, int n, Loan* out) const override {
    return reader_->Fill(first, n, out);
  }
  std::string_view Id(uint64_t i) const override { return reader_->Id(i); }

 private:
  const std::unique_ptr<GtapeReader> reader_;
};

}  // namespace

std::unique_ptr<LoanSource> LoanSourceFromTape(LoanTape tape) {
  return std::make_unique<TextTapeSource>(std::move(tape));
}

absl::StatusOr<std::unique_ptr<LoanSource>> OpenLoanSource(
    const std::string& path, const TapeOptions& options) {
  if (IsGtapeFile(path)) {
    if (options.format != TapeFormat::kAuto || options.as_of >= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "loan tape \"", path,
          "\" is a .gtape: its layout and as_of were fixed by convert-tape; "
          "drop the \"format\" and \"as_of\" parameters"));
    }
    auto reader = GtapeReader::Open(path);
    if (!reader.ok()) return reader.status();
    return std::make_unique<GtapeSource>(*std::move(reader));
  }
  auto tape = ReadTape(path, options);
  if (!tape.ok()) return tape.status();
  return LoanSourceFromTape(*std::move(tape));
}

}  // namespace gridless::loan
