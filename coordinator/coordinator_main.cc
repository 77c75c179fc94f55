// CoordinatorMain: the command line of gridless-coordinator.  Parses flags,
// starts the coordinator, prints "gridless-coordinator listening on
// HOST:PORT" (the only line on stdout, which scripts wait for), serves until
// SIGINT or SIGTERM, then drains workers and exits 0.
//
// Exit codes: 0 after a signal-initiated shutdown, 2 for a bad flag, a
// malformed address, an unreadable token or PEM file, or a non-loopback
// --listen without authentication (see docs/SECURITY.md), 1 when the address
// cannot be bound.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/auth.h"
#include "common/flags.h"
#include "coordinator/coordinator.h"

namespace gridless {
namespace {

constexpr char kProgram[] = "gridless-coordinator";

int Fail(int code, absl::string_view message) {
  std::fprintf(stderr, "%s: %.*s\n", kProgram, static_cast<int>(message.size()),
               message.data());
  return code;
}

}  // namespace

int CoordinatorMain(int argc, char** argv) {
  FlagSet flags(kProgram,
                "Serves Gridless jobs: queues their tasks, leases them to "
                "workers, retries failures and reduces the results.");
  CoordinatorOptions options;
  options.registry = &JobRegistry::Global();
  double lease_timeout_s = 10;
  int64_t max_attempts = kDefaultMaxAttempts;
  bool quiet = false;
  flags.String("listen", &options.listen,
               "HOST:PORT to serve gRPC on (port 0 picks a free port)");
  flags.String("http", &options.http_listen,
               "HOST:PORT for the dashboard, /api/, /healthz and /metrics "
               "(none when empty)");
  flags.Double("lease-timeout", &lease_timeout_s, 0.1, 86400,
               "seconds without a message from a worker before its tasks go "
               "back to the queue");
  flags.Int("max-attempts", &max_attempts, 1, kMaxAttemptsLimit,
            "attempts per task when a job does not set max_attempts");
  flags.Bool("quiet", &quiet, "do not log workers and jobs to stderr");
  flags.String("journal", &options.journal_path,
               "SQLite file journaling jobs and finished tasks; a restart on "
               "the same file resumes unfinished jobs (none when empty)");
  int64_t max_open_jobs = static_cast<int64_t>(options.max_open_jobs);
  int64_t max_tasks_per_job = static_cast<int64_t>(options.max_tasks_per_job);
  flags.Int("max-open-jobs", &max_open_jobs, 1, 1'000'000,
            "unfinished jobs accepted at once; more are refused with "
            "RESOURCE_EXHAUSTED");
  flags.Int("max-tasks-per-job", &max_tasks_per_job, 1, 1'000'000'000,
            "tasks one stage of a job may plan; a bigger job is refused");
  int64_t keep_finished_jobs = static_cast<int64_t>(options.keep_finished_jobs);
  flags.Int("keep-finished-jobs", &keep_finished_jobs, 1, 10'000'000,
            "ended jobs kept for `result`, `failures` and `retry`; when one "
            "more ends, the one that ended longest ago is forgotten (also "
            "from the journal)");
  flags.Bool("allow-exec", &options.allow_exec,
             "accept jobs of kind exec, which run commands named in the job "
             "spec on the workers (refused otherwise; see docs/SECURITY.md)");
  ServerAuthFlags auth_flags;
  AddServerAuthFlags(flags, &auth_flags);
  flags.Bool("insecure-allow-remote", &options.insecure_allow_remote,
             "serve a non-loopback --listen address without a token or "
             "mutual TLS (trusted networks only; see docs/SECURITY.md)");
  int64_t max_message_mb =
      static_cast<int64_t>(options.max_message_bytes >> 20);
  int64_t max_workers = static_cast<int64_t>(options.max_workers);
  flags.Int("max-message-mb", &max_message_mb, 1, 2047,
            "largest message accepted from a worker or client, in MiB; a "
            "bigger one fails its call with RESOURCE_EXHAUSTED");
  flags.Int("max-workers", &max_workers, 0, 10'000'000,
            "worker streams served at once; more are refused with "
            "RESOURCE_EXHAUSTED (0 = no limit)");
  if (auto s = flags.Parse(argc - 1, argv + 1); !s.ok()) {
    // Some of FlagSet's messages already start with the program's name.
    if (absl::StartsWith(s.message(), kProgram)) {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(s.message().size()),
                   s.message().data());
      return 2;
    }
    return Fail(2, s.message());
  }
  if (flags.help()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return 0;
  }
  if (!flags.positional().empty()) {
    return Fail(2, absl::StrCat("unexpected argument \"", flags.positional()[0],
                                "\"; this program takes flags only "
                                "(see --help)"));
  }
  options.lease_timeout = absl::Seconds(lease_timeout_s);
  options.default_max_attempts = static_cast<uint32_t>(max_attempts);
  options.verbose = !quiet;
  options.max_open_jobs = static_cast<uint64_t>(max_open_jobs);
  options.max_tasks_per_job = static_cast<uint64_t>(max_tasks_per_job);
  options.keep_finished_jobs = static_cast<uint64_t>(keep_finished_jobs);
  options.max_message_bytes = static_cast<uint64_t>(max_message_mb) << 20;
  options.max_workers = static_cast<uint64_t>(max_workers);
  auto auth = LoadServerAuth(auth_flags);
  if (!auth.ok()) return Fail(2, auth.status().message());
  options.auth = *std::move(auth);

  // Block the stop signals in every thread (gRPC's inherit the mask) and
  // wait for them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto coordinator = Coordinator::Start(options);
  if (!coordinator.ok()) {
    const absl::Status& s = coordinator.status();
    return Fail(s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1,
                s.message());
  }
  std::printf("%s listening on %s\n", kProgram,
              (*coordinator)->address().c_str());
  std::fflush(stdout);
  if (!quiet) {
    const ServerAuthOptions& a = options.auth;
    std::fprintf(stderr, "%s: auth: workers %s, clients %s; TLS %s\n", kProgram,
                 !a.worker_token.empty() ? "need a token" : "need no token",
                 !a.client_token.empty() ? "need a token" : "need no token",
                 a.tls.mutual()    ? "on, client certificates required"
                 : a.tls.enabled() ? "on"
                                   : "off");
    std::fprintf(stderr, "%s: exec jobs %s\n", kProgram,
                 options.allow_exec ? "accepted (--allow-exec)"
                                    : "refused (start with --allow-exec to "
                                      "accept them)");
  }
  if (!(*coordinator)->http_address().empty() && !quiet) {
    std::fprintf(stderr,
                 "%s: HTTP (dashboard, /api/, /healthz, /metrics) on %s\n",
                 kProgram, (*coordinator)->http_address().c_str());
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  if (!quiet) {
    std::fprintf(stderr, "%s: %s received, draining workers\n", kProgram,
                 signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  }
  (*coordinator)->Shutdown();
  return 0;
}

}  // namespace gridless
