#include "common/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
  ASSERT_TRUE(f.good()) << path;
}

// A fresh directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "/subprocess-test-XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

// Alive and not a zombie.
bool Running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() &&
         line[paren + 2] != 'Z';
}

// Waits (bounded: a hang guard, not a timing assertion) for `pid` to be
// gone or a zombie waiting for init.
bool GoneSoon(pid_t pid) {
  for (int i = 0; i < 3000; ++i) {
    if (!Running(pid)) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

std::unique_ptr<Subprocess> Sh(const std::string& script,
                               SpawnOptions options = {}) {
  auto p = Subprocess::Spawn({"/bin/sh", "-c", script}, options);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *std::move(p) : nullptr;
}

// ---- Subprocess::Spawn (the CLI's worker processes, multi-process tests).

TEST(SubprocessTest, ReadsLinesAndExitCode) {
  SpawnOptions options;
  options.pipe_stdout = true;
  auto p = Sh("echo first; echo second; exit 3", options);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p->ReadLine(absl::Seconds(10)), "first");
  EXPECT_EQ(*p->ReadLine(absl::Seconds(10)), "second");
  EXPECT_EQ(p->ReadLine(absl::Seconds(10)).status().code(),
            absl::StatusCode::kOutOfRange);
  ASSERT_TRUE(p->Wait(absl::Seconds(10)));
  EXPECT_EQ(p->exit_code(), 3);
  EXPECT_EQ(p->term_signal(), 0);
  EXPECT_EQ(p->DescribeExit(), "exited with code 3");
}

TEST(SubprocessTest, ReadLineTimesOut) {
  SpawnOptions options;
  options.pipe_stdout = true;
  auto p = Sh("exec sleep 30", options);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->ReadLine(absl::Milliseconds(20)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(SubprocessTest, StopEndsAProcessThatIgnoresSigterm) {
  SpawnOptions options;
  options.pipe_stdout = true;
  auto p =
      Sh("trap '' TERM; echo ready; while true; do sleep 0.05; done", options);
  ASSERT_NE(p, nullptr);
  // Once the trap is set.
  ASSERT_EQ(*p->ReadLine(absl::Seconds(30)), "ready");
  EXPECT_FALSE(p->Poll());
  p->Stop(absl::Milliseconds(200));
  EXPECT_TRUE(p->exited());
  EXPECT_EQ(p->exit_code(), 128 + SIGKILL);
  EXPECT_EQ(p->term_signal(), SIGKILL);
  EXPECT_THAT(p->DescribeExit(), HasSubstr("killed by signal 9"));
}

TEST(SubprocessTest, DestructorKillsAndReapsTheWholeGroup) {
  pid_t pid;
  SpawnOptions options;
  options.pipe_stdout = true;
  std::unique_ptr<Subprocess> p = Sh("sleep 30 & echo $!; wait", options);
  ASSERT_NE(p, nullptr);
  pid = p->pid();
  auto grandchild = p->ReadLine(absl::Seconds(30));
  ASSERT_TRUE(grandchild.ok()) << grandchild.status();
  pid_t sleeper = std::stoi(*grandchild);
  EXPECT_TRUE(Running(sleeper));
  p.reset();
  // Reaped: the pid is no longer ours to wait for.
  EXPECT_EQ(::kill(pid, 0), -1);
  // The grandchild got SIGKILL too (it may linger as a zombie until init
  // reaps it).
  EXPECT_TRUE(GoneSoon(sleeper)) << "pid " << sleeper << " survived";
}

TEST(SubprocessTest, RedirectsOutputAndEnvironment) {
  std::string path = ::testing::TempDir() + "/subprocess_test_out.txt";
  SpawnOptions options;
  options.stdout_path = path;
  options.env = {"GRIDLESS_TEST_VAR=hello"};
  auto p = Sh("echo $GRIDLESS_TEST_VAR", options);
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->Wait(absl::Seconds(10)));
  EXPECT_EQ(ReadFile(path), "hello\n");
}

TEST(SubprocessTest, ChildHasItsOwnProcessGroup) {
  auto p = Sh("exec sleep 30");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(::getpgid(p->pid()), p->pid());
}

TEST(SubprocessTest, MissingProgramIsNotFound) {
  auto p = Subprocess::Spawn({"/nonexistent/gridless-worker"}, {});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(p.status().message(), HasSubstr("/nonexistent/gridless-worker"));
}

TEST(FindSiblingBinaryTest, NamesThePathTried) {
  auto path = FindSiblingBinary("no-such-binary-here");
  ASSERT_FALSE(path.ok());
  EXPECT_THAT(path.status().message(), HasSubstr("no-such-binary-here"));
}

// What the union of the two old spawners added for both kinds of caller.

TEST(SubprocessTest, RunsInTheGivenWorkingDirectory) {
  TempDir dir;
  SpawnOptions options;
  options.working_dir = dir.path();
  options.pipe_stdout = true;
  auto p = Sh("pwd", options);
  ASSERT_NE(p, nullptr);
  auto line = p->ReadLine(absl::Seconds(30));
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(std::filesystem::canonical(*line),
            std::filesystem::canonical(dir.path()));

  options.working_dir = dir / "missing";
  auto missing = Subprocess::Spawn({"/bin/sh", "-c", "true"}, options);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr(dir / "missing"));
}

TEST(SubprocessTest, DropsAnEnvironmentPrefixAndOverridesVariables) {
  TempDir dir;
  ::setenv("GRIDLESS_TOKEN", "secret-token-of-the-parent", 1);
  ::setenv("SUBPROCESS_TEST_VAR", "inherited", 1);
  SpawnOptions options;
  options.drop_env_prefix = kScrubbedEnvPrefix;
  options.env = {"SUBPROCESS_TEST_VAR=overridden", "GRIDLESS_SHARD=1"};
  options.stdout_path = dir / "env";
  auto p = Subprocess::Spawn({"/usr/bin/env"}, options);
  ::unsetenv("GRIDLESS_TOKEN");
  ::unsetenv("SUBPROCESS_TEST_VAR");
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE((*p)->Wait(absl::Seconds(30)));
  const std::string env = ReadFile(dir / "env");
  EXPECT_THAT(env, Not(HasSubstr("secret-token")));
  EXPECT_THAT(env, HasSubstr("SUBPROCESS_TEST_VAR=overridden\n"));
  EXPECT_THAT(env, Not(HasSubstr("SUBPROCESS_TEST_VAR=inherited")));
  EXPECT_THAT(env, HasSubstr("GRIDLESS_SHARD=1\n"));
}

TEST(SubprocessTest, StdinFromAFileAndStderrThroughAPipe) {
  TempDir dir;
  WriteFile(dir / "in", "from the file\n");
  SpawnOptions options;
  options.stdin_path = dir / "in";
  options.pipe_stderr = true;
  auto p = Sh("cat >&2", options);
  ASSERT_NE(p, nullptr);
  ASSERT_GE(p->stderr_fd(), 0);
  std::string got;
  char buf[256];
  ssize_t n;
  while ((n = ::read(p->stderr_fd(), buf, sizeof(buf))) > 0) got.append(buf, n);
  EXPECT_EQ(got, "from the file\n");
  ASSERT_TRUE(p->Wait(absl::Seconds(30)));
  EXPECT_EQ(p->exit_code(), 0);
}

TEST(SubprocessTest, UnopenableRedirectionNamesTheFile) {
  SpawnOptions options;
  options.stdout_path = "/nonexistent-dir/out.txt";
  auto p = Subprocess::Spawn({"/bin/true"}, options);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("/nonexistent-dir/out.txt"));
  EXPECT_THAT(p.status().message(), HasSubstr("stdout"));
}

