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

}  // namespace gridless

#endif  // GRIDLESS_JOBS_BUILTIN_KINDS_H_
