// Auth and exposure end to end (issue 4, item 5; docs/SECURITY.md): real
// gridless-coordinator, gridless-worker and gridless processes on loopback.
//
//  * tokens: no token, a wrong token, the worker token used to submit and the
//    client token used by a worker are refused with UNAUTHENTICATED and
//    logged with the peer's address; the right tokens run a job;
//  * a non-loopback --listen without authentication is refused (exit 2),
//    and accepted with a token or --insecure-allow-remote;
//  * TLS and mutual TLS with the test certificates of tests/testdata/tls
//    (see make.sh there): a client without the CA, with another CA or
//    without a client certificate is refused;
//  * a message bigger than --max-message-mb is refused while a running job
//    goes on to finish.
//  * a worker beyond --max-workers is refused with RESOURCE_EXHAUSTED and
//    retries;
//  * `gridless run` authenticates its own workers.
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/job_client.h"
#include "common/auth.h"
#include "common/job_file.h"
#include "common/subprocess.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/spine_cluster.h"

#ifndef GRIDLESS_BIN_DIR
#error "GRIDLESS_BIN_DIR must name the directory of the built binaries"
#endif

namespace gridless {
namespace {

using ::testing::HasSubstr;

using spine::Binary;
using spine::FreshDir;
using spine::ReadFile;
using spine::SourcePath;
using spine::WriteFile;

v1::JobSpec Spec(const std::string& json) {
  auto spec = ParseJobSpecJson(json, "test job");
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : v1::JobSpec();
}

// What a program did.
struct CliRun {
  int exit_code = -1;  // -1: killed after the timeout
  std::string out;
  std::string err;
};

std::string Tls(const std::string& name) {
  return SourcePath("tests/testdata/tls/" + name);
}

// A coordinator whose stderr goes to a file (to check its log).
struct Coordinator {
  std::unique_ptr<Subprocess> process;
  std::string address;
  std::string err_path;
  std::string Log() const { return ReadFile(err_path); }
};

absl::StatusOr<Coordinator> StartCoordinator(
    const std::string& dir, const std::vector<std::string>& args,
    const std::string& listen = "127.0.0.1:0") {
  Coordinator c;
  c.err_path = dir + "/coordinator.err";
  std::vector<std::string> argv = {Binary("gridless-coordinator"), "--listen",
                                   listen};
  argv.insert(argv.end(), args.begin(), args.end());
  SpawnOptions options;
  options.pipe_stdout = true;
  options.stderr_path = c.err_path;
  auto process = Subprocess::Spawn(argv, options);
  if (!process.ok()) return process.status();
  c.process = *std::move(process);
  auto line = c.process->ReadLine(absl::Seconds(30));
  if (!line.ok()) {
    return absl::InternalError(
        absl::StrCat("the coordinator did not start: ", line.status().message(),
                     ": ", ReadFile(c.err_path)));
  }
  constexpr absl::string_view kPrefix = "gridless-coordinator listening on ";
  if (!absl::StartsWith(*line, kPrefix)) {
    return absl::InternalError(absl::StrCat("unexpected line: ", *line));
  }
  c.address = line->substr(kPrefix.size());
  return c;
}

// Runs a program to its end (bounded), capturing stdout and stderr.
CliRun RunProgram(const std::string& dir, const std::vector<std::string>& argv,
                  absl::Duration timeout = absl::Seconds(60)) {
  static std::atomic<int> count{0};
  const std::string base = absl::StrCat(dir, "/run", ++count);
  SpawnOptions options;
  options.stdout_path = base + ".out";
  options.stderr_path = base + ".err";
  CliRun run;
  auto process = Subprocess::Spawn(argv, options);
  if (!process.ok()) {
    run.err = std::string(process.status().message());
    return run;
  }
  if ((*process)->Wait(timeout)) run.exit_code = (*process)->exit_code();
  process->reset();
  run.out = ReadFile(base + ".out");
  run.err = ReadFile(base + ".err");
  return run;
}

// Runs build/bin/gridless with `args`.
CliRun RunCli(const std::vector<std::string>& args) {
  static const std::string dir = FreshDir("cli");
  std::vector<std::string> argv = {Binary("gridless")};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(dir, argv, absl::Seconds(90));
}

std::vector<std::string> WorkerArgs(const std::string& address,
                                    const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {Binary("gridless-worker"),
                                   "--coordinator",
                                   address,
                                   "--slots",
                                   "2",
                                   "--idle-exit",
                                   "1",
                                   "--connect-timeout",
                                   "10"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

absl::StatusOr<std::unique_ptr<Subprocess>> StartWorker(
    const std::string& address, const std::vector<std::string>& extra) {
  return Subprocess::Spawn(WorkerArgs(address, extra), SpawnOptions{});
}

constexpr char kSmallJob[] =
    R"({"kind": "pi", "seed": 3, "params": {"samples": 200000, "tasks": 8}})";

class AuthClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv(kTokenEnv);
    dir_ = FreshDir(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    worker_token_ = WriteFile(dir_, "worker.token", "worker-secret-1\n");
    client_token_ = WriteFile(dir_, "client.token", "client-secret-2\n");
    wrong_token_ = WriteFile(dir_, "wrong.token", "not-the-token\n");
    job_ = WriteFile(dir_, "job.json", kSmallJob);
  }
  void TearDown() override { unsetenv(kTokenEnv); }

  std::string dir_;
  std::string worker_token_;
  std::string client_token_;
  std::string wrong_token_;
  std::string job_;
};

TEST_F(AuthClusterTest, TokensAreCheckedPerRole) {
  auto c = StartCoordinator(dir_, {"--worker-token-file", worker_token_,
                                   "--client-token-file", client_token_});
  ASSERT_TRUE(c.ok()) << c.status();

  // No token.
  CliRun run = RunCli({"submit", "--coordinator", c->address, job_});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("missing token"));
  // A wrong token.
  run = RunCli(
      {"list", "--coordinator", c->address, "--token-file", wrong_token_});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("wrong token for the client role"));
  // The worker token used to submit.
  run = RunCli({"submit", "--coordinator", c->address, "--token-file",
                worker_token_, job_});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("this is the worker token"));
  // An unreadable token file is a usage error naming the file.
  run = RunCli({"list", "--coordinator", c->address, "--token-file",
                dir_ + "/missing.token"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr(dir_ + "/missing.token"));

  // The client token works.
  run = RunCli({"submit", "--coordinator", c->address, "--token-file",
                client_token_, job_});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string job_id(absl::StripAsciiWhitespace(run.out));

  // A worker with the client token, or none, is refused for good: it exits
  // 1 without retrying until its connect timeout.
  run =
      RunProgram(dir_, WorkerArgs(c->address, {"--token-file", client_token_}));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("refused this worker"));
  EXPECT_THAT(run.err, HasSubstr("wrong token for the worker role"));
  run = RunProgram(dir_, WorkerArgs(c->address, {}));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("missing token"));

  // A worker with the worker token from $GRIDLESS_TOKEN runs the job, and
  // the client token from $GRIDLESS_TOKEN watches it.
  setenv(kTokenEnv, "worker-secret-1", 1);
  auto worker = StartWorker(c->address, {});
  ASSERT_TRUE(worker.ok()) << worker.status();
  setenv(kTokenEnv, "client-secret-2", 1);
  run = RunCli(
      {"watch", "--coordinator", c->address, "--quiet", "--json", job_id});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"state\":\"succeeded\""));
  unsetenv(kTokenEnv);

  // Every refusal is in the coordinator's log with the peer's address.
  const std::string log = c->Log();
  EXPECT_THAT(log, HasSubstr("refused a call from ipv4:127.0.0.1:"));
  EXPECT_THAT(log, HasSubstr("wrong token for the worker role"));
  EXPECT_THAT(log, HasSubstr("this is the worker token"));
}

