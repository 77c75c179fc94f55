#include "cli/print_result.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "cli/result_output.h"

namespace gridless {

int PrintJobResult(const v1::JobResult& result, bool json) {
  const v1::Progress& p = result.progress();
  std::string text =
      json ? JobResultToJson(result) + "\n" : JobResultToText(result);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  switch (p.state()) {
    case v1::JOB_STATE_SUCCEEDED:
      return kExitOk;
    case v1::JOB_STATE_RUNNING:
      return ReportError(absl::StrCat("job ", p.job_id(),
                                      " is still running; the result is "
                                      "partial (wait with `gridless watch ",
                                      p.job_id(), "` or `result --wait`)"),
                         kExitFailed);
    default:
      return ReportError(
          absl::StrCat("job ", p.job_id(), " ", StateName(p.state()),
                       p.error().empty() ? "" : ": ", p.error()),
          kExitFailed);
  }
}

}  // namespace gridless
