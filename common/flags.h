// A small command-line parser shared by the three binaries.
//
// Accepts `--name value`, `--name=value` and boolean `--name`; anything not
// starting with `--` is a positional argument.  Every error is
// INVALID_ARGUMENT and names the flag, the value and what was expected, and
// ends with "(see --help)".
//
//   FlagSet flags("gridless-worker", "Runs tasks for a coordinator.");
//   std::string coordinator = "127.0.0.1:7070";
//   int64_t slots = 0;
//   flags.String("coordinator", &coordinator, "HOST:PORT of the coordinator");
//   flags.Int("slots", &slots, 0, 1024, "tasks run at once; 0 = all cores");
//   if (auto s = flags.Parse(argc - 1, argv + 1); !s.ok()) { ... }
//
// Not thread-safe; use from main only.
#ifndef GRIDLESS_COMMON_FLAGS_H_
#define GRIDLESS_COMMON_FLAGS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace gridless {

class FlagSet {
 public:
  FlagSet(std::string program, std::string summary)
      : program_(std::move(program)), summary_(std::move(summary)) {}

  void String(const std::string& name, std::string* out,
              const std::string& help);
  void Int(const std::string& name, int64_t* out, int64_t min, int64_t max,
           const std::string& help);
  void Double(const std::string& name, double* out, double min, double max,
              const std::string& help);
  // A flag without a value; `--name=false` also works.
  void Bool(const std::string& name, bool* out, const std::string& help);

  // Parses args (without the program name).  `--help`/`-h` sets help().
  absl::Status Parse(int argc, char** argv);
  absl::Status Parse(const std::vector<std::string>& args);

  bool help() const { return help_; }
  const std::vector<std::string>& positional() const { return positional_; }
  // "usage: PROGRAM [flags]\nSUMMARY\n  --name  help (default: x)\n..."
  std::string Usage(const std::string& positional_synopsis = "") const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    std::function<absl::Status(const std::string&)> set;
  };
  Flag* Find(const std::string& name);

  std::string program_;
  std::string summary_;
  std::vector<Flag> flags_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace gridless

#endif  // GRIDLESS_COMMON_FLAGS_H_
