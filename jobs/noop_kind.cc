// `noop`: tasks that do nothing (or sleep), for dispatch benchmarks and fault
// tests.  Params: tasks, sleep_ms, and the fault-injection knobs
//   fail         task indices that always fail with a retryable INTERNAL error;
//                with fail_file, only while that file exists (a test makes a
//                job PARTIAL, deletes the file and retries it)
//   crash        task indices whose worker process dies abruptly (SIGKILL, as
//                from an OOM kill) once the task has slept sleep_ms; with
//                poison_file, only while that file exists on the worker's
//                machine, so a test can "fix" the poison by deleting it and
//                rerun the task (`gridless retry`)
//   hang         task indices that block until the attempt is cancelled
//                (task_timeout_s, a speculative twin winning, a cancelled job)
//   slow         task indices whose first attempt sleeps slow_ms instead of
//                sleep_ms (a straggling machine: later attempts and backup
//                copies run at normal speed); cancellable
// The result counts merged tasks and sums their indices, so a lost or doubly
// merged task shows.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/sv.h"
#include "jobs/builtin_kinds.h"
#include "jobs/pod_codec.h"

namespace gridless {
namespace {

struct NoopPartial {
  uint64_t tasks = 0;
  uint64_t index_sum = 0;  // sum of (index + 1) over merged tasks
};

struct NoopParams {
  int64_t tasks = 0;
  int64_t sleep_ms = 0;
  std::vector<int64_t> fail;
  std::vector<int64_t> crash;
  std::vector<int64_t> hang;
  std::vector<int64_t> slow;
  int64_t slow_ms = 0;
  std::string poison_file;  // "" = crash tasks always crash
  std::string fail_file;    // "" = fail tasks always fail
};

constexpr int64_t kMaxSleepMs = 3'600'000;
constexpr int64_t kDefaultSlowMs = 60'000;

bool Contains(const std::vector<int64_t>& v, uint64_t x) {
  for (int64_t e : v) {
    if (static_cast<uint64_t>(e) == x) return true;
  }
  return false;
}

absl::StatusOr<NoopParams> ReadParams(const Params& p) {
  if (auto s = p.CheckKnown({"tasks", "sleep_ms", "fail", "crash", "hang",
                             "slow", "slow_ms", "poison_file", "fail_file"});
      !s.ok()) {
    return s;
  }
  NoopParams o;
  auto tasks = p.Int("tasks", 1000, 0, 100'000'000);
  if (!tasks.ok()) return tasks.status();
  o.tasks = *tasks;
  auto sleep_ms = p.Int("sleep_ms", 0, 0, kMaxSleepMs);
  if (!sleep_ms.ok()) return sleep_ms.status();
  o.sleep_ms = *sleep_ms;
  const std::pair<const char*, std::vector<int64_t>*> lists[] = {
      {"fail", &o.fail},
      {"crash", &o.crash},
      {"hang", &o.hang},
      {"slow", &o.slow}};
  for (const auto& [name, list] : lists) {
    auto v = p.IntList(name, 0, o.tasks - 1);
    if (!v.ok()) return v.status();
    *list = *std::move(v);
  }
  auto slow_ms = p.Int("slow_ms", kDefaultSlowMs, 0, kMaxSleepMs);
  if (!slow_ms.ok()) return slow_ms.status();
  o.slow_ms = *slow_ms;
  auto poison = p.String("poison_file", "");
  if (!poison.ok()) return poison.status();
  o.poison_file = *std::move(poison);
  if (!o.poison_file.empty()) {
    if (o.crash.empty()) {
      return absl::InvalidArgumentError(
          "parameter \"poison_file\" applies to the tasks listed in "
          "\"crash\", which is empty; list the tasks to crash or drop "
          "poison_file");
    }
    if (!std::filesystem::path(o.poison_file).is_absolute()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter \"poison_file\": expected an absolute path (workers "
          "may run in another directory), got \"",
          o.poison_file, "\""));
    }
  }
  auto fail_file = p.String("fail_file", "");
  if (!fail_file.ok()) return fail_file.status();
  o.fail_file = *std::move(fail_file);
  if (!o.fail_file.empty() &&
      !std::filesystem::path(o.fail_file).is_absolute()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parameter \"fail_file\": expected an absolute path (workers may "
        "run in another directory), got \"",
        o.fail_file, "\""));
  }
  return o;
}

class NoopRunner final : public TaskRunner {
 public:
  explicit NoopRunner(NoopParams p) : p_(std::move(p)) {}
  absl::StatusOr<std::string> Run(const TaskContext& task) override {
    if (Contains(p_.hang, task.index)) {
      while (!task.cancelled()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      return Cancelled(task);
    }
    const int64_t ms = task.attempt <= 1 && Contains(p_.slow, task.index)
                           ? p_.slow_ms
                           : p_.sleep_ms;
    auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (ms > 0 && std::chrono::steady_clock::now() < until) {
      if (task.cancelled()) return Cancelled(task);
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min<int64_t>(5, ms)));
    }
    // After the sleep, so that the results of the tasks this worker ran
    // before are sent first: only the crashing task is lost with it.
    if (Contains(p_.crash, task.index) && Poisoned()) {
      std::raise(SIGKILL);  // the worker dies abruptly, on purpose
    }
    if (Contains(p_.fail, task.index) && Exists(p_.fail_file)) {
      return absl::InternalError(absl::StrCat("injected failure of task ",
                                              task.index,
                                              " (noop parameter \"fail\")"));
    }
    return EncodePod(NoopPartial{1, task.index + 1});
  }

 private:
  // Whether the `crash` tasks crash now: always without a poison file,
  // otherwise while it exists.
  bool Poisoned() const {
    if (p_.poison_file.empty()) return true;
    std::error_code ec;
    return std::filesystem::exists(p_.poison_file, ec);
  }

  // True for "" (no file: always), else whether the file exists.
  static bool Exists(const std::string& path) {
    if (path.empty()) return true;
    std::error_code ec;
    return std::filesystem::exists(path, ec);
  }

  static absl::Status Cancelled(const TaskContext& task) {
    return absl::CancelledError(absl::StrCat(
        "noop task ", task.index, " attempt ", task.attempt, " cancelled"));
  }

  NoopParams p_;
};

