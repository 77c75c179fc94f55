// `gridless run JOB.json`: the job on an embedded coordinator (in this
// process, on a free loopback port) and N gridless-worker processes, with a
// live progress line; prints the result and exits by the job's final state.
//
// Threads: the main thread submits and watches the job; a monitor thread
// handles Ctrl-C (the first cancels the job, the second stops at once) and
// reaps, reports and replaces worker processes that died.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/atomic_file.h"
#include "cli/cli.h"
#include "cli/command_flags.h"
#include "cli/commands.h"
#include "cli/failures_output.h"
#include "cli/job_client.h"
#include "cli/print_result.h"
#include "cli/progress_line.h"
#include "cli/result_output.h"
#include "cli/worker_pool.h"
#include "common/auth.h"
#include "common/job_file.h"
#include "coordinator/coordinator.h"
#include "jobs/job.h"
#include "jobs/local_run.h"

namespace gridless {
namespace {

constexpr char kSynopsis[] = "JOB.json";

struct RunFlags {
  std::string job_file;
  int64_t workers = 1;
  int64_t slots = 1;
  bool json = false;
  std::string out;
  bool quiet = false;
  bool verbose = false;
};

std::atomic<int> g_interrupts{0};

extern "C" void OnInterrupt(int) {
  g_interrupts.fetch_add(1, std::memory_order_relaxed);
}

void InstallInterruptHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool KindTakes(const JobKind& kind, std::string_view param) {
  for (const ParamInfo& p : kind.Parameters()) {
    if (p.name == param) return true;
  }
  return false;
}

// Creates --out DIR and, when the kind has an "out" parameter, passes it on.
absl::Status PrepareOutDir(RunFlags& flags, const JobKind& kind,
                           v1::JobSpec& spec) {
  std::error_code ec;
  std::filesystem::create_directories(flags.out, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "flag --out: cannot create directory ", flags.out, ": ", ec.message()));
  }
  flags.out = std::filesystem::absolute(flags.out, ec).lexically_normal();
  if (KindTakes(kind, "out")) {
    (*spec.mutable_params()->mutable_fields())["out"].set_string_value(
        flags.out);
  }
  return absl::OkStatus();
}

// Prints the result, writes DIR/result.json, returns the exit code.
int Finish(const RunFlags& flags, const v1::JobResult& result) {
  int code = PrintJobResult(result, flags.json);
  if (!flags.out.empty()) {
    std::string path = (std::filesystem::path(flags.out) / "result.json");
    if (auto s = WriteFileAtomically(path, JobResultToJson(result) + "\n");
        !s.ok()) {
      ReportError(s);
      return kExitFailed;
    }
    if (!flags.quiet) std::fprintf(stderr, "wrote %s\n", path.c_str());
  }
  return code;
}

// --workers 0: every task in this process, one after another.
int RunInProcess(const RunFlags& flags, const JobKind& kind,
                 const v1::JobSpec& spec) {
  uint64_t tasks = 0;
  if (kind.NumStages() == 1) {
    JobContext job{"local", spec, Params(spec.params())};
    auto plan = kind.Plan(PlanContext{job, 0, {}});
    if (!plan.ok()) {
      return ReportError(
          absl::StrCat(flags.job_file, ": ", plan.status().message()),
          kExitUsage);
    }
    tasks = plan->size();
  }
  absl::Time start = absl::Now();
  auto result = RunJobLocally(kind, spec);
  double wall = absl::ToDoubleSeconds(absl::Now() - start);
  v1::JobResult out;
  v1::Progress& p = *out.mutable_progress();
  p.set_job_id("local");
  p.set_kind(spec.kind());
  p.set_name(spec.name());
  p.set_wall_seconds(wall);
  p.set_worker_seconds(wall);
  p.mutable_tasks()->set_total(tasks);
  if (result.ok()) {
    p.set_state(v1::JOB_STATE_SUCCEEDED);
    p.mutable_tasks()->set_succeeded(tasks);
    *out.mutable_result() = *std::move(result);
  } else {
    p.set_state(v1::JOB_STATE_FAILED);
    p.set_error(std::string(result.status().message()));
  }
  return Finish(flags, out);
}

class EmbeddedRun {
 public:
  EmbeddedRun(const RunFlags& flags, JobClient& client, WorkerPool& pool,
              std::string job_id)
      : flags_(flags),
        client_(client),
        pool_(pool),
        job_id_(std::move(job_id)),
        progress_(stderr, ::isatty(STDERR_FILENO) == 1) {}