TEST(SubprocessTest, HasExitedDoesNotReap) {
  auto p = Sh("exit 5");
  ASSERT_NE(p, nullptr);
  // Bounded wait for the exit (a hang guard).
  for (int i = 0; i < 3000 && !p->HasExited(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(p->HasExited());
  EXPECT_FALSE(p->exited());  // still a zombie: its pid stays reserved
  EXPECT_EQ(::kill(p->pid(), 0), 0);
  ASSERT_TRUE(p->Poll());
  EXPECT_EQ(p->exit_code(), 5);
}

// ---- RunSubprocess (the exec kind's commands).

bool IsDeadOrZombie(int pid) {
  std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (stat.empty()) return true;
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         stat[paren + 2] == 'Z';
}

TEST(RunSubprocessTest, ExitCodeAndBoundedStderrTail) {
  RunSubprocessOptions o;
  o.argv = {"sh", "-c",
            "head -c 100000 /dev/zero | tr '\\0' x >&2; echo END >&2; exit 4"};
  o.stderr_tail_bytes = 1000;
  auto r = RunSubprocess(o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->end, SubprocessResult::End::kExited);
  EXPECT_EQ(r->exit_code, 4);
  EXPECT_EQ(r->Describe(), "exited with code 4");
  EXPECT_EQ(r->stderr_bytes, 100004u);
  EXPECT_EQ(r->stderr_tail.size(), 1000u);
  EXPECT_EQ(r->stderr_tail.substr(996), "END\n");
}

TEST(RunSubprocessTest, TimeoutKillsTheWholeProcessGroupWithAFakeClock) {
  TempDir dir;
  FakeClock clock;
  RunSubprocessOptions o;
  // A background grandchild records its pid, then both sleep.
  o.argv = {"sh", "-c", "sleep 60 & echo $! > \"$0\"; wait", dir / "pid"};
  o.timeout = absl::Seconds(30);
  o.clock = &clock;
  o.poll_interval = absl::Milliseconds(10);
  // Time passes only when the runner polls: 1 s per poll, no real waiting.
  o.cancelled = [&clock] {
    clock.Advance(absl::Seconds(1));
    return false;
  };
  auto r = RunSubprocess(o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->end, SubprocessResult::End::kTimedOut);
  EXPECT_EQ(r->Describe(), "timed out");
  EXPECT_GE(r->seconds, 30);
  int pid = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      absl::StripAsciiWhitespace(ReadFile(dir / "pid")), &pid));
  // The grandchild got the group's signals: it is gone, or a zombie waiting
  // for init to reap it.
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = IsDeadOrZombie(pid);
    if (!gone) ::usleep(10000);
  }
  EXPECT_TRUE(gone) << "grandchild " << pid << " outlived its process group";
}

