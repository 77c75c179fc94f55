// `gridless kinds`: the job kinds this build knows, with their parameters.
// Works without a coordinator: it reads the local registry (the same kinds
// the gridless-coordinator and gridless-worker of this build link).
#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "cli/command_flags.h"
#include "cli/commands.h"
#include "cli/result_output.h"
#include "jobs/job.h"

namespace gridless {
namespace {

std::string KindToText(const JobKind& kind) {
  std::string out = absl::StrCat(std::string(kind.Name()), ": ",
                                 std::string(kind.Description()), "\n");
  auto params = kind.Parameters();
  size_t name_w = 4, type_w = 4, def_w = 7;
  for (const ParamInfo& p : params) {
    name_w = std::max(name_w, p.name.size());
    type_w = std::max(type_w, p.type.size());
    def_w =
        std::max(def_w, p.default_value.empty() ? 6 : p.default_value.size());
  }
  auto pad = [](const std::string& s, size_t w) {
    return s + std::string(w > s.size() ? w - s.size() : 0, ' ');
  };
  for (const ParamInfo& p : params) {
    absl::StrAppend(
        &out, "  ", pad(p.name, name_w), "  ", pad(p.type, type_w), "  ",
        pad(p.default_value.empty() ? "(none)" : p.default_value, def_w), "  ",
        p.meaning, "\n");
  }
  return out;
}

std::string KindToJson(const JobKind& kind) {
  std::string out = absl::StrCat(
      "{\"name\":", JsonString(std::string(kind.Name())),
      ",\"description\":", JsonString(std::string(kind.Description())),
      ",\"parameters\":[");
  bool first = true;
  for (const ParamInfo& p : kind.Parameters()) {
    absl::StrAppend(&out, first ? "" : ",", "{\"name\":", JsonString(p.name),
                    ",\"type\":", JsonString(p.type),
                    ",\"default\":", JsonString(p.default_value),
                    ",\"meaning\":", JsonString(p.meaning), "}");
    first = false;
  }
  return out + "]}";
}

}  // namespace

int KindsCommand(const std::vector<std::string>& args) {
  bool json = false;
  FlagSet fs("gridless kinds",
             "Lists the job kinds with their parameters: type, default and "
             "meaning.  A job\nfile's \"params\" takes these names; rates and "
             "volatilities are decimals (0.08).");
  fs.Bool("json", &json,
          "print a JSON array of {name, description, parameters}");
  if (auto exit = ParseCommandFlags(fs, args, "kinds", "[KIND]", 0, 1)) {
    return *exit;
  }
  std::vector<const JobKind*> kinds = JobRegistry::Global().All();
  if (!fs.positional().empty()) {
    auto kind = JobRegistry::Global().Find(fs.positional()[0]);
    if (!kind.ok()) return ReportError(kind.status());
    kinds = {*kind};
  }
  std::string out;
  if (json) {
    out = "[";
    for (size_t i = 0; i < kinds.size(); ++i) {
      absl::StrAppend(&out, i > 0 ? "," : "", KindToJson(*kinds[i]));
    }
    out += "]\n";
  } else {
    for (size_t i = 0; i < kinds.size(); ++i) {
      absl::StrAppend(&out, i > 0 ? "\n" : "", KindToText(*kinds[i]));
    }
  }
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace gridless
