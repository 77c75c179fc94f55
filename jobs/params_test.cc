#include "jobs/params.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

google::protobuf::Struct Parse(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok());
  return s;
}

TEST(ParamsTest, DefaultsWhenAbsent) {
  auto s = Parse("{}");
  Params p(s);
  EXPECT_EQ(*p.Int("paths", 7, 1, 10), 7);
  EXPECT_EQ(*p.Double("rate", 0.05, 0, 1), 0.05);
  EXPECT_EQ(*p.String("option", "call", {"call", "put"}), "call");
  EXPECT_TRUE(p.IntList("fail", 0, 9)->empty());
}

TEST(ParamsTest, OutOfRangeNamesTheParameter) {
  auto s = Parse(R"({"paths": 0, "rate": 3, "tasks": 2.5, "option": "swap"})");
  Params p(s);
  auto paths = p.Int("paths", 1, 1, 100);
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(paths.status().message(), HasSubstr("\"paths\""));
  EXPECT_THAT(paths.status().message(), HasSubstr("[1, 100]"));
  EXPECT_THAT(p.Double("rate", 0, 0, 1).status().message(), HasSubstr("got 3"));
  EXPECT_THAT(p.Int("tasks", 1, 1, 10).status().message(),
              HasSubstr("got 2.5"));
  EXPECT_THAT(p.String("option", "call", {"call", "put"}).status().message(),
              HasSubstr("one of \"call\", \"put\""));
}

TEST(ParamsTest, WrongTypeIsRefused) {
  auto s = Parse(R"({"paths": "many", "flag": 1, "fail": [1, "x"]})");
  Params p(s);
  EXPECT_FALSE(p.Int("paths", 1, 1, 100).ok());
  EXPECT_FALSE(p.Bool("flag", false).ok());
  auto fail = p.IntList("fail", 0, 9);
  ASSERT_FALSE(fail.ok());
  EXPECT_THAT(fail.status().message(), HasSubstr("\"x\""));
}

TEST(ParamsTest, UnknownParameterIsRefused) {
  auto s = Parse(R"({"pahts": 10})");
  Params p(s);
  auto status = p.CheckKnown({"paths", "tasks"});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("unknown parameter \"pahts\""));
  EXPECT_THAT(status.message(), HasSubstr("paths, tasks"));
}

}  // namespace
}  // namespace gridless
