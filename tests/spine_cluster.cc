#include "tests/spine_cluster.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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
  return StartAt("127.0.0.1:0", extra_args, absl::ZeroDuration());
}

absl::StatusOr<std::unique_ptr<CoordinatorProcess>> CoordinatorProcess::StartAt(
    const std::string& listen, const std::vector<std::string>& extra_args,
    absl::Duration patience) {
  std::vector<std::string> argv = {Binary("gridless-coordinator"), "--listen",
                                   listen};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  SpawnOptions options;
  options.pipe_stdout = true;
  const absl::Time give_up = absl::Now() + patience;
  while (true) {
    auto process = Subprocess::Spawn(argv, options);
    if (!process.ok()) return process.status();
    auto line = (*process)->ReadLine(absl::Seconds(30));
    constexpr absl::string_view kPrefix = "gridless-coordinator listening on ";
    if (line.ok() && absl::StartsWith(*line, kPrefix)) {
      auto c = std::unique_ptr<CoordinatorProcess>(new CoordinatorProcess());
      c->process_ = *std::move(process);
      c->address_ = line->substr(kPrefix.size());
      return c;
    }
    // No line: it exited (the port is still taken) or hangs.
    const bool exited = (*process)->Wait(absl::Seconds(5));
    if (exited && (*process)->exit_code() == 1 && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(200));
      continue;
    }
    if (!line.ok()) {
      return absl::InternalError(absl::StrCat(
          "gridless-coordinator --listen ", listen,
          " did not start: ", line.status().message(), exited ? "; it " : "",
          exited ? (*process)->DescribeExit() : ""));
    }
    return absl::InternalError(
        absl::StrCat("unexpected first line from the coordinator: ", *line));
  }
}

absl::StatusOr<std::unique_ptr<JobClient>> CoordinatorProcess::Connect() const {
  return JobClient::Connect(address_, absl::Seconds(10));
}

absl::StatusOr<std::unique_ptr<Subprocess>> StartWorker(
    const std::string& coordinator, int slots,
    const std::vector<std::string>& extra_args,
    const std::string& stderr_path) {
  std::vector<std::string> argv = {Binary("gridless-worker"), "--coordinator",
                                   coordinator, "--slots", absl::StrCat(slots)};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  SpawnOptions options;
  options.stderr_path = stderr_path;
  return Subprocess::Spawn(argv, options);
}

TaskGateFile::TaskGateFile(const std::string& dir, const std::string& content)
    : path_(dir + "/task-gate") {
  if (content.empty()) {
    Open();
  } else {
    Set(content);
  }
}

void TaskGateFile::Set(const std::string& content) {
  // Workers read the file under flock; a rename swaps it atomically.
  const std::string tmp = path_ + ".tmp";
  std::ofstream(tmp) << content << "\n";
  std::filesystem::rename(tmp, path_);
}

void TaskGateFile::Open() { std::filesystem::remove(path_); }

absl::StatusOr<std::unique_ptr<Subprocess>> WorkerFleet::Start(
    std::string* log) {
  *log = log_dir_.empty()
             ? ""
             : absl::StrCat(log_dir_, "/worker-", started_ + 1, ".err");
  auto w = StartWorker(coordinator_, slots_, extra_args_, *log);
  if (w.ok()) ++started_;
  return w;
}

