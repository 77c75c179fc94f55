#include "cli/result_output.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::JobResult SampleResult() {
  v1::JobResult r;
  auto& p = *r.mutable_progress();
  p.set_job_id("j-1");
  p.set_kind("option-mc");
  p.set_state(v1::JOB_STATE_SUCCEEDED);
  p.set_wall_seconds(2.5);
  p.set_worker_seconds(4.75);
  p.mutable_tasks()->set_total(200);
  p.mutable_tasks()->set_succeeded(200);
  p.mutable_tasks()->set_retried(3);
  p.mutable_tasks()->set_running(7);  // not part of the --json schema
  auto& f = *r.mutable_result()->mutable_fields();
  f["price"].set_number_value(2.1333718619110416);
  f["stderr"].set_number_value(0.1);
  f["closed_form"].set_number_value(1.0 / 3.0);
  return r;
}

TEST(JsonNumberTest, RoundTripsEveryDouble) {
  for (double x :
       {0.1, 1.0 / 3.0, 2.1333718619110416, 1e-310, 1e300, -123456789.125,
        5e-324, std::numeric_limits<double>::max()}) {
    std::string text = JsonNumber(x);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), x) << text;
  }
  EXPECT_EQ(JsonNumber(0.1),
            "0.1");  // shortest form, not 0.1000000000000000055
  EXPECT_EQ(JsonNumber(200), "200");
  EXPECT_EQ(JsonNumber(2e7), "20000000");
  EXPECT_EQ(JsonNumber(-3), "-3");
  EXPECT_EQ(JsonNumber(1e300), "1e+300");
  EXPECT_EQ(JsonNumber(std::nan("")), "null");
  EXPECT_EQ(JsonNumber(INFINITY), "null");
}

