#include "jobs/mapreduce/text_runs.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "common/sv.h"

namespace gridless::mapreduce {

absl::Status ForEachKeyValue(
    std::string_view run, std::string_view what,
    absl::FunctionRef<absl::Status(std::string_view, std::string_view)> fn) {
  if (!run.empty() && run.back() != '\n') {
    return absl::DataLossError(Cat(what, ": truncated run"));
  }
  while (!run.empty()) {
    size_t nl = run.find('\n');
    std::string_view line = run.substr(0, nl);
    run.remove_prefix(nl + 1);
    size_t tab = line.rfind('\t');
    if (tab == std::string_view::npos) {
      return absl::DataLossError(Cat(what, ": line without a TAB"));
    }
    if (auto s = fn(line.substr(0, tab), line.substr(tab + 1)); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

std::string FormatDouble(double x) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, r.ptr);
}

}  // namespace gridless::mapreduce