absl::Status WorkerFleet::Grow(int n) {
  while (size() < n) {
    std::string log;
    auto w = Start(&log);
    if (!w.ok()) return w.status();
    workers_.push_back(*std::move(w));
    logs_.push_back(log);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> WorkerFleet::ReplaceDead() {
  int replaced = 0;
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (!workers_[i]->Poll()) continue;
    auto fresh = Start(&logs_[i]);
    if (!fresh.ok()) return fresh.status();
    workers_[i] = *std::move(fresh);
    ++replaced;
  }
  return replaced;
}

absl::Status WorkerFleet::KillOneAndReplace(std::mt19937& rng) {
  if (workers_.empty()) return absl::FailedPreconditionError("no worker");
  std::uniform_int_distribution<size_t> pick(0, workers_.size() - 1);
  const size_t i = pick(rng);
  std::unique_ptr<Subprocess>& victim = workers_[i];
  victim->Signal(SIGKILL);
  if (!victim->Wait(absl::Seconds(30))) {
    return absl::InternalError("a SIGKILLed worker did not exit in 30 s");
  }
  auto fresh = Start(&logs_[i]);
  if (!fresh.ok()) return fresh.status();
  victim = *std::move(fresh);
  return absl::OkStatus();
}

void WorkerFleet::KillAll() {
  workers_.clear();
  logs_.clear();
}

bool WorkerFleet::AllHoldingAtGate() const {
  if (workers_.empty()) return false;
  for (const std::string& log : logs_) {
    if (log.empty() || !absl::StrContains(ReadFile(log), "holding task")) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<Cluster> StartCluster(
    int workers, int slots, const std::vector<std::string>& coordinator_args,
    const std::vector<std::string>& worker_args) {
  Cluster cluster;
  auto coordinator = CoordinatorProcess::Start(coordinator_args);
  if (!coordinator.ok()) return coordinator.status();
  cluster.coordinator = *std::move(coordinator);
  auto client = cluster.coordinator->Connect();
  if (!client.ok()) return client.status();
  cluster.client = *std::move(client);
  cluster.workers = std::make_unique<WorkerFleet>(
      cluster.coordinator->address(), slots, worker_args);
  if (auto s = cluster.workers->Grow(workers); !s.ok()) return s;
  return cluster;
}

absl::StatusOr<v1::JobResult> WaitForResult(JobClient& client,
                                            const std::string& job_id,
                                            absl::Duration timeout) {
  return WaitForResult(client, job_id, timeout, nullptr);
}

absl::StatusOr<v1::JobResult> WaitForResult(
    JobClient& client, const std::string& job_id, absl::Duration timeout,
    const std::function<absl::Status()>& between_polls) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    auto r = client.GetResult(job_id);
    if (!r.ok()) return r.status();
    if (IsFinal(r->progress().state())) return r;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "job ", job_id, " still ", StateName(r->progress().state()),
          " after ", absl::FormatDuration(timeout), " (",
          r->progress().tasks().succeeded(), "/", r->progress().tasks().total(),
          " tasks done)"));
    }
    if (between_polls) {
      if (auto s = between_polls(); !s.ok()) return s;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::StatusOr<v1::Progress> WaitUntil(
    JobClient& client, const std::string& job_id,
    const std::function<bool(const v1::Progress&)>& done,
    absl::Duration timeout,
    const std::function<absl::Status()>& between_polls) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    auto r = client.GetResult(job_id);
    if (!r.ok()) return r.status();
    const v1::Progress& p = r->progress();
    if (done(p) || IsFinal(p.state())) return p;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("job ", job_id, " is ", StateName(p.state()), " with ",
                       p.tasks().succeeded(), "/", p.tasks().total(),
                       " tasks done; the awaited condition did not hold after ",
                       absl::FormatDuration(timeout)));
    }
    if (between_polls) {
      if (auto s = between_polls(); !s.ok()) return s;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::StatusOr<v1::Progress> WaitForProgress(JobClient& client,
                                             const std::string& job_id,
                                             uint64_t succeeded,
                                             absl::Duration timeout) {
  return WaitUntil(
      client, job_id,
      [succeeded](const v1::Progress& p) {
        return p.tasks().succeeded() >= succeeded;
      },
      timeout);
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

absl::StatusOr<std::string> ResultJsonText(const std::string& json_line) {
  const std::string kKey = "\"result\":";
  size_t start = json_line.find(kKey);
  if (start == std::string::npos || start + kKey.size() >= json_line.size() ||
      json_line[start + kKey.size()] != '{') {
    return absl::NotFoundError(
        absl::StrCat("no \"result\" object in: ", json_line));
  }
  start += kKey.size();
  int depth = 0;
  bool in_string = false;
  for (size_t i = start; i < json_line.size(); ++i) {
    char c = json_line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return json_line.substr(start, i + 1 - start);
    }
  }
  return absl::NotFoundError(
      absl::StrCat("unterminated \"result\" object in: ", json_line));
}

absl::StatusOr<std::string> InProcessResultJson(const std::string& job_file) {
  CliRun run = RunCli({"run", job_file, "--workers", "0", "--json", "--quiet"});
  if (run.exit_code != 0) {
    return absl::InternalError(absl::StrCat("gridless run ", job_file,
                                            " --workers 0 exited with ",
                                            run.exit_code, ": ", run.err));
  }
  return ResultJsonText(run.out);
}

v1::JobSpec Spec(const std::string& json) {
  auto spec = ParseJobSpecJson(json, "test job");
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : v1::JobSpec();
}

}  // namespace gridless::spine
