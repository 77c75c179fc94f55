// What the process running `exec` tasks (a worker, or `gridless run
// --workers 0`) tells the exec kind before any task runs: whether commands
// may run here at all.
//
// The rule (docs/SECURITY.md, "Jobs that run commands"): a command runs as
// the worker's user, so it can read every file the worker can.  A worker
// that holds a secret in a file (--token-file, --tls-key) therefore refuses
// exec tasks: their Prepare fails with FAILED_PRECONDITION naming the flag
// and the way out, a worker-local refusal the coordinator may retry on
// another worker.  A token given in GRIDLESS_TOKEN is not in a file the
// worker knows of; the worker takes it out of its environment and makes
// itself non-dumpable (common/auth.h ProtectProcessSecrets), and commands
// never get any GRIDLESS_* variable but their own (common/subprocess.h).
//
// Thread-safety: SetExecPolicy and ExecRefusal may be called from any
// thread; set the policy before the first task runs.
#ifndef GRIDLESS_JOBS_MAPREDUCE_EXEC_POLICY_H_
#define GRIDLESS_JOBS_MAPREDUCE_EXEC_POLICY_H_

#include <string>
#include <utility>
#include <vector>

namespace gridless::mapreduce {

// A secret the process holds in a file: the flag that named it and the
// path, e.g. {"--token-file", "/etc/gridless/token"}.
struct SecretFile {
  std::string flag;
  std::string path;
};

// The refusal text for a process holding `secrets` (empty: none, exec is
// allowed).  Names each flag and path, never a secret.
std::string ExecRefusalFor(const std::vector<SecretFile>& secrets);

// Sets the process-wide refusal ("" = exec tasks may run, the default).
void SetExecRefusal(std::string refusal);
// The refusal set last ("" = none).
std::string ExecRefusal();

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_EXEC_POLICY_H_
