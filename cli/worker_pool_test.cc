#include "cli/worker_pool.h"

#include <sys/stat.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

// A stand-in for gridless-worker: a shell script that runs `body` and checks
// that it got --coordinator ADDR --slots S.
std::string FakeWorker(const std::string& name, const std::string& body) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << "#!/bin/sh\n"
                         "[ \"$1\" = --coordinator ] && [ \"$3\" = --slots ] "
                         "|| exit 99\n"
                      << body << "\n";
  ::chmod(path.c_str(), 0755);
  return path;
}

TEST(WorkerPoolTest, ReplacesDeadWorkersUntilTheBudgetIsSpent) {
  WorkerPoolOptions options;
  options.worker_binary = FakeWorker("pool_dies.sh", "exit 7");
  options.coordinator = "127.0.0.1:1";
  options.workers = 2;
  options.max_respawns = 3;
  auto pool = WorkerPool::Start(options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  std::vector<std::string> log;
  absl::Status status;
  for (int i = 0; i < 1000 && status.ok(); ++i) {
    status = (*pool)->Check([&](const std::string& l) { log.push_back(l); });
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("all worker processes died"));
  EXPECT_THAT(status.message(), HasSubstr("exited with code 7"));
  EXPECT_EQ((*pool)->deaths(), 5);  // 2 + 3 replacements
  EXPECT_EQ((*pool)->alive(), 0);
  EXPECT_FALSE(log.empty());
}

TEST(WorkerPoolTest, HealthyWorkersAreStoppedOnStop) {
  WorkerPoolOptions options;
  options.worker_binary = FakeWorker("pool_lives.sh", "exec sleep 30");
  options.coordinator = "127.0.0.1:1";
  options.workers = 3;
  auto pool = WorkerPool::Start(options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  EXPECT_TRUE((*pool)->Check([](const std::string&) {}).ok());
  EXPECT_EQ((*pool)->alive(), 3);
  (*pool)->Stop(absl::Seconds(5));
  EXPECT_EQ((*pool)->alive(), 0);
}

TEST(WorkerPoolTest, MissingBinaryIsNotFound) {
  WorkerPoolOptions options;
  options.worker_binary = "/nonexistent/gridless-worker";
  options.coordinator = "127.0.0.1:1";
  auto pool = WorkerPool::Start(options);
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace gridless
