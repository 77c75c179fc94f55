#include "common/flags.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace gridless {
namespace {

absl::Status BadValue(const std::string& name, const std::string& value,
                      const std::string& expected) {
  return absl::InvalidArgumentError(absl::StrCat("flag --", name, ": expected ",
                                                 expected, ", got \"", value,
                                                 "\" (see --help)"));
}

}  // namespace

void FlagSet::String(const std::string& name, std::string* out,
                     const std::string& help) {
  flags_.push_back({name, help, *out, false, [out](const std::string& v) {
                      *out = v;
                      return absl::OkStatus();
                    }});
}

void FlagSet::Int(const std::string& name, int64_t* out, int64_t min,
                  int64_t max, const std::string& help) {
  flags_.push_back(
      {name, help, absl::StrCat(*out), false,
       [=](const std::string& v) -> absl::Status {
         int64_t x;
         if (!absl::SimpleAtoi(v, &x) || x < min || x > max) {
           return BadValue(
               name, v, absl::StrCat("an integer in [", min, ", ", max, "]"));
         }
         *out = x;
         return absl::OkStatus();
       }});
}

void FlagSet::Double(const std::string& name, double* out, double min,
                     double max, const std::string& help) {
  flags_.push_back({name, help, absl::StrCat(*out), false,
                    [=](const std::string& v) -> absl::Status {
                      double x;
                      if (!absl::SimpleAtod(v, &x) || !std::isfinite(x) ||
                          x < min || x > max) {
                        return BadValue(
                            name, v,
                            absl::StrCat("a number in [", min, ", ", max, "]"));
                      }
                      *out = x;
                      return absl::OkStatus();
                    }});
}

void FlagSet::Bool(const std::string& name, bool* out,
                   const std::string& help) {
  flags_.push_back({name, help, *out ? "true" : "false", true,
                    [=](const std::string& v) -> absl::Status {
                      if (v == "true" || v == "1" || v.empty()) {
                        *out = true;
                      } else if (v == "false" || v == "0") {
                        *out = false;
                      } else {
                        return BadValue(name, v, "true or false");
                      }
                      return absl::OkStatus();
                    }});
}

FlagSet::Flag* FlagSet::Find(const std::string& name) {
  for (auto& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

absl::Status FlagSet::Parse(int argc, char** argv) {
  return Parse(std::vector<std::string>(argv, argv + argc));
}

absl::Status FlagSet::Parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      continue;
    }
    if (arg == "--") {
      for (++i; i < args.size(); ++i) positional_.push_back(args[i]);
      break;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    Flag* flag = Find(name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          program_, ": unknown flag --", name, " (see ", program_, " --help)"));
    }
    if (!has_value && !flag->is_bool) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " needs a value (see --help)"));
      }
      value = args[++i];
    }
    if (auto s = flag->set(value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string FlagSet::Usage(const std::string& positional_synopsis) const {
  std::string out = absl::StrCat("usage: ", program_, " ", positional_synopsis,
                                 positional_synopsis.empty() ? "" : " ",
                                 "[flags]\n", summary_, "\n\nflags:\n");
  for (const auto& f : flags_) {
    absl::StrAppend(&out, "  --", f.name, f.is_bool ? "" : " VALUE", "\n      ",
                    f.help);
    if (!f.default_text.empty()) {
      absl::StrAppend(&out, " (default: ", f.default_text, ")");
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace gridless
