// `pi`: estimates pi by throwing `samples` darts at the unit square, split
// into `tasks` tasks.  Sample i draws its two coordinates from
// PhiloxStream(seed, stream 0, index i), so the estimate does not depend on
// how the samples are split or where they run.
#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/sv.h"
#include "jobs/builtin_kinds.h"
#include "jobs/pod_codec.h"
#include "jobs/random.h"

namespace gridless {
namespace {

struct PiRange {
  uint64_t begin;
  uint64_t end;
};

struct PiPartial {
  uint64_t hits = 0;
  uint64_t samples = 0;
};

struct PiParams {
  int64_t samples;
  int64_t tasks;
};

absl::StatusOr<PiParams> ReadParams(const Params& p) {
  if (auto s = p.CheckKnown({"samples", "tasks"}); !s.ok()) return s;
  auto samples = p.Int("samples", 10'000'000, 1, int64_t{1} << 50);
  if (!samples.ok()) return samples.status();
  auto tasks = p.Int("tasks", 100, 1, 10'000'000);
  if (!tasks.ok()) return tasks.status();
  if (*tasks > *samples) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter \"tasks\": ", *tasks, " tasks for ", *samples,
                     " samples; use at most one task per sample"));
  }
  return PiParams{*samples, *tasks};
}

// A partial of this job: hits <= samples <= the job's samples.
absl::StatusOr<PiPartial> DecodePartial(std::string_view bytes,
                                        const PiParams& p,
                                        std::string_view what) {
  auto a = DecodePod<PiPartial>(bytes, what);
  if (!a.ok()) return a.status();
  if (a->hits > a->samples || a->samples > static_cast<uint64_t>(p.samples)) {
    return absl::InvalidArgumentError(
        Cat(what, ": ", a->hits, " hits of ", a->samples,
            " samples, not within the job's ", p.samples, " samples"));
  }
  return a;
}

class PiRunner final : public TaskRunner {
 public:
  explicit PiRunner(uint64_t seed) : seed_(seed) {}
  absl::StatusOr<std::string> Run(const TaskContext& task) override {
    auto range = DecodePod<PiRange>(task.payload, "pi task");
    if (!range.ok()) return range.status();
    PiPartial out;
    for (uint64_t i = range->begin; i < range->end; ++i) {
      if ((i & 0xFFFF) == 0 && task.cancelled()) {
        return absl::CancelledError("pi task cancelled");
      }
      PhiloxStream rng(seed_, 0, i);
      double x = rng() * 0x1.0p-32;
      double y = rng() * 0x1.0p-32;
      out.hits += (x * x + y * y < 1.0);
    }
    out.samples = range->end - range->begin;
    return EncodePod(out);
  }

 private:
  uint64_t seed_;
};

class PiKind final : public JobKind {
 public:
  std::string_view Name() const override { return "pi"; }
  std::string_view Description() const override {
    return "estimates pi by throwing random darts at the unit square";
  }
  std::vector<ParamInfo> Parameters() const override {
    return {{"samples", "int", "10000000", "darts thrown in total, >= 1"},
            {"tasks", "int", "100", "tasks the darts are split into, >= 1"}};
  }
  absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext& ctx) const override {
    auto p = ReadParams(ctx.job.params);
    if (!p.ok()) return p.status();
    if (auto s = CheckTaskCount(ctx, p->tasks); !s.ok()) return s;
    std::vector<std::string> tasks;
    tasks.reserve(p->tasks);
    uint64_t n = p->samples, k = p->tasks;
    for (uint64_t t = 0; t < k; ++t) {
      tasks.push_back(EncodePod(PiRange{n * t / k, n * (t + 1) / k}));
    }
    return tasks;
  }
  absl::StatusOr<std::unique_ptr<TaskRunner>> Prepare(
      const JobContext& job) const override {
    if (auto p = ReadParams(job.params); !p.ok()) return p.status();
    return std::make_unique<PiRunner>(job.seed());
  }
  // Partials are checked against the job: hits <= samples <= the job's
  // samples, also after adding (a forged count cannot wrap).
  absl::Status Merge(std::string& acc, std::string_view right,
                     const JobContext& job) const override {
    auto p = ReadParams(job.params);
    if (!p.ok()) return p.status();
    auto b = DecodePartial(right, *p, "pi partial");
    if (!b.ok()) return b.status();
    if (acc.empty()) {
      acc = std::string(right);
      return absl::OkStatus();
    }
    auto a = DecodePartial(acc, *p, "pi partial");
    if (!a.ok()) return a.status();
    const uint64_t limit = static_cast<uint64_t>(p->samples);
    if (auto s = AddCounts(a->samples, b->samples, limit, "pi partial",
                           "samples", &a->samples);
        !s.ok()) {
      return s;
    }
    a->hits += b->hits;  // hits <= samples on each side, so no overflow
    acc = EncodePod(*a);
    return absl::OkStatus();
  }
  absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext& job, std::string_view acc) const override {
    auto params = ReadParams(job.params);
    if (!params.ok()) return params.status();
    auto a = DecodePartial(acc, *params, "pi result");
    if (!a.ok()) return a.status();
    double n = static_cast<double>(a->samples);
    double p = static_cast<double>(a->hits) / n;
    google::protobuf::Struct out;
    auto& f = *out.mutable_fields();
    f["estimate"].set_number_value(4.0 * p);
    f["stderr"].set_number_value(4.0 * std::sqrt(p * (1.0 - p) / n));
    f["samples"].set_number_value(n);
    return out;
  }
};

}  // namespace

std::unique_ptr<JobKind> NewPiKind() { return std::make_unique<PiKind>(); }

}  // namespace gridless
