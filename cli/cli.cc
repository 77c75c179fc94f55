#include "cli/cli.h"

#include <grpc/support/log.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace gridless {
namespace {

void PrintOverview(FILE* out) {
  std::fprintf(out,
               "usage: gridless COMMAND [args] [flags]\n"
               "Gridless shards a batch job into many small deterministic "
               "tasks, runs them on\nworker processes and reduces their "
               "results.\n\ncommands:\n");
  for (const Command& c : Commands()) {
    std::fprintf(out, "  %-15s %.*s\n", std::string(c.name).c_str(),
                 static_cast<int>(c.help.size()), c.help.data());
  }
  std::fprintf(out,
               "\n`gridless help COMMAND` or `gridless COMMAND --help` shows a "
               "command's flags.\nExit codes: 0 success, 1 job failed or "
               "runtime failure, 2 usage error, 3 partial\nresult (tasks "
               "dead-lettered: see `gridless failures`).\n");
}

std::string KnownCommands() {
  std::string out;
  for (const Command& c : Commands()) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", std::string(c.name));
  }
  return out;
}

int UnknownCommand(std::string_view name) {
  return ReportError(
      absl::StrCat("unknown command \"", std::string(name),
                   "\"; commands: ", KnownCommands(), " (see gridless --help)"),
      kExitUsage);
}

}  // namespace

const Command* FindCommand(std::string_view name) {
  for (const Command& c : Commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAlreadyExists:
      return kExitUsage;
    default:
      return kExitFailed;
  }
}

int ReportError(absl::string_view message, int code) {
  std::string line = absl::StrReplaceAll(message, {{"\r\n", " "}, {"\n", " "}});
  if (line.rfind("gridless", 0) != 0) line = absl::StrCat("gridless: ", line);
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
  return code;
}

int ReportError(const absl::Status& status) {
  return ReportError(status.message(), ExitCodeFor(status));
}

int CliMain(int argc, char** argv) {
  // A closed stdout pipe (`gridless list | head`) must not kill us mid-way.
  std::signal(SIGPIPE, SIG_IGN);
  gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    PrintOverview(stderr);
    return kExitUsage;
  }
  const std::string& name = args[0];
  if (name == "--help" || name == "-h" || name == "help") {
    if (name == "help" && args.size() > 1) {
      const Command* c = FindCommand(args[1]);
      if (c == nullptr) return UnknownCommand(args[1]);
      return c->run({"--help"});
    }
    PrintOverview(stdout);
    return kExitOk;
  }
  if (name == "--version" || name == "version") {
    std::printf("gridless %s\n", GRIDLESS_BUILD_ID);
    return kExitOk;
  }
  const Command* c = FindCommand(name);
  if (c == nullptr) return UnknownCommand(name);
  return c->run(std::vector<std::string>(args.begin() + 1, args.end()));
}

}  // namespace gridless
