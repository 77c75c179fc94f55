// The process-wide exec refusal (see exec_policy.h).
#include "jobs/mapreduce/exec_policy.h"

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace gridless::mapreduce {
namespace {

struct State {
  absl::Mutex mu;
  std::string refusal ABSL_GUARDED_BY(mu);
};

State& GetState() {
  static State* const state = new State;  // never destroyed
  return *state;
}

}  // namespace

std::string ExecRefusalFor(const std::vector<SecretFile>& secrets) {
  if (secrets.empty()) return "";
  std::string files;
  std::string hints;
  for (const SecretFile& s : secrets) {
    absl::StrAppend(&files, files.empty() ? "" : " and ", s.flag, " ", s.path);
    absl::string_view hint =
        s.flag == "--token-file"
            ? "give the worker its token in the environment variable "
              "GRIDLESS_TOKEN instead (commands never see it)"
            : "run exec jobs on workers without a TLS client key";
    absl::StrAppend(&hints, hints.empty() ? "" : ", and ", hint);
  }
  return absl::StrCat(
      "this worker refuses exec tasks: it holds a secret in a file (", files,
      ") that a command it runs, as the same user, could read; ", hints,
      " (see docs/SECURITY.md, \"Jobs that run commands\")");
}

void SetExecRefusal(std::string refusal) {
  State& s = GetState();
  absl::MutexLock lock(&s.mu);
  s.refusal = std::move(refusal);
}

std::string ExecRefusal() {
  State& s = GetState();
  absl::MutexLock lock(&s.mu);
  return s.refusal;
}

}  // namespace gridless::mapreduce
