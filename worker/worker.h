// The Gridless worker as a library: connects to a coordinator, runs tasks on
// a TBB arena, streams results back.  `gridless-worker` is a thin main.
//
// Protocol, as the worker speaks it (proto/gridless/v1/worker.proto):
//  * On every (re)connection: Hello, then Credit{slots * prefetch_per_slot}.
//  * Results go back in ResultBatch messages of many results each (sent when
//    a quarter of the credit's worth has finished, after ~1 ms, or when the
//    run queue empties), each followed by a Credit re-granting one task per
//    task the worker stopped holding: finished, dropped by Cancel, or ended
//    after its timeout.  The coordinator must not assume a Cancel returns
//    credit by itself.
//  * Tasks named in a Cancel (queued or running) never produce a result.
//  * Task.timeout_s > 0: the task's CancelToken is cancelled after that long
//    and DEADLINE_EXCEEDED is reported at once; its credit comes back when it
//    returns.  Tasks must poll their token: a task that never returns holds
//    its slot (and a drain) forever.
//  * A task that returns an error or throws is reported as TaskResult.error
//    (a throw is INTERNAL); the worker stays up.
//  * Heartbeat{running} every heartbeat_interval.
//  * Drain (message, or *drain): no more tasks start; running ones finish and
//    report; Goodbye lists the unstarted ones; the stream is half-closed and
//    RunWorker returns OK.  Tasks that arrive after Goodbye are not answered:
//    the coordinator requeues them when the stream closes.
//  * Idle exit: the same Goodbye (reason "idle") after idle_exit without a
//    task queued or running on the current stream.
//  * A broken stream drops everything held (the coordinator requeues the
//    stream's leases) and reconnects with jittered exponential backoff
//    (100 ms doubling to 5 s), sending Hello again.
#ifndef GRIDLESS_WORKER_WORKER_H_
#define GRIDLESS_WORKER_WORKER_H_

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "jobs/job.h"

namespace gridless {

struct WorkerOptions {
  // HOST:PORT of the coordinator.
  std::string coordinator = "127.0.0.1:7070";
  // Tasks run at once; 0 = the number of cores.
  int slots = 0;
  // Exit 0 after this long without a task (scale to zero).  Zero = never.
  absl::Duration idle_exit = absl::ZeroDuration();
  // Give up when the coordinator cannot be reached for this long (the first
  // connection and every reconnection).  Zero = keep retrying forever.
  absl::Duration connect_timeout = absl::Seconds(30);
  absl::Duration heartbeat_interval = absl::Seconds(1);
  // Tasks held per slot beyond the running one, so that tiny tasks do not
  // wait for a round trip.
  int prefetch_per_slot = 256;
  // Kinds this worker can run; required (WorkerMain passes
  // JobRegistry::Global(), so that this library links without the built-in
  // kinds).
  const JobRegistry* registry = nullptr;
  bool verbose = false;
  // The token sent on the Work stream and the TLS settings (common/auth.h).
  ClientAuthOptions auth;
  // Tests and drills only: a ticket file every task waits at before it
  // starts (worker/task_gate.h).  Empty (production): no gate.
  std::string task_gate;
};

// Runs until drained, idle, or the coordinator is unreachable for longer than
// connect_timeout.  Setting *drain (e.g. from a SIGTERM handler) finishes
// running tasks, hands back the unstarted ones, and returns OK; *drain is
// polled, so a signal handler may set it.  `drain` may be null.
// Returns UNAVAILABLE naming the address when the coordinator cannot be
// reached, INVALID_ARGUMENT for bad options, and the coordinator's own code
// (UNAUTHENTICATED, PERMISSION_DENIED, FAILED_PRECONDITION, ...) when it
// refuses the worker for good.
// Thread-safe: several workers may run in one process (tests do), each on
// its own thread.
absl::Status RunWorker(const WorkerOptions& options, std::atomic<bool>* drain);

// main() of gridless-worker: parses the flags below, drains on SIGTERM and
// SIGINT (a second signal exits at once), and returns the exit code:
// 0 drained or idle, 1 coordinator unreachable or refused, 2 bad flags.
//   --coordinator HOST:PORT  (default: $GRIDLESS_COORDINATOR, else
//                            127.0.0.1:7070)
//   --slots N                (0 = the number of cores)
//   --idle-exit SECONDS      (0 = never)
//   --connect-timeout SECONDS (default 30; 0 = retry forever)
//   --verbose                (connections, drains and reconnects on stderr)
//   --token-file FILE        (default: $GRIDLESS_TOKEN)
//   --tls-ca, --tls-cert, --tls-key  PEM files for TLS / mutual TLS
//   --task-gate FILE         (tests and drills: hold tasks before they start
//                            while FILE has no ticket; worker/task_gate.h)
// A worker refused for its credentials (UNAUTHENTICATED) does not retry: it
// exits 1 with the coordinator's reason.
// Before serving it removes GRIDLESS_TOKEN from its environment (value
// overwritten), makes itself non-dumpable, and, when it holds a secret file
// (--token-file, --tls-key), refuses exec tasks (jobs/mapreduce/
// exec_policy.h; docs/SECURITY.md, "Jobs that run commands").
// Register your own kinds into JobRegistry::Global() before calling it.
int WorkerMain(int argc, char** argv);

}  // namespace gridless

#endif  // GRIDLESS_WORKER_WORKER_H_
