#include "worker/test_kinds.h"

#include <stdexcept>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace gridless::testing {

bool TestControl::WaitStarted(int n, absl::Duration timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return changed_.wait_for(l, absl::ToChronoNanoseconds(timeout),
                           [this, n] { return started_ >= n; });
}

void TestControl::Release() {
  std::lock_guard<std::mutex> l(mu_);
  released_ = true;
}

void TestControl::Started() {
  std::lock_guard<std::mutex> l(mu_);
  ++started_;
  changed_.notify_all();
}

bool TestControl::released() const {
  std::lock_guard<std::mutex> l(mu_);
  return released_;
}

namespace {

constexpr absl::Duration kGiveUp = absl::Seconds(20);

class TestRunner final : public TaskRunner {
 public:
  explicit TestRunner(TestControl* control) : control_(control) {}

  absl::StatusOr<std::string> Run(const TaskContext& task) override {
    control_->runs.fetch_add(1);
    const std::string_view payload = task.payload;
    if (payload == "fail") {
      return absl::InvalidArgumentError("task failed on purpose");
    }
    if (payload == "throw") throw std::runtime_error("boom");
    if (payload == "block" || payload == "wait-cancel") {
      if (payload == "block") control_->Started();
      const absl::Time give_up = absl::Now() + kGiveUp;
      while (!task.cancelled()) {
        if (payload == "block" && control_->released()) {
          return std::string("partial:").append(payload);
        }
        if (absl::Now() > give_up) {
          return absl::InternalError("test task was never released");
        }
        absl::SleepFor(absl::Milliseconds(1));
      }
      return absl::CancelledError("test task cancelled");
    }
    return std::string("partial:").append(payload);
  }

 private:
  TestControl* control_;
};

class TestKind final : public JobKind {
 public:
  explicit TestKind(TestControl* control) : control_(control) {}
  std::string_view Name() const override { return "test"; }
  std::string_view Description() const override { return "worker tests"; }
  std::vector<ParamInfo> Parameters() const override {
    return {{"fail_prepare", "bool", "false", "make Prepare fail"}};
  }
  absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext&) const override {
    return std::vector<std::string>{};
  }
  absl::StatusOr<std::unique_ptr<TaskRunner>> Prepare(
      const JobContext& job) const override {
    control_->prepares.fetch_add(1);
    absl::StatusOr<bool> fail = job.params.Bool("fail_prepare", false);
    if (!fail.ok()) return fail.status();
    if (*fail)
      return absl::FailedPreconditionError("prepare failed on purpose");
    return std::make_unique<TestRunner>(control_);
  }
  absl::Status Merge(std::string& acc, std::string_view right,
                     const JobContext&) const override {
    acc.append(right);
    return absl::OkStatus();
  }
  absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext&, std::string_view) const override {
    return google::protobuf::Struct();
  }

 private:
  TestControl* control_;
};

}  // namespace

std::unique_ptr<JobKind> NewTestKind(TestControl* control) {
  return std::make_unique<TestKind>(control);
}

}  // namespace gridless::testing
