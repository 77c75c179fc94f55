// Small job kinds for the coordinator's unit tests (test-only; registered in
// a local JobRegistry, never the global one).
//
//   "concat"  params {tasks, pad}: task i's payload and partial are "i"
//             (followed by `pad` spaces); Merge joins with ","; result
//             {"value": "0,1,...,n-1"}.  Shows order.
//   "fsum"    params {tasks}: task i's partial is a double whose sum depends
//             on the order of additions (large and tiny magnitudes); result
//             {"sum": x}.  Shows that the reduce order is fixed.
//   "twostage" params {tasks}: stage 0 has `tasks` tasks each counting 1;
//             stage 1 is planned from stage 0's count c with 2c tasks whose
//             payload is "s1:i"; result {"stage0": c, "stage1": merged count}.
//             Its IntermediateStore is the string param "store".
//   "badplan" Plan fails with INVALID_ARGUMENT naming parameter "x".
//
// Runners (Prepare) are provided so that RunJobLocally can compute the
// reference result; tests of the scheduler compute partials with
// TestPartial() instead of a worker.
#ifndef GRIDLESS_COORDINATOR_TESTING_TEST_KINDS_H_
#define GRIDLESS_COORDINATOR_TESTING_TEST_KINDS_H_

#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "jobs/job.h"

namespace gridless::testing {

inline std::string EncodeDouble(double d) {
  return std::string(reinterpret_cast<const char*>(&d), sizeof d);
}
inline double DecodeDouble(std::string_view s) {
  double d = 0;
  if (s.size() == sizeof d) std::memcpy(&d, s.data(), sizeof d);
  return d;
}
inline std::string EncodeU64(uint64_t v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}
inline uint64_t DecodeU64(std::string_view s) {
  uint64_t v = 0;
  if (s.size() == sizeof v) std::memcpy(&v, s.data(), sizeof v);
  return v;
}

// The partial a correct worker returns for (kind, stage, index, payload).
inline std::string TestPartial(std::string_view kind, uint32_t stage,
                               uint64_t index, std::string_view payload) {
  if (kind == "concat") return std::string(payload);
  if (kind == "fsum") {
    // Blocks of four: +-1e16, 0, 1, 1.  Left to right the ones are lost in
    // the big number's rounding; pairwise they survive.
    double v = 1.0;
    if (index % 4 == 0) v = (index / 4) % 2 == 0 ? 1e16 : -1e16;
    if (index % 4 == 1) v = 0.0;
    return EncodeDouble(v);
  }
  return EncodeU64(1);  // twostage
}

class TestKindBase : public JobKind {
 public:
  std::vector<ParamInfo> Parameters() const override {
    return {{"tasks", "int", "10", "tasks"}};
  }
  absl::StatusOr<std::unique_ptr<TaskRunner>> Prepare(
      const JobContext& job) const override {
    class Runner final : public TaskRunner {
     public:
      explicit Runner(std::string kind) : kind_(std::move(kind)) {}
      absl::StatusOr<std::string> Run(const TaskContext& t) override {
        return TestPartial(kind_, t.stage, t.index, t.payload);
      }
      std::string kind_;
    };
    return std::make_unique<Runner>(std::string(Name()));
  }

 protected:
  static absl::StatusOr<int64_t> Tasks(const PlanContext& ctx) {
    return ctx.job.params.Int("tasks", 10, 0, 1'000'000);
  }
};

class ConcatKind final : public TestKindBase {
 public:
  std::string_view Name() const override { return "concat"; }
  std::string_view Description() const override { return "joins indices"; }
  absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext& ctx) const override {
    auto n = Tasks(ctx);
    if (!n.ok()) return n.status();
    auto pad = ctx.job.params.Int("pad", 0, 0, 1 << 24);
    if (!pad.ok()) return pad.status();
    std::vector<std::string> out;
    for (int64_t i = 0; i < *n; ++i) {
      out.push_back(absl::StrCat(i));
      out.back().resize(out.back().size() + *pad, ' ');
    }
    return out;
  }
  absl::Status Merge(std::string& acc, std::string_view right,
                     const JobContext&) const override {
    if (acc.empty()) {
      acc = std::string(right);
    } else {
      acc.push_back(',');
      acc.append(right);
    }
    return absl::OkStatus();
  }
  absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext&, std::string_view acc) const override {
    google::protobuf::Struct s;
    (*s.mutable_fields())["value"].set_string_value(std::string(acc));
    return s;
  }
};

