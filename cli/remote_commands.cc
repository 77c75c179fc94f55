// The subcommands that talk to a running gridless-coordinator: submit,
// watch, result, cancel, list, failures, retry.
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "cli/command_flags.h"
#include "cli/commands.h"
#include "cli/failures_output.h"
#include "cli/job_client.h"
#include "cli/print_result.h"
#include "cli/progress_line.h"
#include "cli/result_output.h"
#include "common/job_file.h"

namespace gridless {
namespace {

// Watches `job_id` to its final state, drawing progress on stderr unless
// `quiet`.
absl::StatusOr<v1::Progress> WatchToEnd(JobClient& client,
                                        const std::string& job_id, bool quiet) {
  ProgressLine line(stderr, ::isatty(STDERR_FILENO) == 1);
  return client.Watch(job_id, 0.25, [&](const v1::Progress& p) {
    if (!quiet) line.Update(p);
  });
}

}  // namespace

int SubmitCommand(const std::vector<std::string>& args) {
  std::string address;
  FlagSet fs("gridless submit",
             "Submits a job to a running coordinator and prints its id on "
             "stdout.");
  AddCoordinatorFlag(fs, &address);
  ClientAuthFlags auth_flags;
  AddClientAuthFlags(fs, &auth_flags);
  if (auto exit = ParseCommandFlags(fs, args, "submit", "JOB.json", 1, 1)) {
    return *exit;
  }
  const std::string& file = fs.positional()[0];
  if (auto s = ValidateAddress(address, "flag --coordinator"); !s.ok()) {
    return ReportError(s);
  }
  auto spec = ReadJobFile(file);
  if (!spec.ok()) return ReportError(spec.status().message(), kExitUsage);
  auto client = JobClient::Connect(address, auth_flags);
  if (!client.ok()) return ReportError(client.status());
  auto submitted = (*client)->Submit(*spec);
  if (!submitted.ok()) {
    const absl::Status& s = submitted.status();
    // FAILED_PRECONDITION: the coordinator does not admit this job as it is
    // configured (an exec job without --allow-exec); fix the job or the
    // coordinator, like a bad job file.
    if (ExitCodeFor(s) == kExitUsage ||
        s.code() == absl::StatusCode::kFailedPrecondition) {
      return ReportError(absl::StrCat(file, ": ", s.message()), kExitUsage);
    }
    return ReportError(s);
  }
  std::printf("%s\n", submitted->job_id().c_str());
  return kExitOk;
}

int WatchCommand(const std::vector<std::string>& args) {
  std::string address;
  bool json = false;
  bool quiet = false;
  FlagSet fs("gridless watch",
             "Shows a job's progress until it ends, then its result.  Exit "
             "code 0 when it\nsucceeded, 3 when it ended partial, 1 when it "
             "failed or was cancelled.");
  AddCoordinatorFlag(fs, &address);
  ClientAuthFlags auth_flags;
  AddClientAuthFlags(fs, &auth_flags);
  fs.Bool("json", &json,
          "print the result as one JSON object (see run --help)");
  fs.Bool("quiet", &quiet, "no progress line on stderr");
  if (auto exit = ParseCommandFlags(fs, args, "watch", "ID", 1, 1)) {
    return *exit;
  }
  const std::string& id = fs.positional()[0];
  auto client = JobClient::Connect(address, auth_flags);
  if (!client.ok()) return ReportError(client.status());
  auto last = WatchToEnd(**client, id, quiet);
  if (!last.ok()) return ReportError(last.status());
  auto result = (*client)->GetResult(id);
  if (!result.ok()) return ReportError(result.status());
  return PrintJobResult(*result, json, address);
}

int ResultCommand(const std::vector<std::string>& args) {
  std::string address;
  bool json = false;
  bool wait = false;
  FlagSet fs("gridless result",
             "Prints a job's result.  Exit code 0 when the job succeeded, 3 "
             "when it ended\npartial (tasks dead-lettered), 1 when it failed, "
             "was cancelled or is still\nrunning.");
  AddCoordinatorFlag(fs, &address);
  ClientAuthFlags auth_flags;
  AddClientAuthFlags(fs, &auth_flags);
  fs.Bool("json", &json, "print one JSON object (see run --help)");
  fs.Bool("wait", &wait, "wait for the job to end first");
  if (auto exit = ParseCommandFlags(fs, args, "result", "ID", 1, 1)) {
    return *exit;
  }
  const std::string& id = fs.positional()[0];
  auto client = JobClient::Connect(address, auth_flags);
  if (!client.ok()) return ReportError(client.status());
  if (wait) {
    auto last = WatchToEnd(**client, id, /*quiet=*/true);
    if (!last.ok()) return ReportError(last.status());
  }
  auto result = (*client)->GetResult(id);
  if (!result.ok()) return ReportError(result.status());
  return PrintJobResult(*result, json, address);
}

int CancelCommand(const std::vector<std::string>& args) {
  std::string address;
  FlagSet fs("gridless cancel",
             "Cancels a job: dispatch stops and workers drop its tasks.  A "
             "job that already\nended is left as it is.");
  AddCoordinatorFlag(fs, &address);
  ClientAuthFlags auth_flags;
  AddClientAuthFlags(fs, &auth_flags);
  if (auto exit = ParseCommandFlags(fs, args, "cancel", "ID", 1, 1)) {
    return *exit;
  }
  const std::string& id = fs.positional()[0];
  auto client = JobClient::Connect(address, auth_flags);
  if (!client.ok()) return ReportError(client.status());
  auto state = (*client)->Cancel(id);
  if (!state.ok()) return ReportError(state.status());
  if (*state == v1::JOB_STATE_CANCELLED || *state == v1::JOB_STATE_RUNNING) {
    std::printf("job %s cancelled\n", id.c_str());
  } else {
    std::printf("job %s had already ended: %s\n", id.c_str(),
                std::string(StateName(*state)).c_str());
  }
  return kExitOk;
}

int ListCommand(const std::vector<std::string>& args) {
  std::string address;
  bool json = false;
  FlagSet fs("gridless list", "Lists the coordinator's jobs.");
  AddCoordinatorFlag(fs, &address);
  ClientAuthFlags auth_flags;
  AddClientAuthFlags(fs, &auth_flags);
  fs.Bool("json", &json, "print a JSON array of job objects");
  if (auto exit = ParseCommandFlags(fs, args, "list", "", 0, 0)) return *exit;
  auto client = JobClient::Connect(address, auth_flags);
  if (!client.ok()) return ReportError(client.status());
  auto jobs = (*client)->ListJobs();
  if (!jobs.ok()) return ReportError(jobs.status());
  if (json) {
    std::string out = "[";
    for (size_t i = 0; i < jobs->size(); ++i) {
      absl::StrAppend(&out, i > 0 ? "," : "", ProgressToJson((*jobs)[i]));
    }
    std::printf("%s]\n", out.c_str());
  } else {
    std::fputs(JobListToText(*jobs).c_str(), stdout);
  }
  return kExitOk;
}

int FailuresCommand(const std::vector<std::string>& args) {
  std::string address;
  bool json = false;
  bool verbose = false;
  FlagSet fs("gridless failures",
             "Lists a job's dead-lettered tasks: the tasks that failed "
             "max_attempts times (or\nonce with a permanent error), with "
             "their last error, whether retrying can\nhelp, the worker and "
             "the seconds it ran.  `gridless retry ID` reruns them.");
  AddCoordinatorFlag(fs, &address);
  ClientAuthFlags auth_flags;
  AddClientAuthFlags(fs, &auth_flags);
  fs.Bool("json", &json,
          "print one JSON object with every attempt of every dead letter");
  fs.Bool("verbose", &verbose, "show every attempt, not only the last");
  if (auto exit = ParseCommandFlags(fs, args, "failures", "ID", 1, 1)) {
    return *exit;
  }
  const std::string& id = fs.positional()[0];
  auto client = JobClient::Connect(address, auth_flags);
  if (!client.ok()) return ReportError(client.status());
  auto failures = (*client)->ListFailures(id);
  if (!failures.ok()) return ReportError(failures.status());
  if (json) {
    std::printf("%s\n", FailuresToJson(*failures).c_str());
  } else {
    std::fputs(FailuresToText(*failures, verbose).c_str(), stdout);
  }
  return kExitOk;
}

int RetryCommand(const std::vector<std::string>& args) {
  std::string address;
  bool wait = false;
  bool json = false;
  bool quiet = false;
  FlagSet fs("gridless retry",
             "Reruns the dead-lettered tasks of a failed or partial job (with "
             "fresh attempts,\non any worker) and puts the job back to "
             "running.  Without --wait, prints how\nmany tasks were queued "
             "and exits 0.  With --wait, shows the progress line until\nthe "
             "job ends and prints its result; the exit code is then the job's "
             "(0\nsucceeded, 3 partial, 1 failed or cancelled).");
  AddCoordinatorFlag(fs, &address);
  ClientAuthFlags auth_flags;
  AddClientAuthFlags(fs, &auth_flags);
  fs.Bool("wait", &wait, "watch the job to its end and print its result");
  fs.Bool("json", &json, "with --wait: print the result as one JSON object");
  fs.Bool("quiet", &quiet, "with --wait: no progress line on stderr");
  if (auto exit = ParseCommandFlags(fs, args, "retry", "ID", 1, 1)) {
    return *exit;
  }
  const std::string& id = fs.positional()[0];
  auto client = JobClient::Connect(address, auth_flags);
  if (!client.ok()) return ReportError(client.status());
  auto retried = (*client)->Retry(id);
  if (!retried.ok()) {
    const absl::Status& s = retried.status();
    if (s.code() == absl::StatusCode::kFailedPrecondition) {
      return ReportError(
          absl::StrCat("job ", id, ": nothing to retry: ", s.message()),
          kExitFailed);
    }
    return ReportError(s);
  }
  // Without --wait the id line is the whole output, for scripts; with it
  // the note goes to stderr so that stdout holds only the result.
  std::string note =
      absl::StrCat("job ", id, ": ", retried->tasks(),
                   retried->tasks() == 1 ? " task" : " tasks",
                   " queued again; ", StateName(retried->state()));
  if (!wait) {
    std::printf("%s\n", note.c_str());
    return kExitOk;
  }
  if (!quiet) std::fprintf(stderr, "gridless: %s\n", note.c_str());
  auto last = WatchToEnd(**client, id, quiet);
  if (!last.ok()) return ReportError(last.status());
  auto result = (*client)->GetResult(id);
  if (!result.ok()) return ReportError(result.status());
  return PrintJobResult(*result, json, address);
}

}  // namespace gridless