// 1 + 2 + ... + tasks (tasks <= 1e8, so no overflow).
uint64_t MaxIndexSum(uint64_t tasks) { return tasks * (tasks + 1) / 2; }

// A partial of this job: at most its tasks and its index sum.
absl::StatusOr<NoopPartial> DecodePartial(std::string_view bytes,
                                          const NoopParams& p,
                                          std::string_view what) {
  auto a = DecodePod<NoopPartial>(bytes, what);
  if (!a.ok()) return a.status();
  const uint64_t tasks = static_cast<uint64_t>(p.tasks);
  if (a->tasks > tasks || a->index_sum > MaxIndexSum(tasks)) {
    return absl::InvalidArgumentError(
        Cat(what, ": ", a->tasks, " tasks with index sum ", a->index_sum,
            ", more than the job's ", tasks, " tasks allow"));
  }
  return a;
}

class NoopKind final : public JobKind {
 public:
  std::string_view Name() const override { return "noop"; }
  std::string_view Description() const override {
    return "tasks that do nothing or sleep: dispatch benchmarks and fault "
           "tests";
  }
  std::vector<ParamInfo> Parameters() const override {
    return {
        {"tasks", "int", "1000", "number of tasks, >= 0"},
        {"sleep_ms", "int", "0",
         "milliseconds each task sleeps, in [0, 3600000]"},
        {"fail", "list", "[]", "task indices that always fail (retryable)"},
        {"crash", "list", "[]",
         "task indices whose worker process dies abruptly (SIGKILL) after "
         "sleeping sleep_ms; with poison_file, only while that file exists"},
        {"poison_file", "string", "",
         "absolute path: the \"crash\" tasks crash only while this file "
         "exists on the worker's machine (delete it to \"fix\" them, then "
         "`gridless retry`)"},
        {"fail_file", "string", "",
         "absolute path: the \"fail\" tasks fail only while this file "
         "exists on the worker's machine (delete it, then `gridless "
         "retry`)"},
        {"hang", "list", "[]",
         "task indices that block until the attempt is cancelled "
         "(task_timeout_s, a job cancelled, a backup copy winning)"},
        {"slow", "list", "[]",
         "task indices whose first attempt sleeps slow_ms instead of "
         "sleep_ms (a straggler; retries and backup copies run at normal "
         "speed); cancellable"},
        {"slow_ms", "int", "60000",
         "milliseconds the first attempt of a \"slow\" task sleeps, in [0, "
         "3600000]"},
    };
  }
  absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext& ctx) const override {
    auto p = ReadParams(ctx.job.params);
    if (!p.ok()) return p.status();
    if (auto s = CheckTaskCount(ctx, p->tasks); !s.ok()) return s;
    return std::vector<std::string>(p->tasks);
  }
  absl::StatusOr<std::unique_ptr<TaskRunner>> Prepare(
      const JobContext& job) const override {
    auto p = ReadParams(job.params);
    if (!p.ok()) return p.status();
    return std::make_unique<NoopRunner>(*std::move(p));
  }
  // Partials are checked against the job: at most its tasks, and an index
  // sum at most 1 + ... + tasks, also after adding.
  absl::Status Merge(std::string& acc, std::string_view right,
                     const JobContext& job) const override {
    auto p = ReadParams(job.params);
    if (!p.ok()) return p.status();
    auto b = DecodePartial(right, *p, "noop partial");
    if (!b.ok()) return b.status();
    NoopPartial a;
    if (!acc.empty()) {
      auto decoded = DecodePartial(acc, *p, "noop partial");
      if (!decoded.ok()) return decoded.status();
      a = *decoded;
    }
    const uint64_t tasks = static_cast<uint64_t>(p->tasks);
    if (auto s = AddCounts(a.tasks, b->tasks, tasks, "noop partial", "tasks",
                           &a.tasks);
        !s.ok()) {
      return s;
    }
    if (auto s = AddCounts(a.index_sum, b->index_sum, MaxIndexSum(tasks),
                           "noop partial", "index sum", &a.index_sum);
        !s.ok()) {
      return s;
    }
    acc = EncodePod(a);
    return absl::OkStatus();
  }
  absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext& job, std::string_view acc) const override {
    auto p = ReadParams(job.params);
    if (!p.ok()) return p.status();
    NoopPartial a;
    if (!acc.empty()) {
      auto decoded = DecodePartial(acc, *p, "noop result");
      if (!decoded.ok()) return decoded.status();
      a = *decoded;
    }
    google::protobuf::Struct out;
    auto& f = *out.mutable_fields();
    f["tasks_merged"].set_number_value(static_cast<double>(a.tasks));
    f["index_sum"].set_number_value(static_cast<double>(a.index_sum));
    return out;
  }
};

}  // namespace

std::unique_ptr<JobKind> NewNoopKind() { return std::make_unique<NoopKind>(); }

}  // namespace gridless
