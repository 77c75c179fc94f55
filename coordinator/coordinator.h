// The Gridless coordinator as a library: a gRPC server holding the job table,
// the ready queue, the leases and the reduce.  `gridless-coordinator` is a thin
// main around it, and `gridless run` embeds it in the CLI process.
//
// Thread-safety: Start, address, Shutdown and Wait may be called from any
// thread; Shutdown is idempotent.
#ifndef GRIDLESS_COORDINATOR_COORDINATOR_H_
#define GRIDLESS_COORDINATOR_COORDINATOR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "coordinator/retry_policy.h"
#include "jobs/job.h"

namespace gridless {

struct CoordinatorOptions {
  // HOST:PORT to serve gRPC on.  Port 0 picks a free port (see address()).
  // Loopback by default.
  std::string listen = "127.0.0.1:7070";
  // HOST:PORT for the dashboard, /api/, /healthz and /metrics; "" = none.
  std::string http_listen;
  // A lease not renewed by a heartbeat for this long goes back to the queue.
  absl::Duration lease_timeout = absl::Seconds(10);
  // Retry (coordinator/retry_policy.h, which holds the defaults).
  absl::Duration backoff_base = kDefaultBackoffBase;
  absl::Duration backoff_max = kDefaultBackoffMax;
  // Used when a JobSpec leaves max_attempts at 0.
  uint32_t default_max_attempts = kDefaultMaxAttempts;
  // Kinds known to this coordinator; required (CoordinatorMain and `gridless
  // run` pass JobRegistry::Global(), so that this library links without the
  // built-in kinds).
  const JobRegistry* registry = nullptr;
  // Time source; nullptr = RealClock.
  const Clock* clock = nullptr;
  // Log connections, job ends and failures to stderr.
  bool verbose = true;
  // On Shutdown, how long workers get to finish running tasks and say
  // Goodbye after Drain before their streams are cut.
  absl::Duration drain_timeout = absl::Seconds(5);
  // SQLite journal file; "" = none.  Unfinished jobs found in it are resumed
  // at Start (see coordinator/journal.h and docs/RELIABILITY.md).
  std::string journal_path;
  // Limits against floods (see SchedulerOptions).
  uint64_t max_open_jobs = 1000;
  uint64_t max_tasks_per_job = 10'000'000;
  // Ended jobs kept (result, failures, retry); older ones are forgotten.
  uint64_t keep_finished_jobs = 1000;
  // Admit kinds that run commands named in the job spec (`exec`).  Off: they
  // are refused at Submit and Retry with FAILED_PRECONDITION naming
  // --allow-exec, and unfinished ones found in the journal end FAILED (see
  // coordinator/exec_admission.h).  `gridless run` turns it on.
  bool allow_exec = false;

  // ---- Auth, TLS and transport limits (see common/auth.h) ----
  // Tokens per role and TLS (PEM contents); empty = open roles, no TLS.
  ServerAuthOptions auth;
  // Serve a non-loopback `listen` address without authentication (trusted
  // networks only).  Otherwise Start refuses it with INVALID_ARGUMENT.
  bool insecure_allow_remote = false;
  // Largest message accepted from a peer; a bigger one fails that call (or
  // that worker's stream) with RESOURCE_EXHAUSTED.
  uint64_t max_message_bytes = uint64_t{64} << 20;
  // Worker streams served at once; more are refused with
  // RESOURCE_EXHAUSTED (workers retry with backoff).  0 = no limit.
  uint64_t max_workers = 10'000;
};

class Coordinator {
 public:
  // Binds and starts serving.  UNAVAILABLE when the address cannot be bound
  // (names the address), INVALID_ARGUMENT when it is malformed.  The same
  // for http_listen.
  static absl::StatusOr<std::unique_ptr<Coordinator>> Start(
      const CoordinatorOptions& options);

  virtual ~Coordinator() = default;
  // The bound gRPC address, "HOST:PORT" with the real port.
  virtual std::string address() const = 0;
  // The bound HTTP address ("HOST:PORT"), "" when http_listen was empty.
  virtual std::string http_address() const { return ""; }
  // Tells workers to drain, stops accepting RPCs and returns when the server
  // has stopped.  Idempotent.
  virtual void Shutdown() = 0;
  // Blocks until Shutdown has completed.
  virtual void Wait() = 0;
};

// main() of gridless-coordinator: parses flags, starts, waits for SIGINT or
// SIGTERM, shuts down.  Link your own kinds into JobRegistry::Global() first.
int CoordinatorMain(int argc, char** argv);

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_COORDINATOR_H_
