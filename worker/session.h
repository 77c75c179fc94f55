// One WorkerService.Work stream, from Hello to its end.
//
// RunSession opens the stream on a connected channel, sends Hello and the
// initial Credit, and then runs two threads: a reader (the calling thread's
// helper) that feeds TaskBatch / Cancel / Drain into the executor, and the
// calling thread, the only writer, which sends ResultBatch + Credit as the
// executor's output comes due, Heartbeats, and finally Goodbye.  It also
// enforces task timeouts, the idle exit and the drain flag.
//
// Thread-safety: RunSession blocks its caller; the executor and *drain are
// shared with other threads as their own contracts say.
#ifndef GRIDLESS_WORKER_SESSION_H_
#define GRIDLESS_WORKER_SESSION_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "worker/task_executor.h"
#include "worker/worker.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace gridless {

struct SessionConfig {
  const WorkerOptions* options = nullptr;
  std::string worker_id;
  int slots = 1;  // resolved (never 0)
};

enum class SessionEnd {
  // The stream broke or the coordinator closed it: reconnect.
  kBroken,
  // The coordinator refused the worker with a permanent error (bad token,
  // not a Gridless coordinator...): give up with `status`.
  kRejected,
  // Drained (Drain message or *drain) or idle: Goodbye was sent.
  kDrained,
  kIdle,
};

struct SessionOutcome {
  SessionEnd end = SessionEnd::kBroken;
  // Why the stream ended when kBroken or kRejected.
  absl::Status status;
  // Whether any message came from the coordinator.
  bool received = false;
};

// The executor must be empty (fresh or Reset) on entry; on kBroken and
// kRejected the caller Resets it.
SessionOutcome RunSession(const std::shared_ptr<grpc::Channel>& channel,
                          const SessionConfig& config, TaskExecutor& executor,
                          std::atomic<bool>* drain);

}  // namespace gridless

#endif  // GRIDLESS_WORKER_SESSION_H_
