// Synthetic loan tapes, so that demos, tests and benchmarks need no
// downloads.  Loan i is drawn from PhiloxStream(seed, kSyntheticStream, i):
// the same (seed, i) gives the same loan in every layout and on every run.
//
// Distributions (plausible for a US agency book): 80% 30-year, 15% 15-year,
// 5% 20-year terms; note rates ~ N(4.6%, 1.1%) in [2%, 8.5%] rounded to
// 1/8; original balances lognormal around 240,000 in [30,000, 1,500,000];
// ages 0-120 months, more young loans than old; FICO ~ N(745, 45);
// LTV ~ N(75, 15); DTI ~ N(35, 9); states weighted by population.
//
// Thread-safe: pure functions (WriteSyntheticTape writes one file).
#ifndef GRIDLESS_JOBS_LOAN_SYNTHETIC_H_
#define GRIDLESS_JOBS_LOAN_SYNTHETIC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "jobs/loan/loan.h"
#include "jobs/loan/tape.h"

namespace gridless::loan {

inline constexpr uint32_t kSyntheticStream = 7;
// The reporting month of synthetic performance data: June 2024.
inline constexpr int kSyntheticAsOf = 2024 * 12 + 5;

// Loan i as of kSyntheticAsOf (balance on schedule at its age).
Loan SyntheticLoan(uint64_t seed, uint64_t index);
std::vector<Loan> SyntheticLoans(int64_t count, uint64_t seed);

// Writes `count` active loans in `format` (not kAuto) to `path`, atomically
// (common/atomic_file.h: temporary file, fsync, rename).  fannie-sflp files hold two monthly rows per
// loan (the reader keeps the latest) plus one paid-off loan per 50.
// Origination layouts (fannie-acq, freddie-orig) describe the loans at
// origination; read them with as_of = kSyntheticAsOf to age them.
absl::Status WriteSyntheticTape(const std::string& path, TapeFormat format,
                                int64_t count, uint64_t seed);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_SYNTHETIC_H_
