#include "cli/result_output.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/cli.h"

namespace gridless {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

std::vector<absl::string_view> SortedKeys(const Struct& s) {
  std::vector<absl::string_view> keys;
  keys.reserve(s.fields_size());
  for (const auto& [k, v] : s.fields()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// A number for people: integers in full, others to 10 significant digits.
std::string HumanNumber(double x) {
  if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 1e15) {
    return absl::StrFormat("%.0f", x);
  }
  return absl::StrFormat("%.10g", x);
}

std::string HumanValue(const Value& v) {
  switch (v.kind_case()) {
    case Value::kNumberValue:
      return HumanNumber(v.number_value());
    case Value::kStringValue:
      return v.string_value();
    case Value::kBoolValue:
      return v.bool_value() ? "true" : "false";
    default:
      return ValueToJson(v);
  }
}

std::string TasksJson(const v1::TaskCounts& t, bool with_running) {
  std::string out =
      absl::StrCat("{\"total\":", t.total(), ",\"succeeded\":", t.succeeded(),
                   ",\"retried\":", t.retried(), ",\"failed\":", t.failed());
  if (with_running) absl::StrAppend(&out, ",\"running\":", t.running());
  if (t.timed_out() > 0)
    absl::StrAppend(&out, ",\"timed_out\":", t.timed_out());
  if (t.speculative() > 0) {
    absl::StrAppend(&out, ",\"speculative\":", t.speculative());
  }
  if (t.rerun() > 0) absl::StrAppend(&out, ",\"rerun\":", t.rerun());
  out += "}";
  return out;
}

}  // namespace

int ExitCodeForState(v1::JobState state) {
  switch (state) {
    case v1::JOB_STATE_SUCCEEDED:
      return kExitOk;
    case v1::JOB_STATE_PARTIAL:
      return kExitPartial;
    default:
      return kExitFailed;
  }
}

std::string ExtraTaskCounts(const v1::TaskCounts& t) {
  std::string out;
  if (t.timed_out() > 0)
    absl::StrAppend(&out, ", ", t.timed_out(), " timed out");
  if (t.speculative() > 0) {
    absl::StrAppend(&out, ", ", t.speculative(), " speculative");
  }
  if (t.rerun() > 0) absl::StrAppend(&out, ", ", t.rerun(), " rerun");
  return out;
}

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  // Whole numbers as integers (20000000, not 2e+07) while exact.
  if (value == std::floor(value) && std::fabs(value) < 0x1p53) {
    return absl::StrFormat("%.0f", value);
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  if (ec != std::errc()) return absl::StrFormat("%.17g", value);
  return std::string(buf, end);
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
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
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  return out;
}

std::string ValueToJson(const Value& value) {
  switch (value.kind_case()) {
    case Value::kNumberValue:
      return JsonNumber(value.number_value());
    case Value::kStringValue:
      return JsonString(value.string_value());
    case Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case Value::kStructValue:
      return StructToJson(value.struct_value());
    case Value::kListValue: {
      std::string out = "[";
      const auto& list = value.list_value().values();
      for (int i = 0; i < list.size(); ++i) {
        if (i > 0) out += ",";
        out += ValueToJson(list[i]);
      }
      return out + "]";
    }
    default:
      return "null";
  }
}

std::string StructToJson(const Struct& value) {
  std::string out = "{";
  bool first = true;
  for (absl::string_view key : SortedKeys(value)) {
    if (!first) out += ",";
    first = false;
    absl::StrAppend(&out, JsonString(key), ":",
                    ValueToJson(value.fields().at(std::string(key))));
  }
  return out + "}";
}

std::string JobResultToJson(const v1::JobResult& result) {
  const v1::Progress& p = result.progress();
  std::string out =
      absl::StrCat("{\"job_id\":", JsonString(p.job_id()),
                   ",\"kind\":", JsonString(p.kind()),
                   ",\"state\":", JsonString(StateName(p.state())),
                   p.partial() ? ",\"partial\":true" : "",
                   ",\"result\":", StructToJson(result.result()),
                   ",\"tasks\":", TasksJson(p.tasks(), /*with_running=*/false),
                   ",\"worker_seconds\":", JsonNumber(p.worker_seconds()),
                   ",\"wall_seconds\":", JsonNumber(p.wall_seconds()));
  if (!p.error().empty()) {
    absl::StrAppend(&out, ",\"error\":", JsonString(p.error()));
  }
  return out + "}";
}

std::string ProgressToJson(const v1::Progress& p) {
  std::string out = absl::StrCat(
      "{\"job_id\":", JsonString(p.job_id()),
      ",\"kind\":", JsonString(p.kind()), ",\"name\":", JsonString(p.name()),
      ",\"state\":", JsonString(StateName(p.state())),
      p.partial() ? ",\"partial\":true" : "",
      ",\"tasks\":", TasksJson(p.tasks(), /*with_running=*/true),
      ",\"workers\":", p.workers(),
      ",\"worker_seconds\":", JsonNumber(p.worker_seconds()),
      ",\"wall_seconds\":", JsonNumber(p.wall_seconds()));
  if (!p.error().empty()) {
    absl::StrAppend(&out, ",\"error\":", JsonString(p.error()));
  }
  return out + "}";
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return absl::StrFormat("%.1f s", seconds);
  int64_t s = static_cast<int64_t>(std::llround(seconds));
  if (s < 3600) return absl::StrFormat("%d min %02d s", s / 60, s % 60);
  return absl::StrFormat("%d h %02d min", s / 3600, (s % 3600) / 60);
}

// A run manifest (loan-mc, docs/LOAN_MODEL.md) is long: the text view names
// the tape's hash and the build; --json and summary.json hold all of it.
static std::string ManifestSummary(const google::protobuf::Value& manifest) {
  if (!manifest.has_struct_value()) return HumanValue(manifest);
  const auto& m = manifest.struct_value().fields();
  auto text = [](const google::protobuf::Value* v) {
    return v != nullptr && v->has_string_value() ? v->string_value()
                                                 : std::string("?");
  };
  auto field =
      [](const google::protobuf::Map<std::string, google::protobuf::Value>& f,
         const char* key) -> const google::protobuf::Value* {
    auto it = f.find(key);
    return it == f.end() ? nullptr : &it->second;
  };
  const google::protobuf::Value* tape = field(m, "tape");
  const google::protobuf::Value* build = field(m, "build");
  std::string sha = tape != nullptr && tape->has_struct_value()
                        ? text(field(tape->struct_value().fields(), "sha256"))
                        : "?";
  return absl::StrCat("tape sha256 ", sha.substr(0, 16), "..., build ",
                      build != nullptr && build->has_struct_value()
                          ? text(field(build->struct_value().fields(), "id"))
                          : "?",
                      ", seed ", text(field(m, "seed")),
                      " (all of it: --json, or summary.json under out)");
}

std::string JobResultToText(const v1::JobResult& result) {
  const v1::Progress& p = result.progress();
  const v1::TaskCounts& t = p.tasks();
  std::string out = absl::StrCat("job ", p.job_id(), " (", p.kind(), ") ",
                                 StateName(p.state()));
  if (IsFinal(p.state())) {
    absl::StrAppend(&out, " in ", FormatDuration(p.wall_seconds()));
  } else {
    absl::StrAppend(&out, " for ", FormatDuration(p.wall_seconds()));
  }
  absl::StrAppend(&out, "\n");
  if (!p.error().empty()) absl::StrAppend(&out, "  error: ", p.error(), "\n");
  absl::StrAppend(&out, "  tasks: ", t.total(), " total, ", t.succeeded(),
                  " succeeded, ", t.retried(), " retried, ", t.failed(),
                  " failed", ExtraTaskCounts(t), "; ",
                  FormatDuration(p.worker_seconds()), " of task time\n");
  const Struct& r = result.result();
  if (r.fields_size() == 0) return out;
  if (p.state() == v1::JOB_STATE_SUCCEEDED && !p.partial()) {
    absl::StrAppend(&out, "  result:\n");
  } else if (p.state() == v1::JOB_STATE_RUNNING) {
    absl::StrAppend(&out, "  result so far:\n");
  } else {
    absl::StrAppend(&out, "  partial result (over the merged tasks only):\n");
  }
  size_t width = 0;
  for (absl::string_view k : SortedKeys(r)) width = std::max(width, k.size());
  for (absl::string_view k : SortedKeys(r)) {
    absl::StrAppend(&out, "    ", k, std::string(width - k.size() + 2, ' '),
                    k == "manifest" ? ManifestSummary(r.fields().at("manifest"))
                                    : HumanValue(r.fields().at(std::string(k))),
                    "\n");
  }
  return out;
}

std::string JobListToText(const std::vector<v1::Progress>& jobs) {
  if (jobs.empty()) return "no jobs\n";
  std::string out =
      absl::StrFormat("%-24s %-12s %-10s %17s %10s  %s\n", "ID", "KIND",
                      "STATE", "TASKS DONE/TOTAL", "WALL", "NAME");
  for (const v1::Progress& p : jobs) {
    std::string done =
        absl::StrCat(p.tasks().succeeded(), "/", p.tasks().total());
    absl::StrAppend(
        &out, absl::StrFormat("%-24s %-12s %-10s %17s %10s  %s\n", p.job_id(),
                              p.kind(), StateName(p.state()), done,
                              FormatDuration(p.wall_seconds()), p.name()));
  }
  return out;
}

}  // namespace gridless
