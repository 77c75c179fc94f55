#include "jobs/mapreduce/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/mapreduce/test_util.h"

namespace gridless::mapreduce {
namespace {

using testing::ReadFile;
using testing::TempDir;

bool IsDeadOrZombie(int pid) {
  std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (stat.empty()) return true;
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         stat[paren + 2] == 'Z';
}

TEST(SubprocessTest, ExitCodeAndBoundedStderrTail) {
  SubprocessOptions o;
  o.argv = {"sh", "-c",
            "head -c 100000 /dev/zero | tr '\\0' x >&2; echo END >&2; exit 4"};
  o.stderr_tail_bytes = 1000;
  auto r = RunSubprocess(o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->end, SubprocessResult::End::kExited);
  EXPECT_EQ(r->exit_code, 4);
  EXPECT_EQ(r->stderr_bytes, 100004u);
  EXPECT_EQ(r->stderr_tail.size(), 1000u);
  EXPECT_EQ(r->stderr_tail.substr(996), "END\n");
}

TEST(SubprocessTest, TimeoutKillsTheWholeProcessGroupWithAFakeClock) {
  TempDir dir;
  FakeClock clock;
  SubprocessOptions o;
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

TEST(SubprocessTest, CancellationStopsTheProcess) {
  std::atomic<int> polls{0};
  SubprocessOptions o;
  o.argv = {"sleep", "60"};
  o.poll_interval = absl::Milliseconds(5);
  o.cancelled = [&polls] { return ++polls > 3; };
  auto r = RunSubprocess(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->end, SubprocessResult::End::kCancelled);
}

TEST(SubprocessTest, StdoutGoesToTheGivenFileAndSigpipeIsDefault) {
  TempDir dir;
  // Even if this process ignores SIGPIPE, the child must not.
  ::signal(SIGPIPE, SIG_IGN);
  int fd = ::open((dir / "out").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  SubprocessOptions o;
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

TEST(SubprocessTest, ChildGetsNoGridlessVariableButItsOwn) {
  TempDir dir;
  ::setenv("GRIDLESS_TOKEN", "secret-token-of-the-worker", 1);
  ::setenv("GRIDLESS_COORDINATOR", "10.0.0.1:7070", 1);
  ::setenv("GRIDLESS_TEST_OTHER_VARIABLE", "x", 1);
  ::setenv("NOT_GRIDLESS_TEST", "kept", 1);
  int fd = ::open((dir / "env").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  SubprocessOptions o;
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
  EXPECT_THAT(env, ::testing::Not(::testing::HasSubstr("secret-token")));
  EXPECT_THAT(env, ::testing::Not(::testing::HasSubstr("GRIDLESS_TOKEN")));
  EXPECT_THAT(env,
              ::testing::Not(::testing::HasSubstr("GRIDLESS_COORDINATOR")));
  EXPECT_THAT(env, ::testing::Not(::testing::HasSubstr("\nGRIDLESS_TEST")));
  EXPECT_THAT(env, ::testing::HasSubstr("\nGRIDLESS_SHARD=3\n"));
  EXPECT_THAT(env, ::testing::HasSubstr("NOT_GRIDLESS_TEST=kept\n"));
  EXPECT_THAT(env, ::testing::HasSubstr("PATH="));
}

TEST(SubprocessTest, SpawnErrorsNameTheCommand) {
  TempDir dir;
  SubprocessOptions o;
  o.argv = {"gridless-no-such-command"};
  auto r = RunSubprocess(o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(),
              ::testing::HasSubstr("gridless-no-such-command"));
  testing::WriteFile(dir / "not-exec", "#!/bin/sh\n");
  o.argv = {dir / "not-exec"};
  r = RunSubprocess(o);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace gridless::mapreduce