class FsumKind final : public TestKindBase {
 public:
  std::string_view Name() const override { return "fsum"; }
  std::string_view Description() const override { return "order-sensitive"; }
  absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext& ctx) const override {
    auto n = Tasks(ctx);
    if (!n.ok()) return n.status();
    return std::vector<std::string>(*n);
  }
  absl::Status Merge(std::string& acc, std::string_view right,
                     const JobContext&) const override {
    acc = EncodeDouble(DecodeDouble(acc) + DecodeDouble(right));
    return absl::OkStatus();
  }
  absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext&, std::string_view acc) const override {
    google::protobuf::Struct s;
    (*s.mutable_fields())["sum"].set_number_value(DecodeDouble(acc));
    return s;
  }
};

class TwoStageKind final : public TestKindBase {
 public:
  std::string_view Name() const override { return "twostage"; }
  std::string_view Description() const override { return "two stages"; }
  uint32_t NumStages() const override { return 2; }
  absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext& ctx) const override {
    if (ctx.stage == 0) {
      auto n = Tasks(ctx);
      if (!n.ok()) return n.status();
      return std::vector<std::string>(*n, "s0");
    }
    std::vector<std::string> out;
    const uint64_t c = DecodeU64(ctx.previous);
    for (uint64_t i = 0; i < 2 * c; ++i) out.push_back(absl::StrCat("s1:", i));
    return out;
  }
  absl::Status Merge(std::string& acc, std::string_view right,
                     const JobContext&) const override {
    if (right.size() != 8) {
      return absl::DataLossError("twostage partial must have 8 bytes");
    }
    acc = EncodeU64(DecodeU64(acc) + DecodeU64(right));
    return absl::OkStatus();
  }
  absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext& job, std::string_view acc) const override {
    google::protobuf::Struct s;
    auto n = job.params.Int("tasks", 10, 0, 1'000'000);
    (*s.mutable_fields())["stage0"].set_number_value(static_cast<double>(*n));
    (*s.mutable_fields())["stage1"].set_number_value(
        static_cast<double>(DecodeU64(acc)));
    return s;
  }
  std::string IntermediateStore(const JobContext& job) const override {
    auto store = job.params.String("store", "");
    return store.ok() ? *store : "";
  }
};

class BadPlanKind final : public TestKindBase {
 public:
  std::string_view Name() const override { return "badplan"; }
  std::string_view Description() const override { return "plan fails"; }
  absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext&) const override {
    return absl::InvalidArgumentError(
        "parameter \"x\": expected a number, got \"y\"");
  }
  absl::Status Merge(std::string&, std::string_view,
                     const JobContext&) const override {
    return absl::OkStatus();
  }
  absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext&, std::string_view) const override {
    return google::protobuf::Struct();
  }
};

inline void RegisterTestKinds(JobRegistry& registry) {
  (void)registry.Register(std::make_unique<ConcatKind>());
  (void)registry.Register(std::make_unique<FsumKind>());
  (void)registry.Register(std::make_unique<TwoStageKind>());
  (void)registry.Register(std::make_unique<BadPlanKind>());
}

inline v1::JobSpec Spec(std::string kind, int tasks,
                        uint32_t max_attempts = 0) {
  v1::JobSpec spec;
  spec.set_kind(std::move(kind));
  spec.set_seed(1);
  spec.set_max_attempts(max_attempts);
  (*spec.mutable_params()->mutable_fields())["tasks"].set_number_value(tasks);
  return spec;
}

}  // namespace gridless::testing

#endif  // GRIDLESS_COORDINATOR_TESTING_TEST_KINDS_H_
