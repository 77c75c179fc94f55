// .gtape: a binary, columnar loan tape (docs/LOAN_MODEL.md, "Columnar
// tapes"), made by `gridless convert-tape` from any tape layout.  The
// coordinator plans a job from its header without reading a row, and a
// worker maps the file and reads only its task's loan block, so a 20-million
// loan book fits the deploy manifests' memory.
//
// Layout, little-endian (x86-64 and aarch64 both are), version 1:
//   [0, 4096)  header: GtapeHeader, then the column table (GtapeColumn x
//              columns); the rest zero.
//   columns    each 64-byte aligned: fixed-width arrays of `loans` values
//              (f64 / i32 / 2-byte chars), and the loan ids as u64 offsets
//              (loans + 1, ascending, the first 0) then their bytes.
// Columns are found by name, so a later version may add columns that this
// reader skips; a missing optional column reads as 0 / empty.
//
// A .gtape is input like any tape: Open checks the header, the column
// table (every offset and size inside the file, computed without overflow)
// and the id offsets; Fill checks every value it returns against the ranges
// the text readers enforce, so a forged file gives INVALID_ARGUMENT naming
// the loan and field, never an out-of-bounds read.
//
// Thread-safety: a GtapeReader is immutable after Open; Fill and Id may be
// called from any number of threads.
#ifndef GRIDLESS_JOBS_LOAN_GTAPE_H_
#define GRIDLESS_JOBS_LOAN_GTAPE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "jobs/loan/loan.h"
#include "jobs/loan/tape.h"

namespace gridless::loan {

inline constexpr char kGtapeMagic[8] = {'G', 'T', 'A', 'P',
                                        'E', '0', '1', '\n'};
inline constexpr uint64_t kGtapeHeaderBytes = 4096;

// Whether the file at `path` starts with the .gtape magic (false when it
// cannot be read: the text readers then report the problem).
bool IsGtapeFile(const std::string& path);

// Writes `tape` as a .gtape at `path`, atomically (temporary file, fsync,
// rename).  `source_format` is recorded for the manifest.
absl::Status WriteGtape(const LoanTape& tape, TapeFormat source_format,
                        const std::string& path);

class GtapeReader {
 public:
  // NOT_FOUND when the file cannot be opened; INVALID_ARGUMENT naming the
  // path and the problem for anything else (not a regular file, wrong magic
  // or version, a column outside the file, bad id offsets).
  static absl::StatusOr<std::unique_ptr<GtapeReader>> Open(
      const std::string& path);
  ~GtapeReader();
  GtapeReader(const GtapeReader&) = delete;
  GtapeReader& operator=(const GtapeReader&) = delete;

  uint64_t loans() const { return loans_; }
  // The longest remaining term and the sum of remaining terms (months), as
  // the converter computed them: the job's horizon and task sizes.
  int32_t max_remaining() const { return max_remaining_; }
  double total_remaining_months() const { return total_remaining_; }
  TapeFormat source_format() const { return source_format_; }
  // The facts of the text tape it was converted from (rows read, skipped,
  // inactive; no examples).
  const LoanTape& facts() const { return facts_; }

  // Loans [first, first + n) into out[0..n), model fields and fico/ltv/dti/
  // state; ids are left empty (Id gives them).  INVALID_ARGUMENT naming the
  // loan and field when a value is outside the text readers' ranges or the
  // range is outside the tape.
  absl::Status Fill(uint64_t first, int n, Loan* out) const;
  // Loan i's id.  REQUIRES: i < loans().
  std::string_view Id(uint64_t i) const;

 private:
  GtapeReader() = default;

  std::string path_;
  const char* base_ = nullptr;
  uint64_t bytes_ = 0;
  uint64_t loans_ = 0;
  int32_t max_remaining_ = 0;
  double total_remaining_ = 0;
  TapeFormat source_format_ = TapeFormat::kAuto;
  LoanTape facts_;
  // Column starts inside the mapping; nullptr = absent (optional columns).
  const char* balance_ = nullptr;
  const char* orig_balance_ = nullptr;
  const char* rate_ = nullptr;
  const char* net_rate_ = nullptr;
  const char* term_ = nullptr;
  const char* age_ = nullptr;
  const char* remaining_ = nullptr;
  const char* fico_ = nullptr;
  const char* ltv_ = nullptr;
  const char* dti_ = nullptr;
  const char* state_ = nullptr;
  const char* id_offsets_ = nullptr;
  const char* id_bytes_ = nullptr;
};

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_GTAPE_H_
