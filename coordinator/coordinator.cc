// Coordinator::Start: wires the scheduler, the worker hub, the gRPC services,
// the lease/retry ticker and the HTTP endpoint together, and takes them down
// in order on Shutdown (drain workers, wake watchers, stop the server).
#include "coordinator/coordinator.h"

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/address.h"
#include "common/auth.h"
#include "coordinator/address.h"
#include "coordinator/dashboard_api.h"
#include "coordinator/dashboard_pages.h"
#include "coordinator/exec_admission.h"
#include "coordinator/http_server.h"
#include "coordinator/job_service.h"
#include "coordinator/journal.h"
#include "coordinator/metrics.h"
#include "coordinator/scheduler.h"
#include "coordinator/worker_hub.h"
#include "coordinator/worker_stream.h"

namespace gridless {
namespace {

// How often leases are checked for expiry and retries released.
constexpr absl::Duration kTickInterval = absl::Milliseconds(25);

// /metrics (prometheus-cpp, see metrics.h): thread-safe, as Scheduler::Metrics
// and ListJobs take the scheduler's lock and the telemetry is thread-safe.
std::string RenderCoordinatorMetrics(const Scheduler& scheduler) {
  const absl::Time listed_at = absl::Now();
  const v1::ListJobsResponse jobs = scheduler.ListJobs();
  CoordinatorTelemetry::Global().ForgetWaitsExcept(jobs, listed_at);
  return RenderMetrics(scheduler.Metrics(), jobs,
                       CoordinatorTelemetry::Global());
}

// Called on the HTTP server's threads, several at once (see http_server.h):
// thread-safe.  The dashboard's API and pages are thread-safe too.
HttpResponse Route(const HttpRequest& request, const Scheduler& scheduler,
                   const DashboardApi& api, const DashboardPages& pages) {
  if (absl::StartsWith(request.path, "/api/")) return api.Handle(request);
  HttpResponse response;
  if (request.method != "GET" && request.method != "HEAD") {
    response.status = 405;
    response.headers.emplace_back("Allow", "GET, HEAD");
    response.body = absl::StrCat("method ", request.method, " not allowed on ",
                                 request.path.substr(0, 100), "; use GET\n");
  } else if (request.path == "/healthz") {
    response.body = "ok";
  } else if (request.path == "/metrics") {
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = RenderCoordinatorMetrics(scheduler);
  } else if (auto page = pages.Handle(request); page.has_value()) {
    response = *std::move(page);
  } else {
    response.status = 404;
    response.body = absl::StrCat("no such page: ", request.path.substr(0, 100),
                                 "; try /jobs, /healthz or /metrics\n");
  }
  return response;
}

class CoordinatorImpl final : public Coordinator {
 public:
  explicit CoordinatorImpl(const CoordinatorOptions& options)
      : options_(options),
        authorizer_(std::make_unique<Authorizer>(options.auth)) {
    SchedulerOptions s;
    s.registry = options.registry;
    s.clock = options.clock;
    s.lease_timeout = options.lease_timeout;
    s.backoff_base = options.backoff_base;
    s.backoff_max = options.backoff_max;
    s.default_max_attempts = options.default_max_attempts;
    s.max_open_jobs = options.max_open_jobs;
    s.max_tasks_per_job = options.max_tasks_per_job;
    s.keep_finished_jobs = options.keep_finished_jobs;
    scheduler_options_ = s;
    scheduler_ = std::make_unique<Scheduler>(s);
    hub_ = std::make_unique<WorkerHub>(scheduler_.get(), options.verbose);
    RebuildServices();
  }

  // (Re)creates the gRPC services over scheduler_ and hub_.  Called before
  // the server starts.
  void RebuildServices() {
    worker_service_ = std::make_unique<WorkerServiceImpl>(
        hub_.get(), authorizer_.get(), options_.max_workers);
    job_service_ = std::make_unique<JobServiceImpl>(
        scheduler_.get(), hub_.get(), authorizer_.get(), options_.allow_exec);
  }

