// `option-mc`: prices a European call or put under Black-Scholes by Monte
// Carlo and reports the estimate, its standard error and the closed form.
// Path i draws its normal from PhiloxStream(seed, stream 0, index i) through
// Boost's ziggurat normal_distribution, so the price does not depend on how
// the paths are split into tasks or where they run.
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/sv.h"
#include "jobs/builtin_kinds.h"
#include "jobs/option_pricing.h"
#include "jobs/pod_codec.h"
#include "jobs/random.h"

namespace gridless {
namespace {

struct OptionParams {
  bool call;
  double spot, strike, rate, dividend, volatility, maturity;
  int64_t paths, tasks;
};

struct PathRange {
  uint64_t begin;
  uint64_t end;
};

// Sums of the discounted payoff over a set of paths.
struct OptionPartial {
  uint64_t paths = 0;
  double sum = 0;
  double sum_sq = 0;
};

absl::StatusOr<OptionParams> ReadParams(const Params& p) {
  if (auto s = p.CheckKnown({"option", "spot", "strike", "rate", "dividend",
                             "volatility", "maturity", "paths", "tasks"});
      !s.ok()) {
    return s;
  }
  OptionParams o;
  auto option = p.String("option", "call", {"call", "put"});
  if (!option.ok()) return option.status();
  o.call = *option == "call";
  struct D {
    const char* name;
    double* out;
    double def, min, max;
  };
  for (const D& d :
       {D{"spot", &o.spot, 100, 1e-9, 1e12},
        D{"strike", &o.strike, 100, 1e-9, 1e12},
        D{"rate", &o.rate, 0.05, -1, 1}, D{"dividend", &o.dividend, 0, -1, 1},
        D{"volatility", &o.volatility, 0.2, 1e-6, 5},
        D{"maturity", &o.maturity, 1, 1e-6, 100}}) {
    auto v = p.Double(d.name, d.def, d.min, d.max);
    if (!v.ok()) return v.status();
    *d.out = *v;
  }
  auto paths = p.Int("paths", 1'000'000, 2, int64_t{1} << 50);
  if (!paths.ok()) return paths.status();
  auto tasks = p.Int("tasks", 100, 1, 10'000'000);
  if (!tasks.ok()) return tasks.status();
  if (*tasks > *paths) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter \"tasks\": ", *tasks, " tasks for ", *paths,
                     " paths; use at most one task per path"));
  }
  o.paths = *paths;
  o.tasks = *tasks;
  return o;
}

// A partial of this job: at most the job's paths.
absl::StatusOr<OptionPartial> DecodePartial(std::string_view bytes,
                                            const OptionParams& o,
                                            std::string_view what) {
  auto a = DecodePod<OptionPartial>(bytes, what);
  if (!a.ok()) return a.status();
  if (a->paths > static_cast<uint64_t>(o.paths)) {
    return absl::InvalidArgumentError(
        Cat(what, ": ", a->paths, " paths, more than the job's ", o.paths));
  }
  return a;
}

class OptionRunner final : public TaskRunner {
 public:
  OptionRunner(uint64_t seed, OptionParams o) : seed_(seed), o_(o) {}

  absl::StatusOr<std::string> Run(const TaskContext& task) override {
    auto range = DecodePod<PathRange>(task.payload, "option-mc task");
    if (!range.ok()) return range.status();
    const double drift =
        (o_.rate - o_.dividend - 0.5 * o_.volatility * o_.volatility) *
        o_.maturity;
    const double diffusion = o_.volatility * std::sqrt(o_.maturity);
    const double discount = std::exp(-o_.rate * o_.maturity);
    OptionPartial out;
    for (uint64_t i = range->begin; i < range->end; ++i) {
      if ((i & 0xFFFF) == 0 && task.cancelled()) {
        return absl::CancelledError("option-mc task cancelled");
      }
      PhiloxStream rng(seed_, 0, i);
      boost::random::normal_distribution<double> normal;
      double terminal = o_.spot * std::exp(drift + diffusion * normal(rng));
      double payoff = o_.call ? std::max(terminal - o_.strike, 0.0)
                              : std::max(o_.strike - terminal, 0.0);
      double v = discount * payoff;
      out.sum += v;
      out.sum_sq += v * v;
    }
    out.paths = range->end - range->begin;
    return EncodePod(out);
  }

