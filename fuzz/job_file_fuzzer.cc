// libFuzzer target: a job file as a user (or an attacker with a token) could
// write it.  Parses it into a JobSpec and runs every kind's parameter checks
// (the parts of Plan that read user input, without the I/O).  Any crash,
// sanitizer report or hang is a bug: bad input must give an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/job_file.h"
#include "jobs/job.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = gridless::ParseJobSpecJson(text, "fuzz.json");
  if (!spec.ok()) return 0;
  gridless::Params params(spec->params());
  auto kind = gridless::JobRegistry::Global().Find(spec->kind());
  if (kind.ok()) {
    std::vector<std::string> names;
    for (const auto& p : (*kind)->Parameters()) names.push_back(p.name);
    (void)params.CheckKnown(names);
  }
  for (const auto& [name, value] : spec->params().fields()) {
    (void)params.Double(name, 0, -1e9, 1e9);
    (void)params.Int(name, 0, -1000, 1000);
    (void)params.Bool(name, false);
    (void)params.String(name, "", {"call", "put"});
    (void)params.IntList(name, 0, 100);
    (void)params.StringList(name);
  }
  (void)gridless::JobSpecToJson(*spec);
  return 0;
}