TEST(RunSubprocessTest, CancellationStopsTheProcess) {
  std::atomic<int> polls{0};
  RunSubprocessOptions o;
  o.argv = {"sleep", "60"};
  o.poll_interval = absl::Milliseconds(5);
  o.cancelled = [&polls] { return ++polls > 3; };
  auto r = RunSubprocess(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->end, SubprocessResult::End::kCancelled);
}

TEST(RunSubprocessTest, StdoutGoesToTheGivenFileAndSigpipeIsDefault) {
  TempDir dir;
  // Even if this process ignores SIGPIPE, the child must not.
  ::signal(SIGPIPE, SIG_IGN);
  int fd = ::open((dir / "out").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  RunSubprocessOptions o;
  o.argv = {"sh", "-c", "yes | head -n 3"};
  o.stdout_fd = fd;
  auto r = RunSubprocess(o);
  ::close(fd);
  ::signal(SIGPIPE, SIG_DFL);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(ReadFile(dir / "out"), "y\ny\ny\n");
  // With SIGPIPE ignored, `yes` would report "Broken pipe" on stderr.
  EXPECT_EQ(r->stderr_tail, "");
}

TEST(RunSubprocessTest, ChildGetsNoGridlessVariableButItsOwn) {
  TempDir dir;
  ::setenv("GRIDLESS_TOKEN", "secret-token-of-the-worker", 1);
  ::setenv("GRIDLESS_COORDINATOR", "10.0.0.1:7070", 1);
  ::setenv("GRIDLESS_TEST_OTHER_VARIABLE", "x", 1);
  ::setenv("NOT_GRIDLESS_TEST", "kept", 1);
  int fd = ::open((dir / "env").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  RunSubprocessOptions o;
  o.argv = {"env"};
  o.extra_env = {"GRIDLESS_SHARD=3"};
  o.stdout_fd = fd;
  auto r = RunSubprocess(o);
  ::close(fd);
  ::unsetenv("GRIDLESS_TOKEN");
  ::unsetenv("GRIDLESS_COORDINATOR");
  ::unsetenv("GRIDLESS_TEST_OTHER_VARIABLE");
  ::unsetenv("NOT_GRIDLESS_TEST");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->exit_code, 0);
  const std::string env = ReadFile(dir / "env");
  EXPECT_THAT(env, Not(HasSubstr("secret-token")));
  EXPECT_THAT(env, Not(HasSubstr("GRIDLESS_TOKEN")));
  EXPECT_THAT(env, Not(HasSubstr("GRIDLESS_COORDINATOR")));
  EXPECT_THAT(env, Not(HasSubstr("\nGRIDLESS_TEST")));
  EXPECT_THAT(env, HasSubstr("\nGRIDLESS_SHARD=3\n"));
  EXPECT_THAT(env, HasSubstr("NOT_GRIDLESS_TEST=kept\n"));
  EXPECT_THAT(env, HasSubstr("PATH="));
}

TEST(RunSubprocessTest, SpawnErrorsNameTheCommand) {
  TempDir dir;
  RunSubprocessOptions o;
  o.argv = {"gridless-no-such-command"};
  auto r = RunSubprocess(o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("gridless-no-such-command"));
  WriteFile(dir / "not-exec", "#!/bin/sh\n");
  o.argv = {dir / "not-exec"};
  r = RunSubprocess(o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(r.status().message(), HasSubstr(dir / "not-exec"));
}

TEST(RunSubprocessTest, TheChildInheritsNoOtherDescriptor) {
  TempDir dir;
  // Without O_CLOEXEC: only close_other_fds keeps it from the child.
  int leak = ::open((dir / "leak").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(leak, 0);
  int out = ::open((dir / "out").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(out, 0);
  RunSubprocessOptions o;
  o.argv = {"sh", "-c", absl::StrCat("echo x >&", leak, " && echo leaked")};
  o.stdout_fd = out;
  auto r = RunSubprocess(o);
  ::close(leak);
  ::close(out);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->exit_code, 0);
  EXPECT_EQ(ReadFile(dir / "out"), "");
  EXPECT_EQ(ReadFile(dir / "leak"), "");
}

TEST(RunSubprocessTest, RunsInTheGivenWorkingDirectory) {
  TempDir dir;
  int out = ::open((dir / "out").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(out, 0);
  RunSubprocessOptions o;
  o.argv = {"sh", "-c", "echo here > marker"};
  o.working_dir = dir.path();
  o.stdout_fd = out;
  auto r = RunSubprocess(o);
  ::close(out);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(ReadFile(dir / "marker"), "here\n");
}

}  // namespace
}  // namespace gridless