  // Watches the job to its end; returns the exit code.
  int Run() {
    std::thread monitor([this] { Monitor(); });
    auto final_state =
        client_.Watch(job_id_, 0.25, [this](const v1::Progress& p) {
          if (flags_.quiet) return;
          absl::MutexLock lock(&console_mu_);
          progress_.Update(p);
        });
    done_.store(true);
    wake_monitor_.Notify();  // no waiting out its 100 ms nap
    monitor.join();
    {
      absl::MutexLock lock(&console_mu_);
      progress_.Finish();
    }
    if (!final_state.ok()) {
      if (final_state.status().code() == absl::StatusCode::kCancelled) {
        return ReportError(
            absl::StrCat("interrupted; job ", job_id_, " cancelled"),
            kExitFailed);
      }
      return ReportError(final_state.status());
    }
    auto result = client_.GetResult(job_id_);
    if (!result.ok()) return ReportError(result.status());
    if (!pool_failure_.empty() &&
        result->progress().state() != v1::JOB_STATE_SUCCEEDED) {
      result->mutable_progress()->set_error(pool_failure_);
    }
    int code = Finish(flags_, *result);
    ReportDeadLetters(result->progress());
    return code;
  }

 private:
  void Log(const std::string& line) {
    absl::MutexLock lock(&console_mu_);
    progress_.Log(absl::StrCat("gridless: ", line));
  }

  // A job that dead-lettered tasks: the embedded coordinator (and with it
  // `gridless failures` and `gridless retry`) ends with this run, so the
  // dead letters are listed here, on stderr unless --quiet (which keeps
  // stderr to the one error line), and in DIR/failures.json with --out,
  // with what to do next.
  void ReportDeadLetters(const v1::Progress& p) {
    const std::string hint = DeadLetterHint(p, "");
    if (hint.empty()) return;
    if (flags_.quiet && flags_.out.empty()) return;
    auto failures = client_.ListFailures(job_id_);
    if (failures.ok()) {
      if (!flags_.quiet) {
        std::fputs(FailuresToText(*failures, /*verbose=*/false).c_str(),
                   stderr);
      }
      if (!flags_.out.empty()) {
        std::string path = std::filesystem::path(flags_.out) / "failures.json";
        if (auto s =
                WriteFileAtomically(path, FailuresToJson(*failures) + "\n");
            !s.ok()) {
          ReportError(s);
        } else if (!flags_.quiet) {
          std::fprintf(stderr, "wrote %s\n", path.c_str());
        }
      }
    }
    if (flags_.quiet) return;
    ReportError(
        absl::StrCat(hint,
                     " (the coordinator of `gridless run` ends with it: "
                     "fix the cause and run again, or `gridless submit` the "
                     "job to a gridless-coordinator, where those commands "
                     "work)"),
        kExitFailed);
  }

  // Runs until done_: Ctrl-C and dead workers.
  void Monitor() {
    int interrupts_seen = 0;
    while (!done_.load()) {
      int n = g_interrupts.load(std::memory_order_relaxed);
      if (n > interrupts_seen) {
        if (interrupts_seen == 0) {
          Log(absl::StrCat("interrupted: cancelling job ", job_id_,
                           " (Ctrl-C again to stop at once)"));
          (void)client_.Cancel(job_id_);
        }
        if (n > 1) client_.StopWatch();
        interrupts_seen = n;
      }
      if (pool_failure_.empty()) {
        auto s = pool_.Check([this](const std::string& line) {
          if (!flags_.quiet) Log(line);
        });
        if (!s.ok()) {
          pool_failure_ = std::string(s.message());
          Log(absl::StrCat(pool_failure_, "; cancelling job ", job_id_));
          (void)client_.Cancel(job_id_);
        }
      }
      wake_monitor_.WaitForNotificationWithTimeout(absl::Milliseconds(100));
    }
  }

  const RunFlags& flags_;
  JobClient& client_;
  WorkerPool& pool_;
  const std::string job_id_;
  std::atomic<bool> done_{false};
  absl::Notification wake_monitor_;
  // Written by the monitor thread, read after it is joined.
  std::string pool_failure_;
  // The progress line and the monitor's notes share stderr.
  absl::Mutex console_mu_;
  ProgressLine progress_ ABSL_GUARDED_BY(console_mu_);
};