TEST_F(AuthClusterTest, OneTokenServesBothRoles) {
  auto c = StartCoordinator(dir_, {"--token-file", client_token_});
  ASSERT_TRUE(c.ok()) << c.status();
  auto worker = StartWorker(c->address, {"--token-file", client_token_});
  ASSERT_TRUE(worker.ok()) << worker.status();
  CliRun run = RunCli({"submit", "--coordinator", c->address, "--token-file",
                       client_token_, job_});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string job_id(absl::StripAsciiWhitespace(run.out));
  run = RunCli({"watch", "--coordinator", c->address, "--token-file",
                client_token_, "--quiet", job_id});
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

TEST_F(AuthClusterTest, NonLoopbackListenNeedsAuthentication) {
  CliRun run = RunProgram(
      dir_, {Binary("gridless-coordinator"), "--listen", "0.0.0.0:0"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr("not a loopback address"));
  EXPECT_THAT(run.err, HasSubstr("--token-file"));
  EXPECT_THAT(run.err, HasSubstr("--insecure-allow-remote"));
  // A token for workers only still leaves clients open.
  run = RunProgram(dir_, {Binary("gridless-coordinator"), "--listen",
                          "0.0.0.0:0", "--worker-token-file", worker_token_});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr("--client-token-file"));
  // TLS without client certificates encrypts but does not authenticate.
  run = RunProgram(
      dir_, {Binary("gridless-coordinator"), "--listen", "0.0.0.0:0",
             "--tls-cert", Tls("server.pem"), "--tls-key", Tls("server.key")});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr("does not authenticate"));

  auto with_token =
      StartCoordinator(dir_, {"--token-file", client_token_}, "0.0.0.0:0");
  EXPECT_TRUE(with_token.ok()) << with_token.status();
  auto with_mtls =
      StartCoordinator(dir_,
                       {"--tls-cert", Tls("server.pem"), "--tls-key",
                        Tls("server.key"), "--tls-client-ca", Tls("ca.pem")},
                       "0.0.0.0:0");
  EXPECT_TRUE(with_mtls.ok()) << with_mtls.status();
  auto insecure =
      StartCoordinator(dir_, {"--insecure-allow-remote"}, "0.0.0.0:0");
  EXPECT_TRUE(insecure.ok()) << insecure.status();
}

