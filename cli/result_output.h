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
#include "common/job_state.h"  // StateName, IsFinal
#include "google/protobuf/struct.pb.h"
#include "gridless/v1/job.pb.h"

namespace gridless {

// kExitOk for SUCCEEDED, kExitPartial for PARTIAL, kExitFailed otherwise.
int ExitCodeForState(v1::JobState state);

// JSON text of a double: shortest round-trip form, or null.
std::string JsonNumber(double value);
// JSON string literal with escapes.
std::string JsonString(absl::string_view text);
std::string ValueToJson(const google::protobuf::Value& value);
std::string StructToJson(const google::protobuf::Struct& value);

// The `--json` object of a job, on one line, without a trailing newline:
// {"job_id", "kind", "state"[, "partial"], "result", "tasks": {"total",
//  "succeeded", "retried", "failed"[, "timed_out"][, "speculative"][,
//  "rerun"]}, "worker_seconds", "wall_seconds"[, "error"]}.
// `partial` (true) is present when the result leaves tasks out; the optional
// task counters when non-zero; `error` when non-empty.
std::string JobResultToJson(const v1::JobResult& result);
// One job's progress as a JSON object (for `list --json`): job_id, kind, name,
// state[, partial], tasks {total, succeeded, retried, failed, running[,
// timed_out][, speculative][, rerun]}, workers, worker_seconds,
// wall_seconds[, error].
std::string ProgressToJson(const v1::Progress& progress);

// The readable summary `run` and `result` print, ending in a newline:
//   job 1f2e (option-mc) succeeded in 2.3 s
//     tasks: 200 total, 200 succeeded, 0 retried, 0 failed; 4.5 s of task
//     time
//     result:
//       closed_form  2.133371862
//       ...
// The tasks line adds "N timed out", "N speculative" and "N rerun" when
// those counters are non-zero.
std::string JobResultToText(const v1::JobResult& result);

// The table `list` prints, ending in a newline.
std::string JobListToText(const std::vector<v1::Progress>& jobs);

// The task counters of `t` that only matter when non-zero, as ", 2 timed
// out, 1 speculative, 3 rerun" ("" when all are zero).
std::string ExtraTaskCounts(const v1::TaskCounts& t);

// "1.5 s", "2 min 05 s", "1 h 02 min".
std::string FormatDuration(double seconds);

}  // namespace gridless

#endif  // GRIDLESS_CLI_RESULT_OUTPUT_H_
