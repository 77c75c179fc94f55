// Fuzz target: what a client sends the JobService.  The input is a
// serialized SubmitRequest; its spec goes through the coordinator's real
// Scheduler::Submit with every built-in kind registered, so each kind's
// Plan sees arbitrary parameters.  Then the JobRef-style calls (GetProgress,
// GetResult, ListFailures, Retry, Cancel) run on the new job's id and on
// arbitrary ids taken from the input (the spec's name and kind), since a
// JobRef or WatchRequest carries nothing but an id string.
//
// Path parameters are kept inside a scratch directory and task counts are
// folded small (fuzz/sandbox.h); the scheduler's max_tasks_per_job is small
// too.  Any crash, sanitizer report, hang or out-of-memory is a bug: bad
// input must give an error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/clock.h"
#include "coordinator/scheduler.h"
#include "fuzz/sandbox.h"
#include "google/protobuf/stubs/logging.h"
#include "gridless/v1/job.pb.h"
#include "jobs/job.h"

namespace {

using gridless::Scheduler;
using gridless::SchedulerEvents;

const gridless::JobRegistry& Registry() {
  static const gridless::JobRegistry* registry = [] {
    auto* r = &gridless::JobRegistry::Global();
    gridless::RegisterBuiltinKinds(*r);
    return r;
  }();
  return *registry;
}

void CallsOn(Scheduler& scheduler, const std::string& id) {
  (void)scheduler.GetProgress(id);
  (void)scheduler.GetResult(id);
  (void)scheduler.ListFailures(id);
  SchedulerEvents events;
  (void)scheduler.Retry(id, &events);
  (void)scheduler.Cancel(id, &events);
  (void)scheduler.GetResult(id);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Parsing garbage makes protobuf log (e.g. invalid UTF-8 in a string
  // field) on every other input; the parse result is what matters.
  google::protobuf::SetLogHandler(nullptr);
  (void)Registry();
  (void)gridless::fuzz::Sandbox();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gridless::v1::SubmitRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  gridless::fuzz::SandboxSpec(request.mutable_spec());

  gridless::FakeClock clock;
  gridless::SchedulerOptions options;
  options.registry = &Registry();
  options.clock = &clock;
  options.max_open_jobs = 2;
  options.max_tasks_per_job = 200;
  Scheduler scheduler(options);

  auto submitted = scheduler.Submit(request.spec());
  // A second submission of the same spec: the limits and the id sequence.
  auto again = scheduler.Submit(request.spec());
  (void)scheduler.ListJobs();
  (void)scheduler.Metrics();
  if (submitted.ok()) CallsOn(scheduler, submitted->job_id());
  if (again.ok()) CallsOn(scheduler, again->job_id());
  CallsOn(scheduler, request.spec().name());
  CallsOn(scheduler, request.spec().kind());
  // A third one, after the cancels freed the open-job slots.
  (void)scheduler.Submit(request.spec());
  return 0;
}
