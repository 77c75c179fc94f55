#include "cli/print_result.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "cli/failures_output.h"
#include "cli/result_output.h"

namespace gridless {

int PrintJobResult(const v1::JobResult& result, bool json,
                   const std::string& coordinator) {
  const v1::Progress& p = result.progress();
  std::string text =
      json ? JobResultToJson(result) + "\n" : JobResultToText(result);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  const std::string hint =
      coordinator.empty() ? ""
                          : DeadLetterHint(p, CoordinatorFlagFor(coordinator));
  switch (p.state()) {
    case v1::JOB_STATE_SUCCEEDED:
      return kExitOk;
    case v1::JOB_STATE_RUNNING:
      return ReportError(absl::StrCat("job ", p.job_id(),
                                      " is still running; the result is "
                                      "partial (wait with `gridless watch ",
                                      p.job_id(), "` or `result --wait`)"),
                         kExitFailed);
    case v1::JOB_STATE_PARTIAL:
      if (!hint.empty()) return ReportError(hint, kExitPartial);
      return ReportError(
          absl::StrCat("job ", p.job_id(), " ended with a partial result",
                       p.error().empty() ? "" : ": ", p.error()),
          kExitPartial);
    default: {
      int code = ReportError(
          absl::StrCat("job ", p.job_id(), " ", StateName(p.state()),
                       p.error().empty() ? "" : ": ", p.error()),
          ExitCodeForState(p.state()));
      if (!hint.empty()) ReportError(hint, code);
      return code;
    }
  }
}

}  // namespace gridless
