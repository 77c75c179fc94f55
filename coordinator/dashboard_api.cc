// The dashboard's JSON API (see dashboard_api.h).
#include "coordinator/dashboard_api.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/job_state.h"
#include "coordinator/exec_admission.h"
#include "coordinator/job_stats.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace gridless {
namespace {

std::string Num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string Time(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return "null";
  return Num(static_cast<double>(absl::ToUnixMicros(t)) / 1e6);
}

int HttpStatusFor(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

HttpResponse FromStatus(const absl::Status& s) {
  return JsonError(HttpStatusFor(s), s.message());
}

HttpResponse JsonOk(std::string body) {
  HttpResponse r;
  r.content_type = "application/json";
  r.body = std::move(body);
  r.body += '\n';
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// Protobuf message as JSON (Struct, JobSpec), field names as in the .proto.
std::string ProtoJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(m, &out, options).ok()) {
    return "null";
  }
  return JsonForScript(out);
}

std::string CountsJson(const v1::TaskCounts& t) {
  return absl::StrCat(
      "{\"total\":", t.total(), ",\"succeeded\":", t.succeeded(),
      ",\"retried\":", t.retried(), ",\"failed\":", t.failed(),
      ",\"running\":", t.running(), ",\"speculative\":", t.speculative(),
      ",\"timed_out\":", t.timed_out(), ",\"rerun\":", t.rerun(), "}");
}

std::string ProgressFields(const v1::Progress& p) {
  return absl::StrCat(
      "\"id\":", JsonQuote(p.job_id()), ",\"kind\":", JsonQuote(p.kind()),
      ",\"name\":", JsonQuote(p.name()),
      ",\"state\":", JsonQuote(StateName(p.state())),
      ",\"final\":", IsFinal(p.state()) ? "true" : "false",
      ",\"tasks\":", CountsJson(p.tasks()),
      ",\"wall_seconds\":", Num(p.wall_seconds()),
      ",\"worker_seconds\":", Num(p.worker_seconds()),
      ",\"error\":", JsonQuote(p.error()), ",\"workers\":", p.workers(),
      ",\"partial\":", p.partial() ? "true" : "false", ",\"stage\":", p.stage(),
      ",\"stages\":", p.stages());
}

// Per-stage progress: stages before the current one are complete; the
// current one holds what the totals leave; later ones are not planned yet.
std::string StagesJson(const v1::Progress& p,
                       const std::optional<JobStats::Job>& stats) {
  const uint32_t stages = std::clamp<uint32_t>(p.stages(), 1, 64);
  const uint32_t current = std::min(p.stage(), stages - 1);
  const v1::TaskCounts& t = p.tasks();
  std::string out = "[";
  uint64_t before = 0;  // tasks of the stages before `s`
  for (uint32_t s = 0; s < stages; ++s) {
    uint64_t total = 0;
    uint64_t done = 0;
    bool planned = true;
    if (s < current) {
      if (s == 0 && stats.has_value() && stats->first_stage_tasks > 0) {
        total = stats->first_stage_tasks;
      } else if (stats.has_value() && s < JobStats::kMaxStages) {
        total = stats->succeeded_by_stage[s];
      }
      total = std::min(total, t.total() - std::min(t.total(), before));
      done = total;
    } else if (s == current) {
      total = t.total() - std::min(t.total(), before);
      done = std::min(total, t.succeeded() - std::min(t.succeeded(), before));
      if (p.state() == v1::JOB_STATE_SUCCEEDED) done = total;
    } else {
      planned = false;
    }
    before += total;
    absl::StrAppend(&out, s == 0 ? "" : ",", "{\"stage\":", s,
                    ",\"planned\":", planned ? "true" : "false",
                    ",\"total\":", total, ",\"done\":", done, "}");
  }
  out += "]";
  return out;
}

std::string DurationsJson(const JobStats::Job& j) {
  std::string lows = "[";
  std::string counts = "[";
  for (int i = 0; i < JobStats::kDurationBuckets; ++i) {
    absl::StrAppend(&lows, i ? "," : "", Num(JobStats::BucketLow(i)));
    absl::StrAppend(&counts, i ? "," : "", j.durations[i]);
  }
  return absl::StrCat("{\"bucket_low_seconds\":", lows, "],\"counts\":", counts,
                      "],\"max_seconds\":", Num(j.run_seconds_max), "}");
}

std::string SeriesJson(const std::vector<uint64_t>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", v[i]);
  }
  return out + "]";
}

