// The dashboard's pages (docs/API.md): the HTML shell for /, /jobs,
// /job/ID and /workers, its script and style under /static/, and the
// self-contained report of one job (/report/ID, `gridless report`).  The
// files come from coordinator/web/, compiled in (web_assets.h); pages load
// nothing from elsewhere (a Content-Security-Policy header says so to the
// browser too).
//
// Thread-safety: Handle and Report may be called from any thread.
#ifndef GRIDLESS_COORDINATOR_DASHBOARD_PAGES_H_
#define GRIDLESS_COORDINATOR_DASHBOARD_PAGES_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "coordinator/dashboard_api.h"
#include "coordinator/http_server.h"

namespace gridless {

class DashboardPages {
 public:
  // `api` must outlive the pages.
  explicit DashboardPages(const DashboardApi* api) : api_(api) {}

  // The answer for a page path (GET/HEAD); nullopt when `request.path` is
  // not one of the dashboard's.
  std::optional<HttpResponse> Handle(const HttpRequest& request) const;

  // One HTML file showing the job as its page does, with the data, script
  // and style inline and nothing to load.  The API's errors for a bad or
  // unknown id.
  absl::StatusOr<std::string> Report(const std::string& job_id) const;

 private:
  const DashboardApi* const api_;
};

// The embedded file `name` (e.g. "app.js"); nullopt when there is none.
std::optional<absl::string_view> WebFile(absl::string_view name);

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_DASHBOARD_PAGES_H_