TEST_F(AuthClusterTest, TlsServesOnlyClientsThatTrustIt) {
  auto c = StartCoordinator(
      dir_, {"--tls-cert", Tls("server.pem"), "--tls-key", Tls("server.key"),
             "--token-file", client_token_});
  ASSERT_TRUE(c.ok()) << c.status();
  const std::vector<std::string> tls = {"--tls-ca", Tls("ca.pem"),
                                        "--token-file", client_token_};
  auto worker = StartWorker(c->address, tls);
  ASSERT_TRUE(worker.ok()) << worker.status();
  std::vector<std::string> submit = {"submit", "--coordinator", c->address,
                                     job_};
  submit.insert(submit.end(), tls.begin(), tls.end());
  CliRun run = RunCli(submit);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string job_id(absl::StripAsciiWhitespace(run.out));
  std::vector<std::string> watch = {"watch", "--coordinator", c->address,
                                    "--quiet", job_id};
  watch.insert(watch.end(), tls.begin(), tls.end());
  run = RunCli(watch);
  EXPECT_EQ(run.exit_code, 0) << run.err;

  // Without TLS, or trusting another CA: no connection.
  run = RunCli(
      {"list", "--coordinator", c->address, "--token-file", client_token_});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("cannot reach coordinator"));
  run = RunCli({"list", "--coordinator", c->address, "--token-file",
                client_token_, "--tls-ca", Tls("other-ca.pem")});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("--tls-ca"));
}

TEST_F(AuthClusterTest, MutualTlsRequiresAClientCertificate) {
  auto c = StartCoordinator(
      dir_, {"--tls-cert", Tls("server.pem"), "--tls-key", Tls("server.key"),
             "--tls-client-ca", Tls("ca.pem")});
  ASSERT_TRUE(c.ok()) << c.status();
  const std::vector<std::string> mtls = {"--tls-ca",   Tls("ca.pem"),
                                         "--tls-cert", Tls("client.pem"),
                                         "--tls-key",  Tls("client.key")};
  auto worker = StartWorker(c->address, mtls);
  ASSERT_TRUE(worker.ok()) << worker.status();
  std::vector<std::string> submit = {"submit", "--coordinator", c->address,
                                     job_};
  submit.insert(submit.end(), mtls.begin(), mtls.end());
  CliRun run = RunCli(submit);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string job_id(absl::StripAsciiWhitespace(run.out));
  std::vector<std::string> watch = {"watch", "--coordinator", c->address,
                                    "--quiet", job_id};
  watch.insert(watch.end(), mtls.begin(), mtls.end());
  run = RunCli(watch);
  EXPECT_EQ(run.exit_code, 0) << run.err;

  // No client certificate, or one from another CA: refused.
  run =
      RunCli({"list", "--coordinator", c->address, "--tls-ca", Tls("ca.pem")});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  run = RunCli({"list", "--coordinator", c->address, "--tls-ca", Tls("ca.pem"),
                "--tls-cert", Tls("other-client.pem"), "--tls-key",
                Tls("other-client.key")});
  EXPECT_EQ(run.exit_code, 1) << run.err;
}

