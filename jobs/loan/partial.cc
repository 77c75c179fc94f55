#include "jobs/loan/partial.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace gridless::loan {
namespace {

constexpr uint64_t kMagic = 0x4C4F414E4D430002ull;  // "LOANMC", version 2

// Adds `src` (covering [sb, se) with `width` fields per slot) into `dst`
// (covering [db, de)).
void AddRange(const std::vector<double>& src, uint64_t sb, uint64_t se,
              std::vector<double>* dst, uint64_t db, int width) {
  if (se <= sb) return;
  size_t offset = (sb - db) * width;
  size_t count = (se - sb) * width;
  for (size_t i = 0; i < count; ++i) (*dst)[offset + i] += src[i];
}

// The union of two ranges; an empty range does not extend the other.
void Union(uint64_t ab, uint64_t ae, uint64_t bb, uint64_t be, uint64_t* ob,
           uint64_t* oe) {
  if (ae <= ab) {
    *ob = bb;
    *oe = be;
  } else if (be <= bb) {
    *ob = ab;
    *oe = ae;
  } else {
    *ob = std::min(ab, bb);
    *oe = std::max(ae, be);
  }
}

}  // namespace

LoanPartial::LoanPartial() { header.magic = kMagic; }

void LoanPartial::Reset(uint64_t path_begin, uint64_t path_end,
                        uint64_t loan_begin, uint64_t loan_end) {
  header.path_begin = path_begin;
  header.path_end = path_end;
  header.loan_begin = loan_begin;
  header.loan_end = loan_end;
  paths.assign((path_end - path_begin) * kNumPathFields, 0.0);
  loans.assign(
      loan_end > loan_begin ? (loan_end - loan_begin) * kNumLoanFields : 0,
      0.0);
}

std::string LoanPartial::Encode() const {
  PartialHeader h = header;
  h.text_bytes = examples.size();
  std::string out;
  out.resize(sizeof(h) + paths.size() * sizeof(double) +
             loans.size() * sizeof(double) + examples.size());
  char* p = out.data();
  std::memcpy(p, &h, sizeof(h));
  p += sizeof(h);
  if (!paths.empty())
    std::memcpy(p, paths.data(), paths.size() * sizeof(double));
  p += paths.size() * sizeof(double);
  if (!loans.empty())
    std::memcpy(p, loans.data(), loans.size() * sizeof(double));
  p += loans.size() * sizeof(double);
  if (!examples.empty()) std::memcpy(p, examples.data(), examples.size());
  return out;
}

absl::StatusOr<LoanPartial> LoanPartial::Decode(std::string_view bytes) {
  LoanPartial out;
  if (bytes.size() < sizeof(PartialHeader)) {
    return absl::DataLossError(absl::StrCat("loan-mc partial: ", bytes.size(),
                                            " bytes, shorter than its header"));
  }
  std::memcpy(&out.header, bytes.data(), sizeof(PartialHeader));
  const PartialHeader& h = out.header;
  if (h.magic != kMagic || h.path_end < h.path_begin ||
      h.loan_end < h.loan_begin) {
    return absl::DataLossError("loan-mc partial: bad header");
  }
  uint64_t np = (h.path_end - h.path_begin) * kNumPathFields;
  uint64_t nl = (h.loan_end - h.loan_begin) * kNumLoanFields;
  uint64_t want =
      sizeof(PartialHeader) + (np + nl) * sizeof(double) + h.text_bytes;
  if (np > bytes.size() || nl > bytes.size() || bytes.size() != want) {
    return absl::DataLossError(absl::StrCat("loan-mc partial: ", bytes.size(),
                                            " bytes, expected ", want));
  }
  const char* p = bytes.data() + sizeof(PartialHeader);
  out.paths.resize(np);
  if (np) std::memcpy(out.paths.data(), p, np * sizeof(double));
  p += np * sizeof(double);
  out.loans.resize(nl);
  if (nl) std::memcpy(out.loans.data(), p, nl * sizeof(double));
  p += nl * sizeof(double);
  out.examples.assign(p, h.text_bytes);
  return out;
}

LoanPartial MergePartials(const LoanPartial& a, const LoanPartial& b) {
  const PartialHeader& x = a.header;
  const PartialHeader& y = b.header;
  LoanPartial out;
  uint64_t pb, pe, lb, le;
  Union(x.path_begin, x.path_end, y.path_begin, y.path_end, &pb, &pe);
  Union(x.loan_begin, x.loan_end, y.loan_begin, y.loan_end, &lb, &le);
  out.Reset(pb, pe, lb, le);
  AddRange(a.paths, x.path_begin, x.path_end, &out.paths, pb, kNumPathFields);
  AddRange(b.paths, y.path_begin, y.path_end, &out.paths, pb, kNumPathFields);
  AddRange(a.loans, x.loan_begin, x.loan_end, &out.loans, lb, kNumLoanFields);
  AddRange(b.loans, y.loan_begin, y.loan_end, &out.loans, lb, kNumLoanFields);
  PartialHeader& h = out.header;
  h.loan_path_months = x.loan_path_months + y.loan_path_months;
  h.loans = x.loans + y.loans;
  h.tape_rows = x.tape_rows + y.tape_rows;
  h.skipped_rows = x.skipped_rows + y.skipped_rows;
  h.inactive_loans = x.inactive_loans + y.inactive_loans;
  for (int i = 0; i < kNumRowProblems; ++i) {
    h.skipped_by_problem[i] = x.skipped_by_problem[i] + y.skipped_by_problem[i];
  }
  // (append, not operator+: GCC 12 warns falsely on the latter, PR105651)
  out.examples = a.examples;
  out.examples.append(b.examples);
  return out;
}

}  // namespace gridless::loan
