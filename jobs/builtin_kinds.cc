#include "jobs/builtin_kinds.h"

namespace gridless {

// Defined here, not in registry.cc, so that code using only the registry
// class (the scheduler, its tests) links without the built-in kinds.
JobRegistry& JobRegistry::Global() {
  static JobRegistry* registry = [] {
    auto* r = new JobRegistry();
    RegisterBuiltinKinds(*r);
    return r;
  }();
  return *registry;
}

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
