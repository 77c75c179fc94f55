#include "cli/cli.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

TEST(CliTest, CommandNamesAreUniqueAndDocumented) {
  std::set<std::string_view> names;
  for (const Command& c : Commands()) {
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
    EXPECT_FALSE(c.help.empty()) << c.name;
    EXPECT_NE(c.run, nullptr) << c.name;
  }
  for (std::string_view name :
       {"run", "submit", "watch", "result", "cancel", "list", "kinds",
        "gen-loans", "loan-cashflows"}) {
    EXPECT_NE(FindCommand(name), nullptr) << name;
  }
  EXPECT_EQ(FindCommand("nope"), nullptr);
}

TEST(CliTest, ExitCodesFollowTheStatus) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), kExitOk);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("x")), kExitFailed);
  EXPECT_EQ(ExitCodeFor(absl::InternalError("x")), kExitFailed);
}

TEST(CliTest, ErrorsAreOneLine) {
  testing::internal::CaptureStderr();
  int code = ReportError(absl::InvalidArgumentError("a\nb"));
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, kExitUsage);
  EXPECT_EQ(err, "gridless: a b\n");
}

TEST(CliTest, UnknownCommandIsAUsageError) {
  char arg0[] = "gridless";
  char arg1[] = "frobnicate";
  char* argv[] = {arg0, arg1, nullptr};
  testing::internal::CaptureStderr();
  int code = CliMain(2, argv);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, kExitUsage);
  EXPECT_THAT(err, HasSubstr("unknown command \"frobnicate\""));
  EXPECT_THAT(err, HasSubstr("run"));
}

TEST(CliTest, HelpOfACommandPrintsItsFlags) {
  char arg0[] = "gridless";
  char arg1[] = "help";
  char arg2[] = "run";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  testing::internal::CaptureStdout();
  int code = CliMain(3, argv);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, kExitOk);
  EXPECT_THAT(out, HasSubstr("--workers"));
  EXPECT_THAT(out, HasSubstr("JOB.json"));
}

}  // namespace
}  // namespace gridless
