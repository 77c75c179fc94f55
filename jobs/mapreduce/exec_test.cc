#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/builtin_kinds.h"
#include "jobs/local_run.h"
#include "jobs/mapreduce/byte_codec.h"
#include "jobs/mapreduce/exec_policy.h"
#include "jobs/mapreduce/test_util.h"

namespace gridless::mapreduce {
namespace {

using ::testing::HasSubstr;
using testing::ReadFile;
using testing::ReadParts;
using testing::Spec;
using testing::TempDir;
using testing::WriteFile;

std::string Job(const TempDir& dir, const std::string& params) {
  return absl::StrCat(R"({"kind": "exec", "params": {"output": ")", dir / "out",
                      R"(", )", params, "}}");
}

TEST(ExecTest, RunsTheCommandPerShardAndCollectsStdout) {
  TempDir dir;
  auto result = RunJobLocally(
      *NewExecKind(),
      Spec(Job(
          dir,
          R"("command": ["sh", "-c", "echo shard $1 of $2 env $GRIDLESS_SHARD; echo noise >&2", "sh", "{shard}", "{shards}"],
                 "shards": 4,
                 "reduce_command": ["sh", "-c", "cat \"$@\" | wc -l", "sh", "{parts}"])")),
      {.shuffle_seed = 3});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(ReadParts(dir / "out"),
            "shard 0 of 4 env 0\nshard 1 of 4 env 1\nshard 2 of 4 env 2\n"
            "shard 3 of 4 env 3\n");
  EXPECT_EQ(ReadFile(dir / "out/reduced"), "4\n");
  auto& f = result->fields();
  EXPECT_EQ(f.at("shards").number_value(), 4);
  EXPECT_EQ(f.at("files").list_value().values_size(), 4);
  EXPECT_EQ(f.at("reduced").string_value(), dir / "out/reduced");
}

TEST(ExecTest, OneShardPerInputFile) {
  TempDir dir;
  WriteFile(dir / "a.in", "apple\n");
  WriteFile(dir / "b.in", "banana\n");
  auto result = RunJobLocally(
      *NewExecKind(),
      Spec(Job(dir,
               absl::StrCat(R"("command": ["tr", "a-z", "A-Z"], "input": ")",
                            dir / "*.in", R"(")"))));
  // tr reads stdin (/dev/null): use {input} instead.
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(ReadParts(dir / "out"), "");
  result = RunJobLocally(
      *NewExecKind(),
      Spec(Job(
          dir,
          absl::StrCat(
              R"("command": ["sh", "-c", "tr a-z A-Z < \"$0\"", "{input}"], "input": ")",
              dir / "*.in", R"(")"))));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(ReadParts(dir / "out"), "APPLE\nBANANA\n");
  auto mismatch = RunJobLocally(
      *NewExecKind(),
      Spec(Job(dir,
               absl::StrCat(R"("command": ["cat"], "shards": 3, "input": ")",
                            dir / "*.in", R"(")"))));
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ExecTest, FailingCommandIsPermanentAndNamesShardAndStderr) {
  TempDir dir;
  auto r = RunJobLocally(
      *NewExecKind(),
      Spec(Job(
          dir,
          R"("command": ["sh", "-c", "if [ $0 = 2 ]; then echo boom >&2; exit 3; fi; echo ok", "{shard}"], "shards": 4)")));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("shard 2"));
  EXPECT_THAT(r.status().message(), HasSubstr("exited with status 3"));
  EXPECT_THAT(r.status().message(), HasSubstr("stderr: boom"));
  // The failed shard left no part file (and no temporary file).
  EXPECT_FALSE(std::filesystem::exists(dir / "out/part-00002"));
  for (auto& e : std::filesystem::directory_iterator(dir / "out")) {
    EXPECT_EQ(e.path().filename().string().rfind("part-", 0), 0u) << e.path();
  }
}

TEST(ExecTest, RetryableExitCodesAndSignalsAreRetryable) {
  TempDir dir;
  auto tempfail = RunJobLocally(
      *NewExecKind(), Spec(Job(dir, R"("command": ["sh", "-c", "exit 75"])")));
  EXPECT_EQ(tempfail.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(tempfail.status().message(), HasSubstr("(retryable)"));
  auto custom = RunJobLocally(
      *NewExecKind(),
      Spec(Job(
          dir,
          R"("command": ["sh", "-c", "exit 1"], "retryable_exit_codes": [1, 2])")));
  EXPECT_EQ(custom.status().code(), absl::StatusCode::kUnavailable);
  auto killed =
      RunJobLocally(*NewExecKind(),
                    Spec(Job(dir, R"("command": ["sh", "-c", "kill -9 $$"])")));
  EXPECT_EQ(killed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(killed.status().message(), HasSubstr("signal 9"));
}

TEST(ExecTest, HangingCommandIsKilledAtTheTimeout) {
  TempDir dir;
  auto r = RunJobLocally(
      *NewExecKind(),
      Spec(Job(
          dir,
          R"("command": ["sh", "-c", "echo partial; sleep 60"], "timeout_s": 0.2)")));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(r.status().message(), HasSubstr("timeout_s=0.2"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out/part-00000"));
}

TEST(ExecTest, MissingCommandIsPermanentAndNamed) {
  TempDir dir;
  auto r = RunJobLocally(
      *NewExecKind(),
      Spec(Job(
          dir,
          R"("command": ["gridless-no-such-program", "{shard}"], "shards": 2)")));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("\"gridless-no-such-program\""));
  EXPECT_THAT(r.status().message(), HasSubstr("shard 0"));
  auto empty =
      RunJobLocally(*NewExecKind(), Spec(Job(dir, R"("command": [])")));
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ExecTest, AWorkerHoldingASecretFileRefusesExecTasks) {
  TempDir dir;
  EXPECT_EQ(ExecRefusalFor({}), "");
  const std::string refusal = ExecRefusalFor(
      {{"--token-file", "/etc/gridless/token"}, {"--tls-key", "/etc/k.pem"}});
  EXPECT_THAT(refusal, HasSubstr("--token-file /etc/gridless/token"));
  EXPECT_THAT(refusal, HasSubstr("--tls-key /etc/k.pem"));
  EXPECT_THAT(refusal, HasSubstr("GRIDLESS_TOKEN"));
  SetExecRefusal(refusal);
  auto r = RunJobLocally(
      *NewExecKind(),
      Spec(Job(dir, R"("command": ["sh", "-c", "echo ran"], "shards": 2)")));
  SetExecRefusal("");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), refusal);
  EXPECT_FALSE(std::filesystem::exists(dir / "out/part-00000"));
  // Without the refusal the same job runs.
  auto ok = RunJobLocally(
      *NewExecKind(),
      Spec(Job(dir, R"("command": ["sh", "-c", "echo ran"], "shards": 2)")));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ReadParts(dir / "out"), "ran\nran\n");
}

// Issue 11: an exec partial lists each shard's own part file, in shard
// order, for shards the job has.  Before the fix any list merged (and
// Finalize and the collect task stat()ed whatever paths it named).
std::string ExecPartialBytes(
    const std::vector<std::pair<uint64_t, std::string>>& shards,
    const std::string& reduced = "") {
  ByteWriter w;
  w.Byte('E');
  w.Varint(shards.size());
  for (const auto& [shard, path] : shards) {
    w.Varint(shard);
    w.Bytes(path);
    w.Varint(0);
  }
  w.Bytes(reduced);
  w.Varint(0);
  return w.Take();
}

TEST(ExecTest, Issue11ForgedPartialsAreRefused) {
  TempDir dir;
  const v1::JobSpec spec =
      Spec(Job(dir, R"("command": ["true"], "shards": 3)"));
  auto kind = NewExecKind();
  const std::string out = dir / "out";
  auto part = [&](int i) { return absl::StrCat(out, "/part-0000", i); };
  auto code = [&](const std::string& acc, const std::string& right) {
    return testing::MergeFor(*kind, spec, acc, right).code();
  };
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(code(ExecPartialBytes({{0, part(0)}}),
                 ExecPartialBytes({{1, part(1)}, {2, part(2)}})),
            absl::StatusCode::kOk);
  EXPECT_EQ(code("", ExecPartialBytes({{0, "/etc/passwd"}})), kInvalid);
  EXPECT_EQ(code("", ExecPartialBytes({{3, part(3)}})), kInvalid);  // 3 shards
  EXPECT_EQ(code("", ExecPartialBytes({{1, part(1)}, {1, part(1)}})), kInvalid);
  EXPECT_EQ(
      code(ExecPartialBytes({{1, part(1)}}), ExecPartialBytes({{0, part(0)}})),
      kInvalid);
  EXPECT_EQ(code("", ExecPartialBytes({}, "/etc/shadow")), kInvalid);
  EXPECT_EQ(code("", "E\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"), kInvalid);
  // Stage 1 is planned from a lone shard's partial without any merge.
  const JobContext job{"test-job", spec, Params(spec.params())};
  EXPECT_EQ(
      kind->Plan(PlanContext{job, 1, ExecPartialBytes({{0, "/etc/passwd"}})})
          .status()
          .code(),
      kInvalid);
}

}  // namespace
}  // namespace gridless::mapreduce
