// A scratch directory for fuzz targets whose inputs name files, and the
// rewriting that keeps a fuzzed JobSpec inside it.
//
// Kinds that read or write files in Plan (wordcount, sort, groupby, exec,
// loan-mc) get their path parameters (input, output, tape, out, store)
// rewritten to paths under the sandbox, so a fuzzer never reads /dev/zero or
// creates directories elsewhere.  The sandbox holds small fixtures the seed
// corpus names by relative path: text/*.txt (words), sort/records (gensort
// -a records), visits/uservisits.csv, rankings/rankings.csv and loan tapes
// tapes/loans.{csv,sflp,acq,freddie}.
//
// Parameters that size a job's task list (tasks, shards, reducers, samples,
// paths, loan_block, path_block, top) are folded below kMaxSize when they
// are in range, because Plan builds the whole task list before the
// scheduler can check max_tasks_per_job; out-of-range values are kept so
// the kinds' range checks are still exercised.
//
// Thread-safety: Sandbox() creates the directory once (thread-safe);
// SandboxSpec is a pure function of its input and the sandbox path.
#ifndef GRIDLESS_FUZZ_SANDBOX_H_
#define GRIDLESS_FUZZ_SANDBOX_H_

#include <string>

#include "gridless/v1/job.pb.h"

namespace gridless::fuzz {

inline constexpr double kMaxSize = 64;

// The sandbox root (absolute, no trailing slash), created with its fixtures
// on first use under $TMPDIR (default /tmp) and removed at exit.  Aborts
// with a message if it cannot be created.
const std::string& Sandbox();

// Rewrites `spec`'s path parameters into the sandbox and folds its size
// parameters (see above).
void SandboxSpec(v1::JobSpec* spec);

}  // namespace gridless::fuzz

#endif  // GRIDLESS_FUZZ_SANDBOX_H_
