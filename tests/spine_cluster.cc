#include "tests/spine_cluster.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/result_output.h"
#include "common/job_file.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

#ifndef GRIDLESS_BIN_DIR
#error "GRIDLESS_BIN_DIR must name the directory of the built binaries"
#endif

namespace gridless::spine {

std::string Binary(const std::string& name) {
  return absl::StrCat(GRIDLESS_BIN_DIR, "/", name);
}

std::string SourcePath(const std::string& relative) {
  return absl::StrCat(GRIDLESS_SOURCE_DIR, "/", relative);
}

std::string FreshDir(const std::string& name) {
  static std::atomic<int> counter{0};
  std::string dir = absl::StrCat(::testing::TempDir(), "/spine_", ::getpid(),
                                 "_", counter.fetch_add(1), "_", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string WriteFile(const std::string& dir, const std::string& name,
                      const std::string& contents) {
  std::string path = absl::StrCat(dir, "/", name);
  std::ofstream(path) << contents;
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::StatusOr<std::unique_ptr<CoordinatorProcess>> CoordinatorProcess::Start(
    const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv = {Binary("gridless-coordinator"), "--listen",
                                   "127.0.0.1:0"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  SpawnOptions options;
  options.pipe_stdout = true;
  auto process = Subprocess::Spawn(argv, options);
  if (!process.ok()) return process.status();
  auto line = (*process)->ReadLine(absl::Seconds(30));
  if (!line.ok()) return line.status();
  constexpr absl::string_view kPrefix = "gridless-coordinator listening on ";
  if (!absl::StartsWith(*line, kPrefix)) {
    return absl::InternalError(
        absl::StrCat("unexpected first line from the coordinator: ", *line));
  }
  auto c = std::unique_ptr<CoordinatorProcess>(new CoordinatorProcess());
  c->process_ = *std::move(process);
  c->address_ = line->substr(kPrefix.size());
  return c;
}

absl::StatusOr<std::unique_ptr<JobClient>> CoordinatorProcess::Connect() const {
  return JobClient::Connect(address_, absl::Seconds(10));
}

absl::StatusOr<std::unique_ptr<Subprocess>> StartWorker(
    const std::string& coordinator, int slots) {
  return Subprocess::Spawn({Binary("gridless-worker"), "--coordinator",
                            coordinator, "--slots", absl::StrCat(slots)},
                           SpawnOptions{});
}

absl::StatusOr<v1::JobResult> WaitForResult(JobClient& client,
                                            const std::string& job_id,
                                            absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    auto r = client.GetResult(job_id);
    if (!r.ok()) return r.status();
    if (IsFinal(r->progress().state())) return r;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "job ", job_id, " still ", StateName(r->progress().state()),
          " after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::StatusOr<v1::Progress> WaitForProgress(JobClient& client,
                                             const std::string& job_id,
                                             uint64_t succeeded,
                                             absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    auto r = client.GetResult(job_id);
    if (!r.ok()) return r.status();
    const v1::Progress& p = r->progress();
    if (p.tasks().succeeded() >= succeeded || IsFinal(p.state())) return p;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("job ", job_id, " has ", p.tasks().succeeded(),
                       " tasks done after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
}

absl::StatusOr<CliProcess> StartCli(const std::vector<std::string>& args) {
  static std::atomic<int> counter{0};
  std::string dir = FreshDir(absl::StrCat("cli", counter.fetch_add(1)));
  CliProcess cli;
  cli.out_path = dir + "/stdout";
  cli.err_path = dir + "/stderr";
  SpawnOptions options;
  options.stdout_path = cli.out_path;
  options.stderr_path = cli.err_path;
  std::vector<std::string> argv = {Binary("gridless")};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = Subprocess::Spawn(argv, options);
  if (!p.ok()) return p.status();
  cli.process = *std::move(p);
  return cli;
}

CliRun RunCli(const std::vector<std::string>& args, absl::Duration timeout) {
  CliRun run;
  auto cli = StartCli(args);
  if (!cli.ok()) {
    run.err = std::string(cli.status().message());
    return run;
  }
  if (cli->process->Wait(timeout)) run.exit_code = cli->process->exit_code();
  cli->process.reset();  // kills it when still running
  run.out = ReadFile(cli->out_path);
  run.err = ReadFile(cli->err_path);
  return run;
}

absl::StatusOr<google::protobuf::Struct> ParseJson(const std::string& json) {
  google::protobuf::Struct out;
  auto status = google::protobuf::util::JsonStringToMessage(json, &out);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not JSON: ", status.message().ToString(), ": ", json));
  }
  return out;
}

v1::JobSpec Spec(const std::string& json) {
  auto spec = ParseJobSpecJson(json, "test job");
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : v1::JobSpec();
}

}  // namespace gridless::spine
