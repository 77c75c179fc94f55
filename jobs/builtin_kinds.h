// Factories of the kinds shipped with Gridless; RegisterBuiltinKinds (job.h)
// registers them all.  Internal: job authors only need job.h.
#ifndef GRIDLESS_JOBS_BUILTIN_KINDS_H_
#define GRIDLESS_JOBS_BUILTIN_KINDS_H_

#include <memory>

#include "jobs/job.h"

namespace gridless {

std::unique_ptr<JobKind> NewPiKind();
std::unique_ptr<JobKind> NewOptionMcKind();
std::unique_ptr<JobKind> NewNoopKind();
std::unique_ptr<JobKind> NewLoanMcKind();
// jobs/mapreduce/: map-reduce with a shuffle, and exec.
std::unique_ptr<JobKind> NewWordcountKind();
std::unique_ptr<JobKind> NewSortKind();
std::unique_ptr<JobKind> NewGroupbyKind();
std::unique_ptr<JobKind> NewExecKind();

}  // namespace gridless

#endif  // GRIDLESS_JOBS_BUILTIN_KINDS_H_
