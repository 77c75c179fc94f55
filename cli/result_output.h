// How the CLI prints jobs: the `--json` object (a stable schema other tools
// parse, see docs/CLI.md) and the human-readable summaries.
//
// JSON numbers are written with the shortest text that reads back as the
// same double (std::to_chars), so `--json` is lossless; NaN and infinities,
// which JSON cannot express, become null.  Object keys of a kind's result are
// sorted, so the output is byte-for-byte reproducible.
//
// Pure functions; thread-safe.
#ifndef GRIDLESS_CLI_RESULT_OUTPUT_H_
#define GRIDLESS_CLI_RESULT_OUTPUT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"
#include "gridless/v1/job.pb.h"

namespace gridless {

// "succeeded", "failed", "cancelled", "running" ("unknown" otherwise).
absl::string_view StateName(v1::JobState state);
// kExitOk for SUCCEEDED, kExitFailed otherwise.
int ExitCodeForState(v1::JobState state);
bool IsFinal(v1::JobState state);

// JSON text of a double: shortest round-trip form, or null.
std::string JsonNumber(double value);
// JSON string literal with escapes.
std::string JsonString(absl::string_view text);
std::string ValueToJson(const google::protobuf::Value& value);
std::string StructToJson(const google::protobuf::Struct& value);

// The `--json` object of a job, on one line, without a trailing newline:
// {"job_id", "kind", "state", "result", "tasks": {"total", "succeeded",
//  "retried", "failed"}, "worker_seconds", "wall_seconds"[, "error"]}.
// `error` is present when non-empty.
std::string JobResultToJson(const v1::JobResult& result);
// One job's progress as a JSON object (for `list --json`): job_id, kind, name,
// state, tasks {total, succeeded, retried, failed, running}, workers,
// worker_seconds, wall_seconds[, error].
std::string ProgressToJson(const v1::Progress& progress);

// The readable summary `run` and `result` print, ending in a newline:
//   job 1f2e (option-mc) succeeded in 2.3 s
//     tasks     200 total, 200 succeeded, 0 retried, 0 failed
//     worker    4.5 s of task time
//     closed_form  2.133371862
//     ...
std::string JobResultToText(const v1::JobResult& result);

// The table `list` prints, ending in a newline.
std::string JobListToText(const std::vector<v1::Progress>& jobs);

// "1.5 s", "2 min 05 s", "1 h 02 min".
std::string FormatDuration(double seconds);

}  // namespace gridless

#endif  // GRIDLESS_CLI_RESULT_OUTPUT_H_