bool Matches(const v1::Progress& p, const HttpRequest& request) {
  if (auto state = request.Param("state"); state && !state->empty()) {
    bool any = false;
    for (absl::string_view s : absl::StrSplit(*state, ',')) {
      if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(s),
                                 StateName(p.state()))) {
        any = true;
      }
    }
    if (!any) return false;
  }
  if (auto kind = request.Param("kind"); kind && !kind->empty()) {
    if (p.kind() != *kind) return false;
  }
  if (auto name = request.Param("name"); name && !name->empty()) {
    const std::string want = absl::AsciiStrToLower(*name);
    if (!absl::StrContains(absl::AsciiStrToLower(p.name()), want) &&
        !absl::StrContains(absl::AsciiStrToLower(p.job_id()), want)) {
      return false;
    }
  }
  return true;
}

}  // namespace

HttpResponse JsonError(int status, absl::string_view message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  // One line: the message's own line breaks are escaped by JsonQuote.
  r.body =
      absl::StrCat("{\"error\":", JsonQuote(message.substr(0, 2000)), "}\n");
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

absl::Status CheckJobIdSyntax(absl::string_view id) {
  absl::string_view digits = id;
  if (absl::ConsumePrefix(&digits, "job-") && !digits.empty() &&
      digits.size() <= 19 &&
      std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit)) {
    return absl::OkStatus();
  }
  std::string shown(id.substr(0, 40));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return absl::InvalidArgumentError(
      absl::StrCat("bad job id \"", shown, "\": expected an id such as job-1"));
}

std::string JsonQuote(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '<':
      case '>':
      case '&':
        absl::StrAppend(&out, "\\u00", absl::Hex(u, absl::kZeroPad2));
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          absl::StrAppend(&out, "\\u00", absl::Hex(u, absl::kZeroPad2));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string JsonForScript(absl::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<' || c == '>' || c == '&') {
      absl::StrAppend(
          &out, "\\u00",
          absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    } else {
      out += c;
    }
  }
  return out;
}

HttpResponse DashboardApi::Handle(const HttpRequest& request) const {
  absl::string_view path = request.path;
  absl::ConsumePrefix(&path, "/api/");
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (path == "jobs" || path == "workers") {
    if (!get) return JsonError(405, "use GET");
    return path == "jobs" ? Jobs(request) : Workers();
  }
  std::vector<std::string> parts =
      absl::StrSplit(path, absl::MaxSplits('/', 2));
  if (parts.size() < 2 || parts[0] != "job") {
    return JsonError(404, absl::StrCat("no such API: /api/", path.substr(0, 80),
                                       "; see docs/API.md"));
  }
  const std::string& id = parts[1];
  if (auto s = CheckJobIdSyntax(id); !s.ok()) return FromStatus(s);
  const std::string action = parts.size() > 2 ? parts[2] : "";
  if (action.empty() || action == "failures") {
    if (!get) return JsonError(405, "use GET");
    if (action.empty()) {
      auto body = JobJson(id);
      return body.ok() ? JsonOk(*std::move(body)) : FromStatus(body.status());
    }
    int limit = kDefaultFailures;
    if (auto l = request.Param("limit"); l.has_value()) {
      if (!absl::SimpleAtoi(*l, &limit) || limit < 0 || limit > kMaxFailures) {
        return JsonError(400, absl::StrCat("limit must be an integer in [0, ",
                                           kMaxFailures, "]"));
      }
    }
    auto body = FailuresJson(id, limit);
    return body.ok() ? JsonOk(*std::move(body)) : FromStatus(body.status());
  }
  if (action == "retry" || action == "cancel") {
    if (request.method != "POST") return JsonError(405, "use POST");
    return Mutate(request, id, action);
  }
  return JsonError(404, absl::StrCat("no such API: /api/", path.substr(0, 80),
                                     "; see docs/API.md"));
}

