// Lost intermediate data, recovered through the coordinator's scheduler with
// the real map-reduce kinds (issue 5): after the map stage, one shuffle run
// is deleted (or corrupted) in the store; the reduce task that needs it
// reports DATA_LOSS naming the map task, the scheduler reruns only that map
// task, and the job's output is byte-identical to an undisturbed run's.
//
// The "workers" here run the kinds' real runners in this process (the
// multi-process version of a killed map worker is in mapreduce_cli_test.sh
// and the chaos tests); the scheduler is the coordinator's.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/job_file.h"
#include "coordinator/scheduler.h"
#include "gtest/gtest.h"
#include "jobs/builtin_kinds.h"
#include "jobs/job.h"
#include "jobs/mapreduce/sort_records.h"

namespace gridless {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every part-* file of `dir`, by name.
std::map<std::string, std::string> Parts(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("part-", 0) == 0) out[name] = ReadFile(e.path());
  }
  return out;
}

class MapReduceRecoveryTest : public ::testing::Test {
 protected:
  MapReduceRecoveryTest() {
    root_ = fs::path(::testing::TempDir()) /
            absl::StrCat("mr-recovery-", ::testing::UnitTest::GetInstance()
                                             ->current_test_info()
                                             ->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "in");
    RegisterBuiltinKinds(registry_);
    // Words whose counts differ, over several files and splits.
    for (int f = 0; f < 4; ++f) {
      std::ofstream out(root_ / "in" / absl::StrCat("t", f, ".txt"));
      for (int line = 0; line < 400; ++line) {
        out << "alpha beta" << (line % 7) << " gamma" << ((line * f) % 13)
            << " delta\n";
      }
    }
  }
  ~MapReduceRecoveryTest() override { fs::remove_all(root_); }

  v1::JobSpec Spec(const std::string& kind, const std::string& out) {
    auto spec = ParseJobSpecJson(absl::StrCat(
        R"({"kind": ")", kind, R"(", "seed": 1, "params": {"input": ")",
        (root_ / "in" / "*.txt").string(), R"(", "output": ")",
        (root_ / out).string(), R"(", "reducers": 3, "split_bytes": 4096,
        "store": "file://)", (root_ / absl::StrCat("store-", out)).string(),
        R"("}})"),
        "test spec");
    EXPECT_TRUE(spec.ok()) << spec.status();
    return *spec;
  }

  // Runs the job to its end; calls `between_stages` once, when the first
  // stage-1 task is handed out.  Returns the final progress.
  template <typename Hook>
  v1::Progress Run(const v1::JobSpec& spec, Hook between_stages) {
    SchedulerOptions o;
    o.registry = &registry_;
    o.clock = &clock_;
    Scheduler sched(o);
    auto submitted = sched.Submit(spec);
    EXPECT_TRUE(submitted.ok()) << submitted.status();
    if (!submitted.ok()) return v1::Progress();
    sched.WorkerConnected(1, "in-process", 4);
    std::unique_ptr<TaskRunner> runner;
    bool hooked = false;
    for (int round = 0; round < 1000; ++round) {
      clock_.Advance(absl::Seconds(1));
      sched.Tick(clock_.Now());
      v1::TaskBatch batch;
      if (sched.TakeTasks(1, 1, &batch) == 0) {
        auto p = sched.GetProgress(submitted->job_id());
        if (p->state() != v1::JOB_STATE_RUNNING) return *p;
        continue;
      }
      if (batch.jobs_size() > 0) {
        const v1::JobSpec& s = batch.jobs(0).spec();
        auto kind = registry_.Find(s.kind());
        EXPECT_TRUE(kind.ok());
        JobContext ctx{batch.jobs(0).job_id(), s, Params(s.params())};
        auto prepared = (*kind)->Prepare(ctx);
        EXPECT_TRUE(prepared.ok()) << prepared.status();
        runner = *std::move(prepared);
      }
      const v1::Task& t = batch.tasks(0);
      if (t.stage() == 1 && !hooked) {
        hooked = true;
        between_stages();
      }
      TaskContext tc;
      tc.stage = t.stage();
      tc.index = t.task_index();
      tc.attempt = t.attempt();
      tc.payload = t.payload();
      CancelToken token;
      tc.cancel = &token;
      auto partial = runner->Run(tc);
      v1::ResultBatch results;
      v1::TaskResult* r = results.add_results();
      r->set_job_id(t.job_id());
      r->set_stage(t.stage());
      r->set_task_index(t.task_index());
      r->set_attempt(t.attempt());
      if (partial.ok()) {
        r->set_partial(*partial);
      } else {
        r->mutable_error()->set_code(static_cast<int>(partial.status().code()));
        r->mutable_error()->set_message(std::string(partial.status().message()));
        // As the worker does (worker/task_executor.cc): the typed list.
        if (auto lost = LostPreviousTasks(partial.status()); lost.has_value()) {
          r->mutable_error()->mutable_lost_previous_tasks()->Add(lost->begin(),
                                                                 lost->end());
        }
      }
      sched.OnResults(1, &results);
    }
    ADD_FAILURE() << "the job did not end";
    return v1::Progress();
  }

  // The shuffle runs in a store directory.
  std::vector<fs::path> Runs(const std::string& out) {
    std::vector<fs::path> runs;
    for (const auto& e :
         fs::recursive_directory_iterator(root_ / absl::StrCat("store-", out))) {
      if (e.is_regular_file() &&
          e.path().filename().string().rfind("run-", 0) == 0) {
        runs.push_back(e.path());
      }
    }
    std::sort(runs.begin(), runs.end());
    return runs;
  }

  fs::path root_;
  JobRegistry registry_;
  FakeClock clock_;
};