TEST_F(AuthClusterTest, OversizedMessageIsRefusedWithoutHarmingARunningJob) {
  auto c = StartCoordinator(
      dir_, {"--token-file", client_token_, "--max-message-mb", "1"});
  ASSERT_TRUE(c.ok()) << c.status();
  ClientAuthOptions auth;
  auth.token = "client-secret-2";
  auto client = JobClient::Connect(c->address, auth);
  ASSERT_TRUE(client.ok()) << client.status();
  // A job that runs for a while: 200 tasks of 20 ms on 2 slots.
  auto running = (*client)->Submit(
      Spec(R"({"kind": "noop", "params": {"tasks": 200, "sleep_ms": 20}})"));
  ASSERT_TRUE(running.ok()) << running.status();
  auto worker = StartWorker(c->address, {"--token-file", client_token_});
  ASSERT_TRUE(worker.ok()) << worker.status();

  v1::JobSpec big = Spec(kSmallJob);
  big.set_name(std::string(2 << 20, 'x'));
  auto refused = (*client)->Submit(big);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted)
      << refused.status();

  auto final =
      (*client)->Watch(running->job_id(), 0.2, [](const v1::Progress&) {});
  ASSERT_TRUE(final.ok()) << final.status();
  EXPECT_EQ(final->state(), v1::JOB_STATE_SUCCEEDED) << final->error();
}

TEST_F(AuthClusterTest, WorkersBeyondMaxWorkersAreRefused) {
  auto c = StartCoordinator(dir_, {"--max-workers", "1"});
  ASSERT_TRUE(c.ok()) << c.status();
  ClientAuthOptions none;
  auto client = JobClient::Connect(c->address, none);
  ASSERT_TRUE(client.ok()) << client.status();
  // The first worker holds the only place (it is registered once it runs a
  // task of this job).
  auto job = (*client)->Submit(Spec(kSmallJob));
  ASSERT_TRUE(job.ok()) << job.status();
  auto first = Subprocess::Spawn(
      {Binary("gridless-worker"), "--coordinator", c->address, "--slots", "1"},
      SpawnOptions{});
  ASSERT_TRUE(first.ok()) << first.status();
  auto final = (*client)->Watch(job->job_id(), 0.2, [](const v1::Progress&) {});
  ASSERT_TRUE(final.ok()) << final.status();
  // The second is refused with RESOURCE_EXHAUSTED and keeps retrying.
  SpawnOptions options;
  options.stderr_path = dir_ + "/second.err";
  auto second = Subprocess::Spawn({Binary("gridless-worker"), "--coordinator",
                                   c->address, "--slots", "1", "--verbose"},
                                  options);
  ASSERT_TRUE(second.ok()) << second.status();
  std::string log;
  for (absl::Time give_up = absl::Now() + absl::Seconds(60);
       absl::Now() < give_up; absl::SleepFor(absl::Milliseconds(50))) {
    log = ReadFile(options.stderr_path);
    if (absl::StrContains(log, "already serves 1 workers")) break;
  }
  EXPECT_THAT(log, HasSubstr("RESOURCE_EXHAUSTED"));
  EXPECT_THAT(log, HasSubstr("already serves 1 workers (its --max-workers)"));
  EXPECT_FALSE((*second)->Poll()) << "a refused worker must keep retrying";
}

TEST_F(AuthClusterTest, RunAuthenticatesItsOwnWorkers) {
  // The user's own token must not leak into (or break) a local run.
  setenv(kTokenEnv, "some-other-token", 1);
  CliRun run = RunCli({"run", job_, "--workers", "2", "--quiet"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

}  // namespace
}  // namespace gridless