HttpResponse DashboardApi::Jobs(const HttpRequest& request) const {
  if (auto state = request.Param("state"); state && !state->empty()) {
    for (absl::string_view s : absl::StrSplit(*state, ',')) {
      s = absl::StripAsciiWhitespace(s);
      bool known = false;
      for (v1::JobState st : {v1::JOB_STATE_RUNNING, v1::JOB_STATE_SUCCEEDED,
                              v1::JOB_STATE_FAILED, v1::JOB_STATE_CANCELLED,
                              v1::JOB_STATE_PARTIAL}) {
        if (absl::EqualsIgnoreCase(s, StateName(st))) known = true;
      }
      if (!known) {
        return JsonError(400, absl::StrCat("unknown state \"", s.substr(0, 40),
                                           "\"; expected running, succeeded, "
                                           "failed, cancelled or partial"));
      }
    }
  }
  const v1::ListJobsResponse list = options_.scheduler->ListJobs();
  std::string out = "{\"jobs\":[";
  bool first = true;
  size_t matched = 0;
  // Newest first.
  for (int i = list.jobs_size() - 1; i >= 0; --i) {
    const v1::Progress& p = list.jobs(i);
    if (!Matches(p, request)) continue;
    ++matched;
    absl::StrAppend(&out, first ? "" : ",", "{", ProgressFields(p), "}");
    first = false;
  }
  absl::StrAppend(&out, "],\"count\":", matched,
                  ",\"workers\":", options_.scheduler->workers(), "}");
  return JsonOk(std::move(out));
}

absl::StatusOr<std::string> DashboardApi::JobJson(
    const std::string& job_id) const {
  if (auto s = CheckJobIdSyntax(job_id); !s.ok()) return s;
  auto result = options_.scheduler->GetResult(job_id);
  if (!result.ok()) return result.status();
  const v1::Progress& p = result->progress();
  const std::optional<JobStats::Job> stats =
      options_.hub->stats().FindJob(job_id);
  std::string out = absl::StrCat("{", ProgressFields(p));
  absl::StrAppend(&out, ",\"stage_progress\":", StagesJson(p, stats));
  if (stats.has_value()) {
    absl::StrAppend(
        &out, ",\"spec\":", ProtoJson(stats->spec),
        ",\"submitted\":", Time(stats->submitted),
        ",\"durations\":", DurationsJson(*stats),
        ",\"throughput\":{\"bucket_seconds\":", Num(stats->bucket_seconds),
        ",\"succeeded\":", SeriesJson(stats->succeeded_over_time),
        ",\"failed\":", SeriesJson(stats->failed_over_time), "}");
  } else {
    absl::StrAppend(&out, ",\"spec\":null");
  }
  if (result->has_result() && result->result().fields_size() > 0) {
    absl::StrAppend(&out, ",\"result\":", ProtoJson(result->result()));
  } else {
    absl::StrAppend(&out, ",\"result\":null");
  }
  absl::StrAppend(&out, ",\"now\":", Time(absl::Now()), "}");
  return out;
}

