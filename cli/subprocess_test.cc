#include "cli/subprocess.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

// Alive and not a zombie.
bool Running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() &&
         line[paren + 2] != 'Z';
}

std::unique_ptr<Subprocess> Sh(const std::string& script,
                               SpawnOptions options = {}) {
  auto p = Subprocess::Spawn({"/bin/sh", "-c", script}, options);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *std::move(p) : nullptr;
}

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
  bool gone = false;
  for (int i = 0; i < 3000 && !gone; ++i) {
    gone = !Running(sleeper);
    if (!gone) absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(gone) << "pid " << sleeper << " survived";
}

TEST(SubprocessTest, RedirectsOutputAndEnvironment) {
  std::string path = ::testing::TempDir() + "/subprocess_test_out.txt";
  SpawnOptions options;
  options.stdout_path = path;
  options.env = {"GRIDLESS_TEST_VAR=hello"};
  auto p = Sh("echo $GRIDLESS_TEST_VAR", options);
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->Wait(absl::Seconds(10)));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "hello\n");
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

}  // namespace
}  // namespace gridless
