// The Gridless job API: the only header a job author needs.
//
// A job kind turns a JobSpec into tasks (Plan, on the coordinator), runs one
// task into a partial (TaskRunner::Run, on a worker), merges partials
// (Merge, on the coordinator) and turns the merged accumulator into the
// job's result (Finalize).  Kinds register by name in a JobRegistry.
//
// Contract (what the framework relies on):
//  * Plan is deterministic: the same spec gives the same task list.
//  * Run is a pure function of (spec, stage, task index, payload): it may run
//    several times (retries, speculative copies) and on any worker, and must
//    give the same bytes every time.  Random numbers come from
//    gridless::PhiloxStream (jobs/random.h) keyed by (job seed, stream) with
//    the sample or path index as counter, never from a time or a thread id.
//  * Merge is associative: Merge(Merge(a, b), c) == Merge(a, Merge(b, c)),
//    exactly for integer counts and up to rounding for floating-point sums.
//    The coordinator merges partials in a fixed binary tree over task indices
//    (coordinator/tree_reducer.h), so the result is bit-identical for any
//    number of workers, any arrival order and any retries even where floating
//    point makes Merge only approximately associative.  Merge need not be
//    commutative: the left operand always covers lower task indices.
//  * Errors are absl::Status values.  Which codes the coordinator retries
//    and which are permanent: IsRetryable in coordinator/retry_policy.h (the
//    one list; in short UNAVAILABLE, DEADLINE_EXCEEDED... are transient,
//    INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND... are permanent).  An
//    exception thrown by Run is caught and reported as INTERNAL.
//  * Lost intermediate data: a task of stage s > 0 that finds some output of
//    stage s-1 missing returns LostPreviousTasksError (below); the
//    coordinator runs those tasks again, then the task.
//
// Thread safety: a JobKind is shared by all threads and must be stateless
// (const methods only).  One TaskRunner is created per job per worker process
// (Prepare) and Run is called concurrently from every slot: keep per-task
// state on the stack, and make shared state (a parsed loan tape) immutable.
//
// Multi-stage jobs (map, then reduce) declare NumStages() > 1; stage s+1 is
// planned from the merged accumulator of stage s (PlanContext::previous).
//
// Worked example: a kind that estimates pi by throwing darts (see
// jobs/pi_kind.cc for the complete version, with parameter checking):
//
//   class PiKind final : public gridless::JobKind {
//    public:
//     std::string_view Name() const override { return "pi"; }
//     std::string_view Description() const override { return "pi by darts"; }
//     std::vector<ParamInfo> Parameters() const override {
//       return {{"samples", "int", "10000000", "darts thrown in total"},
//               {"tasks", "int", "100", "tasks the darts are split into"}};
//     }
//     absl::StatusOr<std::vector<std::string>> Plan(
//         const PlanContext& ctx) const override {
//       // One payload per task: here just the task's [begin, end) range.
//     }
//     absl::StatusOr<std::unique_ptr<TaskRunner>> Prepare(
//         const JobContext& job) const override {
//       // Build a runner that counts hits in its range with PhiloxStream.
//     }
//     absl::Status Merge(std::string& acc, std::string_view right,
//                        const JobContext& job) const override {
//       // acc holds {hits, n} as two uint64; add right's.
//     }
//     absl::StatusOr<google::protobuf::Struct> Finalize(
//         const JobContext& job, std::string_view acc) const override {
//       // {"estimate": 4 hits / n, "stderr": ...}
//     }
//   };
//   // In main(), before gridless::WorkerMain / CoordinatorMain / CliMain:
//   gridless::JobRegistry::Global().Register(std::make_unique<PiKind>());
#ifndef GRIDLESS_JOBS_JOB_H_
#define GRIDLESS_JOBS_JOB_H_

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gridless/v1/job.pb.h"
#include "jobs/params.h"

namespace gridless {

// One documented parameter of a kind, shown by `gridless kinds`.
struct ParamInfo {
  std::string name;
  std::string type;           // "int", "double", "string", "bool", "list"
  std::string default_value;  // as text; "" when required
  std::string meaning;        // with unit and allowed range
};

// The job as every side sees it.  Valid for the duration of the call.
struct JobContext {
  std::string_view job_id;
  const gridless::v1::JobSpec& spec;
  Params params;  // typed view of spec.params
  uint64_t seed() const { return spec.seed(); }
};

struct PlanContext {
  const JobContext& job;
  uint32_t stage = 0;
  // Stage > 0: the merged accumulator of stage - 1 (its Merge encoding).
  std::string_view previous;
  // The most tasks the coordinator accepts for one stage
  // (--max-tasks-per-job).  Kinds check their count with CheckTaskCount
  // before building the list, so that an oversized job is refused without
  // allocating it.
  uint64_t max_tasks = std::numeric_limits<uint64_t>::max();
};

// RESOURCE_EXHAUSTED when `tasks` exceeds ctx.max_tasks.
inline absl::Status CheckTaskCount(const PlanContext& ctx, uint64_t tasks) {
  if (tasks <= ctx.max_tasks) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "stage ", ctx.stage, " would plan ", tasks,
      " tasks, more than this coordinator's limit of ", ctx.max_tasks,
      " (--max-tasks-per-job): make the tasks bigger or raise the limit"));
}