TEST_F(MapReduceRecoveryTest, DeletedRunRerunsOnlyItsMapTask) {
  for (const std::string kind : {"wordcount", "sort"}) {
    if (kind == "sort") {
      // gensort -a records in place of the text.
      for (int f = 0; f < 4; ++f) {
        std::ofstream out(root_ / "in" / absl::StrCat("t", f, ".txt"));
        char rec[mapreduce::kRecordSize];
        for (uint64_t i = 0; i < 300; ++i) {
          mapreduce::MakeRecord(42, f * 300 + i, rec);
          out.write(rec, sizeof rec);
        }
      }
    }
    const v1::Progress clean = Run(Spec(kind, kind + "-clean"), [] {});
    ASSERT_EQ(clean.state(), v1::JOB_STATE_SUCCEEDED) << clean.error();
    std::string victim;
    const v1::Progress recovered = Run(Spec(kind, kind + "-lost"), [&] {
      auto runs = Runs(kind + "-lost");
      ASSERT_GT(runs.size(), 2u);
      victim = runs[runs.size() / 2].string();
      fs::remove(victim);
    });
    ASSERT_EQ(recovered.state(), v1::JOB_STATE_SUCCEEDED)
        << kind << ": " << recovered.error();
    EXPECT_FALSE(victim.empty());
    EXPECT_EQ(recovered.tasks().rerun(), 1u) << kind;
    EXPECT_EQ(recovered.tasks().failed(), 0u) << kind;
    const auto expected = Parts(root_ / (kind + "-clean"));
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(Parts(root_ / (kind + "-lost")), expected) << kind;
  }
}

TEST_F(MapReduceRecoveryTest, CorruptRunIsDetectedAndRebuilt) {
  const v1::Progress clean = Run(Spec("wordcount", "clean"), [] {});
  ASSERT_EQ(clean.state(), v1::JOB_STATE_SUCCEEDED) << clean.error();
  const v1::Progress recovered = Run(Spec("wordcount", "corrupt"), [&] {
    auto runs = Runs("corrupt");
    ASSERT_FALSE(runs.empty());
    // Flip one byte in the middle of two runs: the checksums catch both.
    for (const fs::path& p : {runs.front(), runs.back()}) {
      std::string data = ReadFile(p);
      ASSERT_FALSE(data.empty());
      data[data.size() / 2] ^= 0x20;
      std::ofstream(p, std::ios::binary | std::ios::trunc) << data;
    }
  });
  ASSERT_EQ(recovered.state(), v1::JOB_STATE_SUCCEEDED) << recovered.error();
  EXPECT_GE(recovered.tasks().rerun(), 1u);
  EXPECT_EQ(Parts(root_ / "corrupt"), Parts(root_ / "clean"));
}

}  // namespace
}  // namespace gridless