  ~CoordinatorImpl() override { Shutdown(); }

  absl::Status Init() {
    if (auto s = OpenJournal(); !s.ok()) return s;
    auto listen = ParseHostPort(options_.listen, "--listen");
    if (!listen.ok()) return listen.status();
    if (auto s = CheckExposure(listen->host, options_.auth,
                               options_.insecure_allow_remote);
        !s.ok()) {
      return s;
    }
    std::optional<HostPort> http;
    if (!options_.http_listen.empty()) {
      auto parsed = ParseHostPort(options_.http_listen, "--http");
      if (!parsed.ok()) return parsed.status();
      http = *parsed;
    }
    // gRPC logs its own multi-line complaint for an address it cannot bind;
    // check first so that the user gets one clear line.
    if (auto s = CheckBindable(*listen, "--listen"); !s.ok()) return s;
    if (http.has_value()) {
      DashboardApiOptions api;
      api.scheduler = scheduler_.get();
      api.hub = hub_.get();
      api.authorizer = authorizer_.get();
      api.client_mtls_only =
          options_.auth.tls.mutual() && options_.auth.client_token.empty();
      api.allow_exec = options_.allow_exec;
      api_ = std::make_unique<DashboardApi>(api);
      pages_ = std::make_unique<DashboardPages>(api_.get());
      auto server = HttpServer::Start(*http, [this](const HttpRequest& r) {
        return Route(r, *scheduler_, *api_, *pages_);
      });
      if (!server.ok()) return server.status();
      http_ = *std::move(server);
    }

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(FormatHostPort(listen->host, listen->port),
                             NewServerCredentials(options_.auth.tls), &port);
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    // Workers ping to keep idle streams alive; do not punish them for it.
    builder.AddChannelArgument(
        GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
    // A peer's message above the limit fails its call, nothing else.
    const uint64_t max_in =
        std::clamp<uint64_t>(options_.max_message_bytes, 1 << 10, INT32_MAX);
    builder.SetMaxReceiveMessageSize(static_cast<int>(max_in));
    builder.SetMaxSendMessageSize(
        static_cast<int>(std::max<uint64_t>(max_in, 64 << 20)));
    builder.RegisterService(worker_service_.get());
    builder.RegisterService(job_service_.get());
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port == 0) {
      server_.reset();
      if (http_ != nullptr) http_->Stop();
      return absl::UnavailableError(
          absl::StrCat("--listen \"", options_.listen,
                       "\": cannot listen there (the gRPC server failed to "
                       "start",
                       options_.auth.tls.enabled()
                           ? "; check that --tls-cert and --tls-key are a "
                             "matching PEM certificate and key"
                           : "",
                       ")"));
    }
    address_ = FormatHostPort(listen->host, port);
    ticker_ = std::thread([this] { TickLoop(); });
    return absl::OkStatus();
  }

  std::string address() const override { return address_; }
  std::string http_address() const override {
    return http_ != nullptr ? http_->address() : "";
  }

