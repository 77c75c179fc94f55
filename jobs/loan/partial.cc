#include "jobs/loan/partial.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/sv.h"

namespace gridless::loan {
namespace {

constexpr uint64_t kMagic = 0x4C4F414E4D430002ull;  // "LOANMC", version 2

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(Cat("loan-mc partial refused: ", why));
}

// begin <= end <= limit, or INVALID_ARGUMENT naming the range.
absl::Status CheckRange(std::string_view what, uint64_t begin, uint64_t end,
                        uint64_t limit, std::string_view limit_name) {
  if (begin <= end && end <= limit) return absl::OkStatus();
  return Invalid(Cat(what, " range [", begin, ", ", end, ") is not within [0, ",
                     limit, "] (", limit_name, ")"));
}

// Adds `src` (covering [sb, se) with `width` fields per slot) into `dst`
// (covering [db, de) with db <= sb, se <= de: the union of the ranges).
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

absl::StatusOr<LoanPartial> LoanPartial::Decode(std::string_view bytes,
                                                const PartialLimits& limits) {
  LoanPartial out;
  if (bytes.size() < sizeof(PartialHeader)) {
    return Invalid(Cat(bytes.size(), " bytes, shorter than its header (",
                       sizeof(PartialHeader), ")"));
  }
  std::memcpy(&out.header, bytes.data(), sizeof(PartialHeader));
  const PartialHeader& h = out.header;
  if (h.magic != kMagic) return Invalid("bad magic (not a loan-mc partial)");
  if (auto s = CheckRange("path", h.path_begin, h.path_end, limits.paths,
                          "the job's paths");
      !s.ok()) {
    return s;
  }
  if (auto s = CheckRange("loan", h.loan_begin, h.loan_end, limits.loans,
                          limits.loans == 0 ? "0 (the job has no per-loan "
                                              "output)"
                                            : "the tape's size allows");
      !s.ok()) {
    return s;
  }
  if (h.text_bytes > kMaxExampleBytes) {
    return Invalid(Cat(h.text_bytes,
                       " bytes of skipped-row examples, more than ",
                       kMaxExampleBytes));
  }
  // Ranges are within the job's limits (at most 1e7 paths, the loan bound
  // at most a quarter of a file size), but the products are still checked.
  uint64_t np, nl, array_bytes, want;
  if (__builtin_mul_overflow(h.path_end - h.path_begin,
                             uint64_t{kNumPathFields}, &np) ||
      __builtin_mul_overflow(h.loan_end - h.loan_begin,
                             uint64_t{kNumLoanFields}, &nl) ||
      __builtin_add_overflow(np, nl, &array_bytes) ||
      __builtin_mul_overflow(array_bytes, sizeof(double), &array_bytes) ||
      __builtin_add_overflow(array_bytes, sizeof(PartialHeader), &want) ||
      __builtin_add_overflow(want, h.text_bytes, &want) ||
      bytes.size() != want) {
    return Invalid(Cat(bytes.size(), " bytes, but its header ", "(paths [",
                       h.path_begin, ", ", h.path_end, "), loans [",
                       h.loan_begin, ", ", h.loan_end, "), ", h.text_bytes,
                       " text bytes) says ", "otherwise"));
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

absl::StatusOr<LoanPartial> MergePartials(const LoanPartial& a,
                                          const LoanPartial& b) {
  const PartialHeader& x = a.header;
  const PartialHeader& y = b.header;
  if (a.examples.size() > kMaxExampleBytes - b.examples.size()) {
    return Invalid(Cat("the merged skipped-row examples would have ",
                       a.examples.size(), " + ", b.examples.size(),
                       " bytes, more than ", kMaxExampleBytes));
  }
  LoanPartial out;
  PartialHeader& h = out.header;
  bool overflow =
      __builtin_add_overflow(x.loan_path_months, y.loan_path_months,
                             &h.loan_path_months) ||
      __builtin_add_overflow(x.loans, y.loans, &h.loans) ||
      __builtin_add_overflow(x.tape_rows, y.tape_rows, &h.tape_rows) ||
      __builtin_add_overflow(x.skipped_rows, y.skipped_rows, &h.skipped_rows) ||
      __builtin_add_overflow(x.inactive_loans, y.inactive_loans,
                             &h.inactive_loans);
  for (int i = 0; i < kNumRowProblems; ++i) {
    overflow |=
        __builtin_add_overflow(x.skipped_by_problem[i], y.skipped_by_problem[i],
                               &h.skipped_by_problem[i]);
  }
  if (overflow) return Invalid("a count overflows when merged");
  uint64_t pb, pe, lb, le;
  Union(x.path_begin, x.path_end, y.path_begin, y.path_end, &pb, &pe);
  Union(x.loan_begin, x.loan_end, y.loan_begin, y.loan_end, &lb, &le);
  out.Reset(pb, pe, lb, le);
  AddRange(a.paths, x.path_begin, x.path_end, &out.paths, pb, kNumPathFields);
  AddRange(b.paths, y.path_begin, y.path_end, &out.paths, pb, kNumPathFields);
  AddRange(a.loans, x.loan_begin, x.loan_end, &out.loans, lb, kNumLoanFields);
  AddRange(b.loans, y.loan_begin, y.loan_end, &out.loans, lb, kNumLoanFields);
  // (append, not operator+: GCC 12 warns falsely on the latter, PR105651)
  out.examples = a.examples;
  out.examples.append(b.examples);
  return out;
}

}  // namespace gridless::loan
