// The dashboard's pages (see dashboard_pages.h).
#include "coordinator/dashboard_pages.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "coordinator/web_assets.h"

namespace gridless {
namespace {

// Pages load scripts, styles and data from this server only.
constexpr char kPagePolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";
// The report loads nothing at all.
constexpr char kReportPolicy[] =
    "default-src 'none'; script-src 'unsafe-inline'; style-src "
    "'unsafe-inline'; img-src data:; base-uri 'none'";

HttpResponse Asset(absl::string_view body, const char* type) {
  HttpResponse r;
  r.content_type = type;
  r.body = std::string(body);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

std::string Shell(absl::string_view head, absl::string_view body_end) {
  const std::string html(WebFile("index.html").value_or(""));
  return absl::StrReplaceAll(html,
                             {{"{{HEAD}}", head}, {"{{BODY_END}}", body_end}});
}

}  // namespace

std::optional<absl::string_view> WebFile(absl::string_view name) {
  for (size_t i = 0; i < kNumWebAssets; ++i) {
    if (name == kWebAssets[i].name) {
      return absl::string_view(
          reinterpret_cast<const char*>(kWebAssets[i].data),
          kWebAssets[i].size);
    }
  }
  return std::nullopt;
}

std::optional<HttpResponse> DashboardPages::Handle(
    const HttpRequest& request) const {
  const std::string& path = request.path;
  if (path == "/static/app.js") {
    return Asset(WebFile("app.js").value_or(""),
                 "text/javascript; charset=utf-8");
  }
  if (path == "/static/style.css") {
    return Asset(WebFile("style.css").value_or(""), "text/css; charset=utf-8");
  }
  if (absl::StartsWith(path, "/report/")) {
    auto report = Report(path.substr(8));
    if (!report.ok()) {
      const int status =
          report.status().code() == absl::StatusCode::kNotFound ? 404 : 400;
      return JsonError(status, report.status().message());
    }
    HttpResponse r = Asset(*report, "text/html; charset=utf-8");
    r.headers.emplace_back("Content-Security-Policy", kReportPolicy);
    return r;
  }
  absl::string_view job = path;
  if (path == "/" || path == "/jobs" || path == "/workers" ||
      (absl::ConsumePrefix(&job, "/job/") && CheckJobIdSyntax(job).ok())) {
    HttpResponse r =
        Asset(Shell("<link rel=\"stylesheet\" href=\"/static/style.css\">",
                    "<script src=\"/static/app.js\"></script>"),
              "text/html; charset=utf-8");
    r.headers.emplace_back("Content-Security-Policy", kPagePolicy);
    r.headers.emplace_back("X-Frame-Options", "DENY");
    return r;
  }
  return std::nullopt;
}

absl::StatusOr<std::string> DashboardPages::Report(
    const std::string& job_id) const {
  auto job = api_->JobJson(job_id);
  if (!job.ok()) return job.status();
  auto failures = api_->FailuresJson(job_id, DashboardApi::kMaxFailures);
  if (!failures.ok()) return failures.status();
  const std::string data = absl::StrCat(
      "window.GRIDLESS_REPORT = {\"job\":", *job, ",\"failures\":", *failures,
      ",\"generated\":", absl::ToUnixSeconds(absl::Now()), "};");
  return Shell(
      absl::StrCat("<meta http-equiv=\"Content-Security-Policy\" content=\"",
                   kReportPolicy, "\">\n<style>\n",
                   WebFile("style.css").value_or(""), "\n</style>"),
      absl::StrCat("<script>\n", data, "\n</script>\n<script>\n",
                   WebFile("app.js").value_or(""), "\n</script>"));
}

}  // namespace gridless
