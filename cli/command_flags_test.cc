#include "cli/command_flags.h"

#include <cstdlib>

#include "cli/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

TEST(ParseCommandFlagsTest, PositionalCountsAreChecked) {
  FlagSet fs("gridless x", "x");
  testing::internal::CaptureStderr();
  auto exit = ParseCommandFlags(fs, {}, "x", "JOB.json", 1, 1);
  std::string err = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, kExitUsage);
  EXPECT_THAT(err, HasSubstr("missing JOB.json"));

  FlagSet fs2("gridless x", "x");
  testing::internal::CaptureStderr();
  exit = ParseCommandFlags(fs2, {"a", "b"}, "x", "JOB.json", 1, 1);
  err = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, kExitUsage);
  EXPECT_THAT(err, HasSubstr("unexpected argument \"b\""));

  FlagSet fs3("gridless x", "x");
  EXPECT_FALSE(ParseCommandFlags(fs3, {"a"}, "x", "JOB.json", 1, 1));
}

TEST(ParseCommandFlagsTest, BadFlagIsAUsageError) {
  FlagSet fs("gridless x", "x");
  int64_t n = 1;
  fs.Int("workers", &n, 0, 10, "workers");
  testing::internal::CaptureStderr();
  auto exit = ParseCommandFlags(fs, {"--workers", "lots"}, "x", "", 0, 0);
  std::string err = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, kExitUsage);
  EXPECT_THAT(err, HasSubstr("--workers"));
  EXPECT_THAT(err, HasSubstr("lots"));
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1);
}

TEST(ParseCommandFlagsTest, HelpPrintsUsageAndSucceeds) {
  FlagSet fs("gridless x", "does x");
  testing::internal::CaptureStdout();
  auto exit = ParseCommandFlags(fs, {"--help"}, "x", "ID", 1, 1);
  std::string out = testing::internal::GetCapturedStdout();
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, kExitOk);
  EXPECT_THAT(out, HasSubstr("usage: gridless x ID"));
}

TEST(DefaultCoordinatorAddressTest, EnvironmentWins) {
  ::setenv("GRIDLESS_COORDINATOR", "10.0.0.1:9000", 1);
  EXPECT_EQ(DefaultCoordinatorAddress(), "10.0.0.1:9000");
  ::unsetenv("GRIDLESS_COORDINATOR");
  EXPECT_EQ(DefaultCoordinatorAddress(), "127.0.0.1:7070");
}

}  // namespace
}  // namespace gridless
