#include "jobs/builtin_kinds.h"

namespace gridless {

void RegisterBuiltinKinds(JobRegistry& registry) {
  for (auto* factory : {&NewPiKind, &NewOptionMcKind, &NewNoopKind, &NewWordcountKind,
                        &NewSortKind, &NewGroupbyKind, &NewExecKind, &NewLoanMcKind}) {
    auto kind = factory();
    if (!registry.Find(kind->Name()).ok()) {
      (void)registry.Register(std::move(kind));
    }
  }
}

}  // namespace gridless
