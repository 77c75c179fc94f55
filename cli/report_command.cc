// `gridless report ID --out FILE`: the job's dashboard page as one
// self-contained HTML file (data, script and style inline; it loads
// nothing), fetched from the coordinator's --http endpoint (/report/ID) and
// written atomically.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "cli/command_flags.h"
#include "cli/commands.h"
#include "cli/http_fetch.h"
#include "common/atomic_file.h"
#include "common/flags.h"

namespace gridless {

int ReportCommand(const std::vector<std::string>& args) {
  std::string out;
  const char* env = std::getenv("GRIDLESS_HTTP");
  std::string http = env != nullptr ? env : "";
  double timeout_s = 60;
  FlagSet fs("gridless report",
             "Writes a job's dashboard page as one self-contained HTML file "
             "(data, charts,\nscript and style inline; nothing is loaded when "
             "it is opened), for mailing.\nFetched from the coordinator's "
             "--http endpoint.");
  fs.String("out", &out, "the HTML file to write (atomically)");
  fs.String("http", &http,
            "HOST:PORT of the coordinator's --http endpoint (env "
            "GRIDLESS_HTTP)");
  fs.Double("timeout", &timeout_s, 0.001, 86400,
            "seconds to wait for the coordinator");
  if (auto exit = ParseCommandFlags(fs, args, "report", "ID", 1, 1)) {
    return *exit;
  }
  const std::string& id = fs.positional()[0];
  if (out.empty()) {
    return ReportError("gridless report: --out FILE is required", kExitUsage);
  }
  if (http.empty()) {
    return ReportError(
        "gridless report: --http HOST:PORT (the coordinator's --http "
        "address) is required, or set GRIDLESS_HTTP",
        kExitUsage);
  }
  auto got =
      HttpGet(http, absl::StrCat("/report/", id), absl::Seconds(timeout_s));
  if (!got.ok()) return ReportError(got.status());
  if (got->status != 200) {
    std::string why = got->body;
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) {
      why.pop_back();
    }
    return ReportError(
        absl::StrCat("job ", id, ": the coordinator answered ", got->status,
                     ": ", why.substr(0, 500)),
        got->status == 404 || got->status == 400 ? kExitUsage : kExitFailed);
  }
  if (auto s = WriteFileAtomically(out, got->body); !s.ok()) {
    return ReportError(s);
  }
  std::fprintf(stderr, "wrote %s (%zu bytes)\n", out.c_str(), got->body.size());
  return kExitOk;
}

}  // namespace gridless