 private:
  uint64_t seed_;
  OptionParams o_;
};

class OptionMcKind final : public JobKind {
 public:
  std::string_view Name() const override { return "option-mc"; }
  std::string_view Description() const override {
    return "European call or put under Black-Scholes by Monte Carlo, beside "
           "the closed form";
  }
  std::vector<ParamInfo> Parameters() const override {
    return {
        {"option", "string", "call", "\"call\" or \"put\""},
        {"spot", "double", "100", "spot price S > 0"},
        {"strike", "double", "100", "strike K > 0"},
        {"rate", "double", "0.05", "risk-free rate, continuous, decimal"},
        {"dividend", "double", "0", "dividend yield q, continuous, decimal"},
        {"volatility", "double", "0.2", "volatility sigma, decimal, > 0"},
        {"maturity", "double", "1", "time to expiry T in years, > 0"},
        {"paths", "int", "1000000", "Monte Carlo paths, >= 2"},
        {"tasks", "int", "100", "tasks the paths are split into"},
    };
  }
  absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext& ctx) const override {
    auto o = ReadParams(ctx.job.params);
    if (!o.ok()) return o.status();
    uint64_t n = o->paths, k = o->tasks;
    if (auto s = CheckTaskCount(ctx, k); !s.ok()) return s;
    std::vector<std::string> tasks;
    tasks.reserve(k);
    for (uint64_t t = 0; t < k; ++t) {
      tasks.push_back(EncodePod(PathRange{n * t / k, n * (t + 1) / k}));
    }
    return tasks;
  }
  absl::StatusOr<std::unique_ptr<TaskRunner>> Prepare(
      const JobContext& job) const override {
    auto o = ReadParams(job.params);
    if (!o.ok()) return o.status();
    return std::make_unique<OptionRunner>(job.seed(), *o);
  }
  // Partials are checked against the job: their paths add up to at most
  // the job's paths (a forged count cannot wrap).
  absl::Status Merge(std::string& acc, std::string_view right,
                     const JobContext& job) const override {
    auto o = ReadParams(job.params);
    if (!o.ok()) return o.status();
    auto b = DecodePartial(right, *o, "option-mc partial");
    if (!b.ok()) return b.status();
    if (acc.empty()) {
      acc = std::string(right);
      return absl::OkStatus();
    }
    auto a = DecodePartial(acc, *o, "option-mc partial");
    if (!a.ok()) return a.status();
    if (auto s = AddCounts(a->paths, b->paths, static_cast<uint64_t>(o->paths),
                           "option-mc partial", "paths", &a->paths);
        !s.ok()) {
      return s;
    }
    a->sum += b->sum;
    a->sum_sq += b->sum_sq;
    acc = EncodePod(*a);
    return absl::OkStatus();
  }
  absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext& job, std::string_view acc) const override {
    auto o = ReadParams(job.params);
    if (!o.ok()) return o.status();
    auto a = DecodePartial(acc, *o, "option-mc result");
    if (!a.ok()) return a.status();
    double n = static_cast<double>(a->paths);
    double mean = a->sum / n;
    double var = std::max(0.0, (a->sum_sq - n * mean * mean) / (n - 1));
    google::protobuf::Struct out;
    auto& f = *out.mutable_fields();
    f["price"].set_number_value(mean);
    f["stderr"].set_number_value(std::sqrt(var / n));
    f["closed_form"].set_number_value(
        BlackScholesPrice(o->call, o->spot, o->strike, o->rate, o->dividend,
                          o->volatility, o->maturity));
    f["paths"].set_number_value(n);
    return out;
  }
};

}  // namespace

std::unique_ptr<JobKind> NewOptionMcKind() {
  return std::make_unique<OptionMcKind>();
}

}  // namespace gridless
