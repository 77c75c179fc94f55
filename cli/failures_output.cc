#include "cli/failures_output.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/command_flags.h"
#include "cli/result_output.h"

namespace gridless {
namespace {

std::string Plural(uint64_t n, absl::string_view word) {
  return absl::StrCat(n, " ", word, n == 1 ? "" : "s");
}

std::string WorkerOrDash(const std::string& worker) {
  return worker.empty() ? "-" : worker;
}

std::string ErrorText(const v1::AttemptRecord& a) {
  if (a.message().empty()) return StatusCodeName(a.code());
  return absl::StrCat(StatusCodeName(a.code()), ": ", a.message());
}

}  // namespace

std::string StatusCodeName(int32_t code) {
  std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? absl::StrCat(code) : name;
}

std::string FailuresToText(const v1::FailuresResponse& f, bool verbose) {
  std::string out =
      absl::StrCat("job ", f.job_id(), " ", StateName(f.state()), ": ");
  if (f.dead_letters().empty()) {
    return absl::StrCat(out, "no dead-lettered tasks\n");
  }
  absl::StrAppend(&out, Plural(f.dead_letters_size(), "dead-lettered task"),
                  "\n");
  size_t worker_width = 6;  // "WORKER"
  for (const v1::DeadLetter& d : f.dead_letters()) {
    if (!d.attempts().empty()) {
      worker_width = std::max(
          worker_width, WorkerOrDash(d.attempts().rbegin()->worker()).size());
    }
  }
  const int ww = static_cast<int>(worker_width);
  absl::StrAppend(
      &out, absl::StrFormat("%-5s %8s %9s  %-9s %8s  %-*s  %s\n", "STAGE",
                            "TASK", "ATTEMPTS", "RETRYABLE", "SECONDS", ww,
                            "WORKER", "LAST ERROR"));
  for (const v1::DeadLetter& d : f.dead_letters()) {
    v1::AttemptRecord last;
    if (!d.attempts().empty()) last = *d.attempts().rbegin();
    absl::StrAppend(
        &out,
        absl::StrFormat("%-5d %8d %9d  %-9s %8.3f  %-*s  %s\n", d.stage(),
                        d.task_index(), d.attempts_size(),
                        last.retryable() ? "yes" : "no", last.seconds(), ww,
                        WorkerOrDash(last.worker()), ErrorText(last)));
    if (!verbose) continue;
    for (const v1::AttemptRecord& a : d.attempts()) {
      absl::StrAppend(
          &out, absl::StrFormat(
                    "        attempt %d: worker %s, %.3f s, %s, %s\n",
                    a.attempt(), WorkerOrDash(a.worker()), a.seconds(),
                    a.retryable() ? "retryable" : "permanent", ErrorText(a)));
    }
  }
  return out;
}

std::string FailuresToJson(const v1::FailuresResponse& f) {
  std::string out = absl::StrCat(
      "{\"job_id\":", JsonString(f.job_id()),
      ",\"state\":", JsonString(StateName(f.state())), ",\"dead_letters\":[");
  for (int i = 0; i < f.dead_letters_size(); ++i) {
    const v1::DeadLetter& d = f.dead_letters(i);
    absl::StrAppend(&out, i > 0 ? "," : "", "{\"stage\":", d.stage(),
                    ",\"task\":", d.task_index(), ",\"attempts\":[");
    for (int j = 0; j < d.attempts_size(); ++j) {
      const v1::AttemptRecord& a = d.attempts(j);
      absl::StrAppend(&out, j > 0 ? "," : "", "{\"attempt\":", a.attempt(),
                      ",\"worker\":", JsonString(a.worker()),
                      ",\"seconds\":", JsonNumber(a.seconds()),
                      ",\"code\":", JsonString(StatusCodeName(a.code())),
                      ",\"message\":", JsonString(a.message()),
                      ",\"retryable\":", a.retryable() ? "true" : "false", "}");
    }
    out += "]}";
  }
  return out + "]}";
}

std::string CoordinatorFlagFor(absl::string_view address) {
  if (address.empty() || address == DefaultCoordinatorAddress()) return "";
  return absl::StrCat(" --coordinator ", address);
}

std::string DeadLetterHint(const v1::Progress& p,
                           absl::string_view coordinator_flag) {
  const uint64_t dead = p.tasks().failed();
  if (dead == 0) return "";
  std::string prefix;
  if (p.state() == v1::JOB_STATE_PARTIAL) {
    prefix = "partial result: ";
  } else if (p.state() != v1::JOB_STATE_FAILED) {
    return "";
  }
  return absl::StrCat(prefix, Plural(dead, "task"),
                      " dead-lettered; see `gridless failures ", p.job_id(),
                      coordinator_flag, "`, rerun them with `gridless retry ",
                      p.job_id(), coordinator_flag, "`");
}

}  // namespace gridless
