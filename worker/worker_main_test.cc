// The gridless-worker command line: flags and exit codes (WorkerMain, with
// the built-in kinds).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "worker/fake_coordinator.h"
#include "worker/worker.h"

namespace gridless {
namespace {

int Main(std::vector<std::string> args) {
  args.insert(args.begin(), "gridless-worker");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return WorkerMain(static_cast<int>(argv.size()), argv.data());
}

TEST(WorkerMainTest, BadFlagsExitTwo) {
  EXPECT_EQ(Main({"--slots", "many"}), 2);
  EXPECT_EQ(Main({"--no-such-flag"}), 2);
  EXPECT_EQ(Main({"--coordinator", "localhost"}), 2);
  EXPECT_EQ(Main({"--idle-exit=-1"}), 2);
  EXPECT_EQ(Main({"stray"}), 2);
  EXPECT_EQ(Main({"--http", "127.0.0.1"}), 2);  // no port
  EXPECT_EQ(Main({"--http", "127.0.0.1:99999"}), 2);
  EXPECT_EQ(Main({"--help"}), 0);
}

TEST(WorkerMainTest, UnreachableCoordinatorExitsOne) {
  EXPECT_EQ(
      Main({"--coordinator", absl::StrCat("127.0.0.1:", testing::ClosedPort()),
            "--connect-timeout", "0.2"}),
      1);
}

}  // namespace
}  // namespace gridless
