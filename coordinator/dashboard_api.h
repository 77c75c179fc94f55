// The dashboard's JSON API under /api/ (documented in docs/API.md):
//
//   GET  /api/jobs[?state=S&kind=K&name=N]  every job the scheduler knows
//        (live and ended; ended jobs come back from the journal after a
//        restart), newest first, optionally filtered
//   GET  /api/job/ID            spec, state, counts, per-stage progress,
//        task-duration histogram, results over time, result once ended
//   GET  /api/job/ID/failures[?limit=N]  dead letters with every attempt
//   GET  /api/workers           connected workers
//   POST /api/job/ID/retry      reruns the dead letters (FAILED/PARTIAL)
//   POST /api/job/ID/cancel     cancels a running job
//
// Every answer is JSON; an error is one line {"error": "..."} with a 4xx or
// 5xx status.  Reading is open, as /metrics is.  POST needs the client
// token when the coordinator has one (`Authorization: Bearer TOKEN`,
// checked like the gRPC API's), is refused (403) when clients are
// authenticated by mutual TLS only (this HTTP endpoint has no TLS), and
// needs `Content-Type: application/json` (a cross-site form cannot send
// it, so another web page cannot make a browser cancel jobs); the body is
// empty or a JSON object of at most kMaxBodyBytes.
//
// Thread-safety: Handle may be called from any thread (HTTP server threads).
#ifndef GRIDLESS_COORDINATOR_DASHBOARD_API_H_
#define GRIDLESS_COORDINATOR_DASHBOARD_API_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth.h"
#include "coordinator/http_server.h"
#include "coordinator/scheduler.h"
#include "coordinator/worker_hub.h"

namespace gridless {

struct DashboardApiOptions {
  Scheduler* scheduler = nullptr;  // required; outlives the API
  WorkerHub* hub = nullptr;        // required; outlives the API
  // Checks the client token of POSTs; nullptr = open.  Outlives the API.
  const Authorizer* authorizer = nullptr;
  // Clients authenticate by mutual TLS and have no token: POSTs are refused.
  bool client_mtls_only = false;
  // As CoordinatorOptions::allow_exec, for Retry.
  bool allow_exec = false;
};

class DashboardApi {
 public:
  static constexpr size_t kMaxBodyBytes = 4096;
  static constexpr int kDefaultFailures = 100;
  static constexpr int kMaxFailures = 1000;

  explicit DashboardApi(DashboardApiOptions options)
      : options_(std::move(options)) {}

  // The answer to a request whose path starts with /api/.
  HttpResponse Handle(const HttpRequest& request) const;

  // The bodies of GET /api/job/ID and /api/job/ID/failures (used by the
  // report too).  NOT_FOUND, INVALID_ARGUMENT for a malformed id.
  absl::StatusOr<std::string> JobJson(const std::string& job_id) const;
  absl::StatusOr<std::string> FailuresJson(const std::string& job_id,
                                           int limit) const;

 private:
  HttpResponse Jobs(const HttpRequest& request) const;
  HttpResponse Workers() const;
  HttpResponse Mutate(const HttpRequest& request, const std::string& job_id,
                      absl::string_view action) const;

  const DashboardApiOptions options_;
};

// A one-line JSON error answer: {"error": message}.
HttpResponse JsonError(int status, absl::string_view message);
// OK when `id` looks like a job id ("job-" and 1 to 19 digits).
absl::Status CheckJobIdSyntax(absl::string_view id);
// `text` as a JSON string literal, with '<', '>' and '&' escaped as \u00XX
// so that it is safe inside an HTML <script> element.
std::string JsonQuote(absl::string_view text);
// JSON text made safe to inline in <script>: '<', '>', '&' outside nothing
// but strings can hold them, so each becomes \u00XX.
std::string JsonForScript(absl::string_view json);

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_DASHBOARD_API_H_