absl::StatusOr<std::string> DashboardApi::FailuresJson(
    const std::string& job_id, int limit) const {
  if (auto s = CheckJobIdSyntax(job_id); !s.ok()) return s;
  auto failures = options_.scheduler->ListFailures(job_id);
  if (!failures.ok()) return failures.status();
  std::string out = absl::StrCat(
      "{\"id\":", JsonQuote(job_id),
      ",\"state\":", JsonQuote(StateName(failures->state())),
      ",\"count\":", failures->dead_letters_size(), ",\"dead_letters\":[");
  const int n = std::min(limit, failures->dead_letters_size());
  for (int i = 0; i < n; ++i) {
    const v1::DeadLetter& d = failures->dead_letters(i);
    absl::StrAppend(&out, i ? "," : "", "{\"stage\":", d.stage(),
                    ",\"task_index\":", d.task_index(), ",\"attempts\":[");
    for (int a = 0; a < d.attempts_size(); ++a) {
      const v1::AttemptRecord& r = d.attempts(a);
      absl::StrAppend(&out, a ? "," : "", "{\"attempt\":", r.attempt(),
                      ",\"worker\":", JsonQuote(r.worker()),
                      ",\"seconds\":", Num(r.seconds()), ",\"code\":", r.code(),
                      ",\"code_name\":",
                      JsonQuote(absl::StatusCodeToString(
                          static_cast<absl::StatusCode>(r.code()))),
                      ",\"message\":", JsonQuote(r.message()),
                      ",\"retryable\":", r.retryable() ? "true" : "false", "}");
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

HttpResponse DashboardApi::Workers() const {
  const std::vector<JobStats::Worker> workers = options_.hub->stats().Workers();
  const absl::Time now = absl::Now();
  std::string out = "{\"workers\":[";
  uint64_t slots = 0;
  for (size_t i = 0; i < workers.size(); ++i) {
    const JobStats::Worker& w = workers[i];
    slots += w.slots;
    absl::StrAppend(
        &out, i ? "," : "", "{\"id\":", w.id, ",\"name\":", JsonQuote(w.name),
        ",\"peer\":", JsonQuote(w.peer), ",\"slots\":", w.slots,
        ",\"running\":", w.running, ",\"succeeded\":", w.succeeded,
        ",\"failed\":", w.failed, ",\"connected\":", Time(w.connected),
        ",\"last_heartbeat\":", Time(w.last_heartbeat),
        ",\"heartbeat_age_seconds\":",
        w.last_heartbeat == absl::InfinitePast()
            ? "null"
            : Num(absl::ToDoubleSeconds(now - w.last_heartbeat)),
        "}");
  }
  absl::StrAppend(&out, "],\"count\":", workers.size(), ",\"slots\":", slots,
                  ",\"now\":", Time(now), "}");
  return JsonOk(std::move(out));
}

HttpResponse DashboardApi::Mutate(const HttpRequest& request,
                                  const std::string& job_id,
                                  absl::string_view action) const {
  if (options_.client_mtls_only) {
    return JsonError(403,
                     "this coordinator authenticates clients by mutual TLS, "
                     "which its HTTP endpoint does not speak; use `gridless "
                     "retry` or `gridless cancel`, or give it a client token");
  }
  if (options_.authorizer != nullptr) {
    std::optional<std::string> header = request.Header("Authorization");
    std::optional<absl::string_view> value;
    if (header.has_value()) value = *header;
    grpc::Status s = options_.authorizer->AuthorizeMetadata(
        value, request.remote_address, Role::kClient);
    if (!s.ok()) {
      HttpResponse r = JsonError(401, s.error_message());
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
  }
  const std::string type = request.Header("Content-Type").value_or("");
  if (!absl::StartsWithIgnoreCase(type, "application/json")) {
    return JsonError(415,
                     "POST needs \"Content-Type: application/json\" (a "
                     "cross-site form cannot send it)");
  }
  if (request.body.size() > kMaxBodyBytes) {
    return JsonError(413, absl::StrCat("request body is over the limit of ",
                                       kMaxBodyBytes, " bytes"));
  }
  if (!absl::StripAsciiWhitespace(request.body).empty()) {
    google::protobuf::Struct body;
    if (auto s =
            google::protobuf::util::JsonStringToMessage(request.body, &body);
        !s.ok()) {
      return JsonError(400, "the body must be empty or a JSON object");
    }
  }
  Scheduler& scheduler = *options_.scheduler;
  SchedulerEvents events;
  std::string out;
  if (action == "cancel") {
    auto state = scheduler.Cancel(job_id, &events);
    if (!state.ok()) return FromStatus(state.status());
    out = absl::StrCat("{\"id\":", JsonQuote(job_id),
                       ",\"state\":", JsonQuote(StateName(*state)), "}");
  } else {
    if (auto progress = scheduler.GetProgress(job_id); progress.ok()) {
      if (auto s = CheckKindAdmitted(progress->kind(), options_.allow_exec);
          !s.ok()) {
        return FromStatus(s);
      }
    }
    auto retried = scheduler.Retry(job_id, &events);
    if (!retried.ok()) return FromStatus(retried.status());
    out = absl::StrCat(
        "{\"id\":", JsonQuote(job_id), ",\"tasks\":", retried->tasks(),
        ",\"state\":", JsonQuote(StateName(retried->state())), "}");
    options_.hub->Log(absl::StrCat("job ", job_id, ": retrying ",
                                   retried->tasks(),
                                   " dead-lettered tasks (dashboard)"));
  }
  options_.hub->Apply(events);
  return JsonOk(std::move(out));
}

}  // namespace gridless