TEST(JsonStringTest, Escapes) {
  EXPECT_EQ(JsonString("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
}

TEST(JobResultToJsonTest, HasTheDocumentedFieldsInOrder) {
  EXPECT_EQ(JobResultToJson(SampleResult()),
            "{\"job_id\":\"j-1\",\"kind\":\"option-mc\",\"state\":"
            "\"succeeded\",\"result\":{\"closed_form\":0.3333333333333333,"
            "\"price\":2.1333718619110416,\"stderr\":0.1},\"tasks\":{"
            "\"total\":200,\"succeeded\":200,\"retried\":3,\"failed\":0},"
            "\"worker_seconds\":4.75,\"wall_seconds\":2.5}");
}

TEST(JobResultToJsonTest, IsValidJsonThatReadsBackExactly) {
  v1::JobResult r = SampleResult();
  r.mutable_progress()->set_state(v1::JOB_STATE_FAILED);
  r.mutable_progress()->set_error("task 3 failed: \"boom\"\n");
  google::protobuf::Struct parsed;
  auto status =
      google::protobuf::util::JsonStringToMessage(JobResultToJson(r), &parsed);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(parsed.fields().at("state").string_value(), "failed");
  EXPECT_EQ(parsed.fields().at("error").string_value(),
            "task 3 failed: \"boom\"\n");
  EXPECT_EQ(parsed.fields()
                .at("result")
                .struct_value()
                .fields()
                .at("price")
                .number_value(),
            2.1333718619110416);
}

TEST(JobResultToTextTest, ReadableSummary) {
  std::string text = JobResultToText(SampleResult());
  EXPECT_THAT(text, HasSubstr("job j-1 (option-mc) succeeded in 2.5 s"));
  EXPECT_THAT(text, HasSubstr("200 total, 200 succeeded, 3 retried, 0 failed"));
  EXPECT_THAT(text, HasSubstr("price        2.133371862"));
}

TEST(JobResultToTextTest, ManifestIsSummarizedNotDumped) {
  v1::JobResult r = SampleResult();
  auto& m = *(*r.mutable_result()->mutable_fields())["manifest"]
                 .mutable_struct_value()
                 ->mutable_fields();
  (*m["tape"].mutable_struct_value()->mutable_fields())["sha256"]
      .set_string_value(std::string(64, 'a'));
  (*m["build"].mutable_struct_value()->mutable_fields())["id"]
      .set_string_value("0.1.0+abc");
  m["seed"].set_string_value("42");
  (*m["parameters"].mutable_struct_value()->mutable_fields())["psa"]
      .set_number_value(100);
  std::string text = JobResultToText(r);
  EXPECT_THAT(text, HasSubstr("tape sha256 aaaaaaaaaaaaaaaa..., build "
                              "0.1.0+abc, seed 42"));
  EXPECT_THAT(text, testing::Not(HasSubstr("psa")));
  // --json keeps all of it.
  EXPECT_THAT(JobResultToJson(r), HasSubstr("\"psa\":100"));
}

TEST(StateNameTest, Lowercase) {
  EXPECT_EQ(StateName(v1::JOB_STATE_SUCCEEDED), "succeeded");
  EXPECT_EQ(StateName(v1::JOB_STATE_FAILED), "failed");
  EXPECT_EQ(StateName(v1::JOB_STATE_CANCELLED), "cancelled");
  EXPECT_EQ(StateName(v1::JOB_STATE_RUNNING), "running");
}

TEST(StateNameTest, PartialIsFinalWithItsOwnExitCode) {
  EXPECT_EQ(StateName(v1::JOB_STATE_PARTIAL), "partial");
  EXPECT_TRUE(IsFinal(v1::JOB_STATE_PARTIAL));
  EXPECT_FALSE(IsFinal(v1::JOB_STATE_RUNNING));
  EXPECT_EQ(ExitCodeForState(v1::JOB_STATE_SUCCEEDED), 0);
  EXPECT_EQ(ExitCodeForState(v1::JOB_STATE_PARTIAL), 3);
  EXPECT_EQ(ExitCodeForState(v1::JOB_STATE_FAILED), 1);
  EXPECT_EQ(ExitCodeForState(v1::JOB_STATE_CANCELLED), 1);
}

v1::JobResult PartialResult() {
  v1::JobResult r = SampleResult();
  auto& p = *r.mutable_progress();
  p.set_state(v1::JOB_STATE_PARTIAL);
  p.set_partial(true);
  p.mutable_tasks()->set_succeeded(198);
  p.mutable_tasks()->set_failed(2);
  p.mutable_tasks()->set_timed_out(4);
  p.mutable_tasks()->set_speculative(1);
  return r;
}

TEST(JobResultToJsonTest, PartialFlagAndNonZeroCountersOnly) {
  std::string json = JobResultToJson(PartialResult());
  EXPECT_THAT(json, HasSubstr("\"state\":\"partial\",\"partial\":true,"));
  EXPECT_THAT(json, HasSubstr("\"failed\":2,\"timed_out\":4,"
                              "\"speculative\":1}"));
  EXPECT_THAT(json, Not(HasSubstr("rerun")));
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
  EXPECT_TRUE(parsed.fields().at("partial").bool_value());
  // A complete result carries no "partial" key and no zero counters.
  EXPECT_THAT(JobResultToJson(SampleResult()), Not(HasSubstr("partial")));
  EXPECT_THAT(JobResultToJson(SampleResult()), Not(HasSubstr("timed_out")));
  std::string list = ProgressToJson(PartialResult().progress());
  EXPECT_THAT(list, HasSubstr("\"partial\":true"));
  EXPECT_THAT(list, HasSubstr("\"running\":7,\"timed_out\":4"));
}

TEST(JobResultToTextTest, PartialSummaryShowsTheExtraCounters) {
  std::string text = JobResultToText(PartialResult());
  EXPECT_THAT(text, HasSubstr("job j-1 (option-mc) partial in 2.5 s"));
  EXPECT_THAT(text, HasSubstr("200 total, 198 succeeded, 3 retried, 2 failed, "
                              "4 timed out, 1 speculative; "));
  EXPECT_THAT(text, HasSubstr("partial result (over the merged tasks only)"));
  v1::JobResult rerun = SampleResult();
  rerun.mutable_progress()->mutable_tasks()->set_rerun(5);
  EXPECT_THAT(JobResultToText(rerun), HasSubstr("0 failed, 5 rerun; "));
  EXPECT_THAT(JobResultToText(SampleResult()), Not(HasSubstr("timed out")));
}

TEST(JobListToTextTest, ShowsPartialState) {
  EXPECT_THAT(JobListToText({PartialResult().progress()}),
              HasSubstr(" partial "));
}

TEST(FormatDurationTest, Units) {
  EXPECT_EQ(FormatDuration(1.25), "1.2 s");
  EXPECT_EQ(FormatDuration(125), "2 min 05 s");
  EXPECT_EQ(FormatDuration(3720), "1 h 02 min");
}

}  // namespace
}  // namespace gridless