  void Shutdown() override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (shutdown_started_) {
        changed_.wait(lock, [this] { return shutdown_done_; });
        return;
      }
      shutdown_started_ = true;
    }
    if (server_ != nullptr) {
      hub_->DrainAll("coordinator shutting down");
      if (!hub_->AwaitEmpty(absl::Now() + options_.drain_timeout)) {
        hub_->Log(absl::StrCat(hub_->size(),
                               " workers did not finish draining in time"));
      }
      scheduler_->Stop();  // ends Watch calls
      server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
      server_->Wait();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ticker_ = true;
    }
    changed_.notify_all();
    if (ticker_.joinable()) ticker_.join();
    FlushJournal();
    if (http_ != nullptr) http_->Stop();
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutdown_done_ = true;
    }
    changed_.notify_all();
  }

  void Wait() override {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return shutdown_done_; });
  }

 private:
  void TickLoop() {
    const Clock* clock =
        options_.clock != nullptr ? options_.clock : RealClock::Get();
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (changed_.wait_for(lock, absl::ToChronoMilliseconds(kTickInterval),
                              [this] { return stop_ticker_; })) {
          return;
        }
      }
      hub_->Apply(scheduler_->Tick(clock->Now()));
      FlushJournal();
    }
  }

  // Opens the journal, rebuilds the scheduler over it and resumes its jobs.
  absl::Status OpenJournal() {
    if (options_.journal_path.empty()) return absl::OkStatus();
    auto journal = Journal::Open(options_.journal_path);
    if (!journal.ok()) return journal.status();
    journal_ = *std::move(journal);
    auto jobs = journal_->Load();
    if (!jobs.ok()) return jobs.status();
    auto last_forgotten = journal_->LastForgottenJobNumber();
    if (!last_forgotten.ok()) return last_forgotten.status();
    const size_t refused = FailUnadmittedJobs(
        *jobs, options_.allow_exec,
        (options_.clock != nullptr ? options_.clock : RealClock::Get())->Now(),
        journal_.get());
    size_t unfinished = 0;
    for (const auto& job : *jobs) {
      if (job.state == v1::JOB_STATE_RUNNING) ++unfinished;
    }
    // The hub and services hold the scheduler: rebuild them over the
    // journaled one (nothing is serving yet).
    SchedulerOptions s = scheduler_options_;
    s.journal = journal_.get();
    scheduler_ = std::make_unique<Scheduler>(s);
    hub_ = std::make_unique<WorkerHub>(scheduler_.get(), options_.verbose);
    RebuildServices();
    for (const auto& job : *jobs) {
      hub_->stats().OnRestore(job.job_id, job.spec, job.submitted);
    }
    if (auto st = scheduler_->Restore(*std::move(jobs), *last_forgotten);
        !st.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("journal ", options_.journal_path, ": ", st.message()));
    }
    if (auto st = journal_->Flush(); !st.ok()) return st;
    hub_->Log(absl::StrCat("journal ", options_.journal_path, ": resumed ",
                           unfinished, unfinished == 1 ? " job" : " jobs"));
    if (refused > 0) {
      hub_->Log(absl::StrCat("journal ", options_.journal_path, ": failed ",
                             refused, refused == 1 ? " job" : " jobs",
                             " that run commands instead of resuming them (no ",
                             kAllowExecFlag, ")"));
    }
    return absl::OkStatus();
  }

  // Commits the journal's buffer; logs a failure once per minute at most.
  void FlushJournal() {
    if (journal_ == nullptr) return;
    if (auto s = journal_->Flush(); !s.ok()) {
      const absl::Time now = absl::Now();
      if (now - last_journal_error_ > absl::Minutes(1)) {
        last_journal_error_ = now;
        hub_->Log(absl::StrCat(
            "cannot write the journal (finished tasks are kept in memory and "
            "retried): ",
            s.message()));
      }
    }
  }

  const CoordinatorOptions options_;
  const std::unique_ptr<Authorizer> authorizer_;  // used by the services
  SchedulerOptions scheduler_options_;
  std::unique_ptr<Journal> journal_;
  absl::Time last_journal_error_ = absl::InfinitePast();
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<WorkerHub> hub_;
  std::unique_ptr<WorkerServiceImpl> worker_service_;
  std::unique_ptr<JobServiceImpl> job_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<DashboardApi> api_;
  std::unique_ptr<DashboardPages> pages_;
  std::unique_ptr<HttpServer> http_;
  std::string address_;
  std::thread ticker_;

  std::mutex mu_;
  std::condition_variable changed_;  // shutdown progress, ticker stop
  bool shutdown_started_ ABSL_GUARDED_BY(mu_) = false;
  bool shutdown_done_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ticker_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Coordinator>> Coordinator::Start(
    const CoordinatorOptions& options) {
  if (options.registry == nullptr) {
    return absl::InvalidArgumentError(
        "coordinator options: registry is required");
  }
  auto coordinator = std::make_unique<CoordinatorImpl>(options);
  if (auto s = coordinator->Init(); !s.ok()) return s;
  return coordinator;
}

}  // namespace gridless