// Cooperative cancellation: long tasks poll cancelled() between chunks of
// work and return absl::CancelledError() when it turns true.
class CancelToken {
 public:
  bool cancelled() const { return flag_.load(std::memory_order_relaxed); }
  void Cancel() { flag_.store(true, std::memory_order_relaxed); }

 private:
  std::atomic<bool> flag_{false};
};

struct TaskContext {
  uint32_t stage = 0;
  uint64_t index = 0;    // 0-based within the stage
  uint32_t attempt = 1;  // 1-based
  std::string_view payload;
  const CancelToken* cancel = nullptr;  // never null when called by a worker
  bool cancelled() const { return cancel != nullptr && cancel->cancelled(); }
};

// Runs the tasks of one job on one worker.  Run is called concurrently.
class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  // Returns the task's partial in the kind's Merge encoding.
  virtual absl::StatusOr<std::string> Run(const TaskContext& task) = 0;
};

class JobKind {
 public:
  virtual ~JobKind() = default;

  virtual std::string_view Name() const = 0;
  // One line for `gridless kinds`.
  virtual std::string_view Description() const = 0;
  virtual std::vector<ParamInfo> Parameters() const = 0;
  virtual uint32_t NumStages() const { return 1; }

  // Coordinator side.  Validates the spec (INVALID_ARGUMENT naming the
  // parameter) and returns one payload per task of `ctx.stage`.  An empty
  // list is allowed (the stage's accumulator is then "").
  virtual absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext& ctx) const = 0;

  // Worker side, once per job per worker process: parse parameters, load
  // shared read-only inputs (a loan tape), and return the runner.
  virtual absl::StatusOr<std::unique_ptr<TaskRunner>> Prepare(
      const JobContext& job) const = 0;

  // Coordinator side.  acc = acc (+) right, where acc covers lower task
  // indices.  An empty acc is the identity: Merge(acc="", x) must give x.
  virtual absl::Status Merge(std::string& acc, std::string_view right,
                             const JobContext& job) const = 0;

  // Coordinator side: the result of the last stage.  Numbers are doubles.
  virtual absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext& job, std::string_view acc) const = 0;

  // Coordinator side, multi-stage kinds: where tasks of one stage leave data
  // for the next (the map-reduce shuffle store URL), as the user would
  // recognize it.  Named in the error of a job that keeps losing that data.
  // Default: "" (the kind keeps no such data).
  virtual std::string IntermediateStore(const JobContext& job) const {
    (void)job;
    return "";
  }
};

// Name -> kind.  Register before any server or worker starts; lookups are
// thread-safe after that (the registry is not modified concurrently).
class JobRegistry {
 public:
  // The process-wide registry, holding the built-in kinds (defined in
  // gridless_jobs, jobs/builtin_kinds.cc).
  static JobRegistry& Global();

  // ALREADY_EXISTS when the name is taken.
  absl::Status Register(std::unique_ptr<JobKind> kind);
  // NOT_FOUND naming the kind and listing the known ones.
  absl::StatusOr<const JobKind*> Find(std::string_view name) const;
  std::vector<const JobKind*> All() const;  // sorted by name

 private:
  std::vector<std::unique_ptr<JobKind>> kinds_;
};

// Registers the kinds shipped with Gridless into `registry`.  Idempotent.
void RegisterBuiltinKinds(JobRegistry& registry);

// ---- Lost intermediate data (repair of the previous stage) ----
//
// A task of stage s > 0 that finds the output of some tasks of stage s-1
// missing or corrupt returns LostPreviousTasksError(tasks, detail): DATA_LOSS
// with `detail` as its message and the task indices in a status payload
// (type URL kLostPreviousTasksTypeUrl).  The worker copies them into
// TaskError.lost_previous_tasks; the coordinator reads that typed field
// (never the message), runs those tasks again (their Run is deterministic,
// so they rewrite the same output) and then the reporting task, without
// counting its attempt.  Thread-safe (free functions).
inline constexpr std::string_view kLostPreviousTasksTypeUrl =
    "gridless/lost_previous_tasks";

// `tasks` is sorted and deduplicated.
absl::Status LostPreviousTasksError(std::vector<uint64_t> tasks,
                                    std::string_view detail);
// The indices a LostPreviousTasksError carries; nullopt for any other
// status (not DATA_LOSS, or no payload).
std::optional<std::vector<uint64_t>> LostPreviousTasks(
    const absl::Status& status);

}  // namespace gridless

#endif  // GRIDLESS_JOBS_JOB_H_
