// WorkerMain: flags, signal handling and exit codes of gridless-worker.
//
// Exit codes: 0 drained, idle or asked to stop; 1 the coordinator could not be
// reached or refused the worker; 2 bad flags or address.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/address.h"
#include "common/flags.h"
#include "coordinator/http_server.h"
#include "jobs/mapreduce/exec_policy.h"
#include "worker/worker.h"
#include "worker/worker_metrics.h"

namespace gridless {
namespace {

std::atomic<bool> g_drain{false};
static_assert(std::atomic<bool>::is_always_lock_free);

// Only sets the flag (async-signal-safe).  A second signal ends the process
// at once, for a user who does not want to wait for running tasks.
extern "C" void OnStopSignal(int signal) {
  if (g_drain.exchange(true)) _exit(128 + signal);
}

void InstallSignalHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

int Fail(std::string message, int code) {
  const std::string prefix = "gridless-worker: ";
  if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
  std::fprintf(stderr, "%s%s\n", prefix.c_str(), message.c_str());
  return code;
}

// The worker's HTTP endpoint (--http), on civetweb's threads: thread-safe.
HttpResponse ServeWorkerHttp(const HttpRequest& request) {
  HttpResponse response;
  if (request.method != "GET" && request.method != "HEAD") {
    response.status = 405;
    response.headers.emplace_back("Allow", "GET, HEAD");
    response.body = "use GET\n";
  } else if (request.path == "/healthz") {
    response.body = "ok";
  } else if (request.path == "/metrics") {
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = WorkerTelemetry::Global().Render();
  } else {
    response.status = 404;
    response.body = "no such page; try /healthz or /metrics\n";
  }
  return response;
}

}  // namespace

int WorkerMain(int argc, char** argv) {
  FlagSet flags("gridless-worker",
                "Runs tasks for a Gridless coordinator until drained (SIGTERM, "
                "SIGINT) or idle.");
  const char* env = std::getenv("GRIDLESS_COORDINATOR");
  std::string coordinator =
      env != nullptr && *env != '\0' ? env : "127.0.0.1:7070";
  int64_t slots = 0;
  double idle_exit = 0;
  double connect_timeout = 30;
  bool verbose = false;
  flags.String("coordinator", &coordinator,
               "HOST:PORT of the coordinator (env GRIDLESS_COORDINATOR)");
  flags.Int("slots", &slots, 0, 4096, "tasks run at once; 0 = all cores");
  flags.Double("idle-exit", &idle_exit, 0, 1e9,
               "exit after this many seconds without a task; 0 = never");
  flags.Double("connect-timeout", &connect_timeout, 0, 1e9,
               "give up when the coordinator is unreachable for this many "
               "seconds; 0 = retry forever");
  flags.Bool("verbose", &verbose, "log connections and drains to stderr");
  std::string http;
  flags.String("http", &http,
               "HOST:PORT for /metrics and /healthz, e.g. 127.0.0.1:9102 "
               "(port 0 picks one); none when empty.  Unauthenticated: keep "
               "it on loopback or a monitoring network (docs/DEPLOY.md)");
  std::string task_gate;
  flags.String("task-gate", &task_gate,
               "tests and drills only: FILE of tickets; a task without one is "
               "held before it starts (see docs/TESTING.md)");
  ClientAuthFlags auth_flags;
  AddClientAuthFlags(flags, &auth_flags);
  if (auto s = flags.Parse(argc - 1, argv + 1); !s.ok()) {
    return Fail(std::string(s.message()), 2);
  }
  if (flags.help()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return 0;
  }
  if (!flags.positional().empty()) {
    return Fail("unexpected argument \"" + flags.positional().front() +
                    "\" (see --help)",
                2);
  }
  const bool from_env =
      env != nullptr && *env != '\0' && coordinator == std::string(env);
  if (auto s = ValidateAddress(
          coordinator, from_env ? "GRIDLESS_COORDINATOR (or --coordinator)"
                                : "--coordinator");
      !s.ok()) {
    return Fail(std::string(s.message()), 2);
  }

  auto auth = LoadClientAuth(auth_flags);
  if (!auth.ok()) return Fail(std::string(auth.status().message()), 2);
  // Commands of exec tasks must not get at the worker's credentials
  // (docs/SECURITY.md, "Jobs that run commands"): the token leaves the
  // environment, /proc/PID of this process is closed to the user's other
  // processes, and a worker holding a secret file refuses exec tasks.
  ScrubTokenFromEnvironment();
  const bool non_dumpable = MakeProcessNonDumpable();
  std::vector<mapreduce::SecretFile> secret_files;
  if (!auth_flags.token_file.empty()) {
    secret_files.push_back({"--token-file", auth_flags.token_file});
  }
  if (!auth_flags.tls_key.empty()) {
    secret_files.push_back({"--tls-key", auth_flags.tls_key});
  }
  std::string exec_refusal = mapreduce::ExecRefusalFor(secret_files);
  if (exec_refusal.empty() && !non_dumpable && !auth->token.empty()) {
    exec_refusal =
        "this worker refuses exec tasks: it holds a token and the kernel "
        "refused to make it non-dumpable, so a command could read the token "
        "from its memory";
  }
  if (verbose && !exec_refusal.empty()) {
    std::fprintf(stderr, "gridless-worker: %s\n", exec_refusal.c_str());
  }
  mapreduce::SetExecRefusal(std::move(exec_refusal));

  std::unique_ptr<HttpServer> http_server;
  if (!http.empty()) {
    auto listen = ParseHostPort(http, "--http");
    if (!listen.ok()) return Fail(std::string(listen.status().message()), 2);
    HttpServerOptions http_options;
    http_options.num_threads = 4;  // scrapes and probes only
    auto server = HttpServer::Start(*listen, ServeWorkerHttp, http_options);
    if (!server.ok()) {
      return Fail(
          std::string(server.status().message()),
          server.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1);
    }
    http_server = *std::move(server);
    std::fprintf(stderr, "gridless-worker: HTTP (/healthz, /metrics) on %s\n",
                 http_server->address().c_str());
  }

  WorkerOptions options;
  options.auth = *std::move(auth);
  options.coordinator = coordinator;
  options.slots = static_cast<int>(slots);
  options.idle_exit = absl::Seconds(idle_exit);
  options.connect_timeout = absl::Seconds(connect_timeout);
  options.verbose = verbose;
  options.task_gate = task_gate;
  options.registry = &JobRegistry::Global();

  // Abseil's mutex deadlock detection is a debugging aid that costs time on
  // every lock in this Debian build; the worker's hot path takes several
  // locks per task.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  InstallSignalHandlers();
  absl::Status status = RunWorker(options, &g_drain);
  if (!status.ok()) {
    return Fail(std::string(status.message()),
                status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1);
  }
  return 0;
}

}  // namespace gridless
