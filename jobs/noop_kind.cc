// `noop`: tasks that do nothing (or sleep), for dispatch benchmarks and fault
// tests.  Params: tasks, sleep_ms, fail (task indices that always fail with a
// retryable INTERNAL error), crash (task indices whose worker process dies
// abruptly, as from an OOM kill).  The result counts merged tasks and sums
// their indices, so a lost or doubly merged task shows.
#include <chrono>
#include <csignal>
#include <cstdint>
#include <thread>

#include "absl/strings/str_cat.h"
#include "jobs/builtin_kinds.h"
#include "jobs/pod_codec.h"

namespace gridless {
namespace {

struct NoopPartial {
  uint64_t tasks = 0;
  uint64_t index_sum = 0;  // sum of (index + 1) over merged tasks
};

struct NoopParams {
  int64_t tasks;
  int64_t sleep_ms;
  std::vector<int64_t> fail;
  std::vector<int64_t> crash;
};

bool Contains(const std::vector<int64_t>& v, uint64_t x) {
  for (int64_t e : v) {
    if (static_cast<uint64_t>(e) == x) return true;
  }
  return false;
}

absl::StatusOr<NoopParams> ReadParams(const Params& p) {
  if (auto s = p.CheckKnown({"tasks", "sleep_ms", "fail", "crash"}); !s.ok()) {
    return s;
  }
  NoopParams o;
  auto tasks = p.Int("tasks", 1000, 0, 100'000'000);
  if (!tasks.ok()) return tasks.status();
  auto sleep_ms = p.Int("sleep_ms", 0, 0, 3'600'000);
  if (!sleep_ms.ok()) return sleep_ms.status();
  auto fail = p.IntList("fail", 0, *tasks - 1);
  if (!fail.ok()) return fail.status();
  auto crash = p.IntList("crash", 0, *tasks - 1);
  if (!crash.ok()) return crash.status();
  return NoopParams{*tasks, *sleep_ms, *std::move(fail), *std::move(crash)};
}

class NoopRunner final : public TaskRunner {
 public:
  explicit NoopRunner(NoopParams p) : p_(std::move(p)) {}
  absl::StatusOr<std::string> Run(const TaskContext& task) override {
    if (Contains(p_.crash, task.index)) {
      std::raise(SIGKILL);  // the worker dies abruptly, on purpose
    }
    auto until = std::chrono::steady_clock::now() +
                 std::chrono::milliseconds(p_.sleep_ms);
    while (p_.sleep_ms > 0 && std::chrono::steady_clock::now() < until) {
      if (task.cancelled()) return absl::CancelledError("noop task cancelled");
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min<int64_t>(5, p_.sleep_ms)));
    }
    if (Contains(p_.fail, task.index)) {
      return absl::InternalError(absl::StrCat("injected failure of task ",
                                              task.index,
                                              " (noop parameter \"fail\")"));
    }
    return EncodePod(NoopPartial{1, task.index + 1});
  }

 private:
  NoopParams p_;
};

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
        {"sleep_ms", "int", "0", "milliseconds each task sleeps"},
        {"fail", "list", "[]", "task indices that always fail (retryable)"},
        {"crash", "list", "[]",
         "task indices whose worker process dies abruptly (SIGKILL)"},
    };
  }
  absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext& ctx) const override {
    auto p = ReadParams(ctx.job.params);
    if (!p.ok()) return p.status();
    return std::vector<std::string>(p->tasks);
  }
  absl::StatusOr<std::unique_ptr<TaskRunner>> Prepare(
      const JobContext& job) const override {
    auto p = ReadParams(job.params);
    if (!p.ok()) return p.status();
    return std::make_unique<NoopRunner>(*std::move(p));
  }
  absl::Status Merge(std::string& acc, std::string_view right,
                     const JobContext&) const override {
    auto b = DecodePod<NoopPartial>(right, "noop partial");
    if (!b.ok()) return b.status();
    NoopPartial a;
    if (!acc.empty()) {
      auto decoded = DecodePod<NoopPartial>(acc, "noop partial");
      if (!decoded.ok()) return decoded.status();
      a = *decoded;
    }
    a.tasks += b->tasks;
    a.index_sum += b->index_sum;
    acc = EncodePod(a);
    return absl::OkStatus();
  }
  absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext&, std::string_view acc) const override {
    NoopPartial a;
    if (!acc.empty()) {
      auto decoded = DecodePod<NoopPartial>(acc, "noop result");
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
