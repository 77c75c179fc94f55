// `loan-mc`: the loan cash-flow Monte Carlo (docs/LOAN_MODEL.md).
//
// Plan (coordinator) validates the parameters and reads the whole tape once,
// so a bad row refuses the job before any task runs; it then cuts the job
// into loan blocks x path blocks (loan-major task order).  Prepare (worker)
// reads the tape once per job and keeps it immutable; Run projects one
// block.  Merge unions the partials' ranges (partial.h); Finalize computes
// the statistics, adds the run manifest (manifest.h) and writes the files
// under "out".
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "jobs/builtin_kinds.h"
#include "jobs/loan/job_params.h"
#include "jobs/loan/loan_runner.h"
#include "jobs/loan/manifest.h"
#include "jobs/loan/partial.h"
#include "jobs/loan/results.h"
#include "jobs/pod_codec.h"

namespace gridless {
namespace {

using loan::LoanJobParams;
using loan::LoanPartial;

// What a partial of the job may cover: its paths, and with per-loan output
// as many loans as the tape's size allows (Merge cannot afford to read the
// tape; Finalize checks the exact count against it).
absl::StatusOr<loan::PartialLimits> Limits(const LoanJobParams& p) {
  loan::PartialLimits limits;
  limits.paths = static_cast<uint64_t>(p.paths);
  if (p.per_loan) {
    struct stat st;
    if (::stat(p.tape.c_str(), &st) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "loan-mc: cannot stat the loan tape \"", p.tape,
          "\" to bound the per-loan partials: ", std::strerror(errno)));
    }
    limits.loans =
        loan::LoanBoundFromTapeBytes(static_cast<uint64_t>(st.st_size));
  }
  return limits;
}

class LoanMcKind final : public JobKind {
 public:
  std::string_view Name() const override { return "loan-mc"; }
  std::string_view Description() const override {
    return "mortgage cash-flow Monte Carlo over a loan tape: PV, losses, "
           "VaR/ES, WAL";
  }
  std::vector<ParamInfo> Parameters() const override {
    return loan::LoanJobParamInfos();
  }

  absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext& ctx) const override {
    auto p = loan::ReadLoanJobParams(ctx.job);
    if (!p.ok()) return p.status();
    // A text tape is read whole (a bad row refuses the job here); a .gtape
    // is planned from its header alone.
    auto loans = loan::OpenLoanSource(p->tape, p->tape_options);
    if (!loans.ok()) return loans.status();
    loan::TaskLayout t = loan::MakeTaskLayout(
        *p, static_cast<int64_t>((*loans)->size()), (*loans)->max_remaining(),
        (*loans)->total_remaining_months());
    if (auto s = CheckTaskCount(
            ctx, static_cast<uint64_t>(t.loan_blocks * t.path_blocks));
        !s.ok()) {
      return s;
    }
    std::vector<std::string> tasks;
    tasks.reserve(t.loan_blocks * t.path_blocks);
    for (int64_t lb = 0; lb < t.loan_blocks; ++lb) {
      for (int64_t pb = 0; pb < t.path_blocks; ++pb) {
        loan::TaskRange r;
        r.loan_begin = lb * t.loan_block;
        r.loan_end = std::min<int64_t>(t.loans, (lb + 1) * t.loan_block);
        r.path_begin = pb * t.path_block;
        r.path_end = std::min<int64_t>(p->paths, (pb + 1) * t.path_block);
        tasks.push_back(EncodePod(r));
      }
    }
    return tasks;
  }

  absl::StatusOr<std::unique_ptr<TaskRunner>> Prepare(
      const JobContext& job) const override {
    auto p = loan::ReadLoanJobParams(job);
    if (!p.ok()) return p.status();
    auto loans = loan::OpenLoanSource(p->tape, p->tape_options);
    if (!loans.ok()) {
      // The coordinator read it fine: a worker that cannot is misconfigured
      // (tape not on a shared filesystem) or the file changed.
      return absl::FailedPreconditionError(absl::StrCat(
          "worker cannot read the loan tape: ", loans.status().message()));
    }
    return std::make_unique<loan::LoanMcRunner>(*std::move(p),
                                                *std::move(loans));
  }

  // Partials come from workers: each is decoded against the job's paths
  // and (per_loan) a bound on its loans, so a forged range is refused
  // before MergePartials sizes anything (partial.h).
  absl::Status Merge(std::string& acc, std::string_view right,
                     const JobContext& job) const override {
    auto p = loan::ReadLoanJobParams(job);
    if (!p.ok()) return p.status();
    auto limits = Limits(*p);
    if (!limits.ok()) return limits.status();
    auto b = LoanPartial::Decode(right, *limits);
    if (!b.ok()) return b.status();
    if (acc.empty()) {
      acc = std::string(right);
      return absl::OkStatus();
    }
    auto a = LoanPartial::Decode(acc, *limits);
    if (!a.ok()) return a.status();
    auto merged = loan::MergePartials(*a, *b);
    if (!merged.ok()) return merged.status();
    acc = merged->Encode();
    return absl::OkStatus();
  }

  absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext& job, std::string_view acc) const override {
    auto p = loan::ReadLoanJobParams(job);
    if (!p.ok()) return p.status();
    auto limits = Limits(*p);
    if (!limits.ok()) return limits.status();
    auto a = LoanPartial::Decode(acc, *limits);
    if (!a.ok()) return a.status();
    auto result = loan::BuildResult(*p, *a);
    if (!result.ok()) return result.status();
    auto manifest = loan::BuildManifest(job, *p, Parameters(), *a);
    if (!manifest.ok()) return manifest.status();
    *(*result->mutable_fields())["manifest"].mutable_struct_value() =
        *std::move(manifest);
    if (!p->out.empty()) {
      std::unique_ptr<loan::LoanSource> loans;
      if (p->per_loan) {
        auto opened = loan::OpenLoanSource(p->tape, p->tape_options);
        if (!opened.ok()) return opened.status();
        loans = *std::move(opened);
      }
      auto s = loan::WriteResultFiles(*p, *a, *result, loans.get());
      if (!s.ok()) return s;
      (*result->mutable_fields())["out"].set_string_value(p->out);
    }
    return result;
  }
};

}  // namespace

std::unique_ptr<JobKind> NewLoanMcKind() {
  return std::make_unique<LoanMcKind>();
}

}  // namespace gridless
