// Fuzz target: what worker streams send the coordinator.  The input is a
// session (fuzz/scheduler_session.h): which small jobs of real kinds are
// submitted, then a sequence of steps on up to three worker streams, each a
// serialized WorkerMessage (Hello, Credit, ResultBatch with any results,
// partials and errors, Heartbeat, Goodbye with returned refs) or a shorthand
// that builds one from the tasks the stream holds, interleaved with clock
// ticks, stream ends and JobService calls.  They drive the real Scheduler
// exactly as coordinator/worker_stream.cc does, so every kind's Merge, the
// next stage's Plan and Finalize see arbitrary partials.  A crash, a
// sanitizer report or a broken invariant (scheduler_session.h) is a bug.
#include <cstddef>
#include <cstdint>

#include "fuzz/sandbox.h"
#include "fuzz/scheduler_session.h"
#include "google/protobuf/stubs/logging.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Parsing garbage makes protobuf log (e.g. invalid UTF-8 in a string
  // field) on every other input; the parse result is what matters.
  google::protobuf::SetLogHandler(nullptr);
  (void)gridless::fuzz::BuiltinRegistry();
  (void)gridless::fuzz::Sandbox();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  gridless::fuzz::SchedulerSession session(data[0], data[1]);
  session.RunSteps(data + 2, size - 2);
  session.Finish();
  return 0;
}