int RunOnEmbeddedCluster(const RunFlags& flags, const v1::JobSpec& spec) {
  auto worker_binary = FindSiblingBinary("gridless-worker");
  if (!worker_binary.ok()) {
    return ReportError(worker_binary.status().message(), kExitFailed);
  }

  CoordinatorOptions options;
  options.registry = &JobRegistry::Global();
  options.listen = "127.0.0.1:0";
  options.verbose = flags.verbose;
  // The job comes from the user running this command, on their own
  // machine: the embedded coordinator admits exec jobs.  Its workers never
  // show a command their token (docs/SECURITY.md).
  options.allow_exec = true;
  // The loopback coordinator still wants a token: other local users must
  // not submit to it or pose as its workers.  Its workers get it through
  // $GRIDLESS_TOKEN.
  ClientAuthOptions auth;
  auth.token = NewRandomToken();
  // This process holds the token and is the parent of the workers, whose
  // exec commands run as the same user: close its /proc/PID to them.
  (void)MakeProcessNonDumpable();
  options.auth.worker_token = options.auth.client_token = auth.token;
  auto coordinator = Coordinator::Start(options);
  if (!coordinator.ok()) {
    return ReportError(absl::StrCat("cannot start the embedded coordinator: ",
                                    coordinator.status().message()),
                       kExitFailed);
  }
  int code = kExitFailed;
  {
    auto client = JobClient::Connect((*coordinator)->address(), auth);
    if (!client.ok()) {
      (*coordinator)->Shutdown();
      return ReportError(client.status().message(), kExitFailed);
    }
    // Submitting first validates the job before any worker starts.
    auto submitted = (*client)->Submit(spec);
    if (!submitted.ok()) {
      (*coordinator)->Shutdown();
      if (submitted.status().code() == absl::StatusCode::kInvalidArgument) {
        return ReportError(
            absl::StrCat(flags.job_file, ": ", submitted.status().message()),
            kExitUsage);
      }
      return ReportError(submitted.status().message(), kExitFailed);
    }
    WorkerPoolOptions pool_options;
    pool_options.worker_binary = *worker_binary;
    pool_options.coordinator = (*coordinator)->address();
    pool_options.workers = static_cast<int>(flags.workers);
    pool_options.slots = static_cast<int>(flags.slots);
    pool_options.env = {absl::StrCat(kTokenEnv, "=", auth.token)};
    // From here on Ctrl-C cancels the job and stops the workers in order.
    InstallInterruptHandlers();
    auto pool = WorkerPool::Start(pool_options);
    if (!pool.ok()) {
      (void)(*client)->Cancel(submitted->job_id());
      (*coordinator)->Shutdown();
      return ReportError(pool.status().message(), kExitFailed);
    }
    code = EmbeddedRun(flags, **client, **pool, submitted->job_id()).Run();
    (*pool)->Stop(absl::Seconds(3));
  }
  (*coordinator)->Shutdown();
  return code;
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  RunFlags flags;
  flags.workers = std::max(1u, std::thread::hardware_concurrency());
  FlagSet fs("gridless run",
             "Runs a job on an embedded coordinator (this process, a free "
             "loopback port) and\nN local gridless-worker processes; prints "
             "the result.  Exit code 0 when the\njob succeeds, 3 when it "
             "ends partial (tasks dead-lettered within max_failed_tasks),\n1 "
             "when it fails or is cancelled (Ctrl-C), 2 for a bad job "
             "file.");
  fs.Int("workers", &flags.workers, 0, 4096,
         "worker processes to start; 0 runs every task in this process");
  fs.Int("slots", &flags.slots, 1, 1024, "tasks each worker runs at once");
  fs.Bool("json", &flags.json,
          "print one JSON object (job_id, kind, state, result, tasks, "
          "worker_seconds, wall_seconds, error) on stdout");
  fs.String("out", &flags.out,
            "write DIR/result.json (and pass DIR to kinds that take an "
            "\"out\" parameter)");
  fs.Bool("quiet", &flags.quiet, "no progress line or notes on stderr");
  fs.Bool("verbose", &flags.verbose, "log the coordinator's events to stderr");
  if (auto exit = ParseCommandFlags(fs, args, "run", kSynopsis, 1, 1)) {
    return *exit;
  }
  flags.job_file = fs.positional()[0];

  auto spec = ReadJobFile(flags.job_file);
  if (!spec.ok()) return ReportError(spec.status().message(), kExitUsage);
  auto kind = JobRegistry::Global().Find(spec->kind());
  if (!kind.ok()) {
    return ReportError(
        absl::StrCat(flags.job_file, ": ", kind.status().message()),
        kExitUsage);
  }
  if (!flags.out.empty()) {
    if (auto s = PrepareOutDir(flags, **kind, *spec); !s.ok()) {
      return ReportError(s);
    }
  }
  if (flags.workers == 0) return RunInProcess(flags, **kind, *spec);
  return RunOnEmbeddedCluster(flags, *spec);
}

}  // namespace gridless
