// Map-reduce under fire through real processes (issue 5): a wordcount or
// sort job on a real gridless-coordinator and gridless-worker processes,
// whose workers are all SIGKILLed twice:
//   1. mid-map: a third of the map tasks have written their shuffle runs,
//      others are writing theirs (temporary files left half written);
//   2. mid-shuffle: the reduce stage has just begun reading the runs; at
//      that moment one map task's runs are also deleted from the store, so
//      the reduce tasks that still need them report DATA_LOSS and only that
//      map task runs again.
// The job must end SUCCEEDED with part files byte-identical to an
// undisturbed in-process run (`gridless run --workers 0`), an output
// directory holding exactly the part files (no temporary file of a killed
// writer) and no intermediate data left in the store.
//
// No timing assertion and no race with the machine's speed: the workers
// run behind a --task-gate (worker/task_gate.h) whose tickets let only so
// many tasks start, so each kill point is reached and the job provably
// cannot have gone past it; the waits are hang guards.
#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/spine_cluster.h"

namespace gridless::spine {
namespace {

namespace fs = std::filesystem;

// Every part-NNNNN file of `dir`, by name; other entries go to *others.
std::map<std::string, std::string> PartFiles(const std::string& dir,
                                             std::vector<std::string>* others) {
  std::map<std::string, std::string> parts;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("part-", 0) == 0) {
      parts[name] = ReadFile(e.path().string());
    } else if (others != nullptr) {
      others->push_back(name);
    }
  }
  return parts;
}

// Deletes the first directory named `name` under `root` (the store's
// map-IIIII directory of one map task: all its runs); returns its path, or
// "" when there is none.
std::string DeleteDirectoryNamed(const std::string& root,
                                 const std::string& name) {
  std::vector<fs::path> found;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_directory() && e.path().filename() == name) {
      found.push_back(e.path());
    }
  }
  if (found.empty()) return "";
  std::sort(found.begin(), found.end());
  fs::remove_all(found.front());
  return found.front().string();
}

// Files left anywhere under `root` (the store after the job).
std::vector<std::string> FilesUnder(const std::string& root) {
  std::vector<std::string> files;
  if (!fs::exists(root)) return files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_directory()) files.push_back(e.path().string());
  }
  return files;
}

struct MapReduceCase {
  std::string name;
  std::string kind;
  // `gridless` arguments writing the input to the path that follows them.
  std::vector<std::string> generate;
  int reducers;
  uint64_t split_bytes;
};

void PrintTo(const MapReduceCase& c, std::ostream* out) { *out << c.name; }

std::string JobJson(const MapReduceCase& c, const std::string& input,
                    const std::string& output, const std::string& store) {
  std::string store_param =
      store.empty() ? ""
                    : absl::StrCat(R"(, "store": "file://)", store, R"(")");
  return absl::StrCat(R"({"kind": ")", c.kind,
                      R"(", "seed": 4, "max_attempts": 20,
      "params": {"input": ")",
                      input, R"(", "output": ")", output, R"(", "reducers": )",
                      c.reducers, R"(, "split_bytes": )", c.split_bytes,
                      store_param, "}}");
}

class MapReduceChaosTest : public ::testing::TestWithParam<MapReduceCase> {};

TEST_P(MapReduceChaosTest, KilledWorkersAndLostRunsLeaveTheOutputIdentical) {
  const MapReduceCase& c = GetParam();
  const std::string dir = FreshDir(absl::StrCat("mr_chaos_", c.name));
  const std::string input = dir + "/input";
  std::vector<std::string> generate = c.generate;
  generate.push_back(input);
  CliRun gen = RunCli(generate, absl::Seconds(120));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;

  // The reference: the same job in one process, no coordinator.
  const std::string reference = WriteFile(
      dir, "reference.json", JobJson(c, input, dir + "/reference-out", ""));
  CliRun local = RunCli({"run", reference, "--workers", "0", "--quiet"},
                        absl::Seconds(300));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  const auto expected = PartFiles(dir + "/reference-out", nullptr);
  ASSERT_EQ(expected.size(), static_cast<size_t>(c.reducers));

  const std::string store = dir + "/store";
  const std::string output = dir + "/out";
  // Closed until the job's map count is known.
  TaskGateFile gate(dir, "0");
  auto cluster = StartCluster(2, 1, {}, gate.WorkerArgs());
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto submitted =
      cluster->client->Submit(Spec(JobJson(c, input, output, store)));
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  const std::string id = submitted->job_id();
  JobClient& client = *cluster->client;
  auto planned = WaitUntil(
      client, id, [](const v1::Progress& p) { return p.tasks().total() > 0; });
  ASSERT_TRUE(planned.ok()) << planned.status();
  const uint64_t maps = planned->tasks().total();
  ASSERT_GE(maps, 12u) << "too few map tasks for the kill points";

  // 1. Mid-map: a third of the maps done; a few more tickets (at most a
  // sixth of the maps) may be mid-write; the rest are leased and held.
  const uint64_t third = maps / 3;
  gate.Set(absl::StrCat(third + maps / 6));
  auto mid_map = WaitUntil(
      client, id,
      [third](const v1::Progress& p) {
        return p.stage() > 0 ||
               (p.tasks().succeeded() >= third && p.tasks().running() > 0);
      },
      absl::Seconds(120));
  ASSERT_TRUE(mid_map.ok()) << mid_map.status();
  ASSERT_EQ(mid_map->state(), v1::JOB_STATE_RUNNING) << mid_map->error();
  ASSERT_EQ(mid_map->stage(), 0u) << "the gate let the map stage end";
  ASSERT_LT(mid_map->tasks().succeeded(), maps);
  cluster->workers->KillAll();

  // 2. Mid-shuffle: the maps run freely, two reduce tasks may start and the
  // others are held; once reduce tasks are leased, kill every worker and
  // lose map 0's runs.
  gate.Set("1:2");
  ASSERT_TRUE(cluster->workers->Grow(2).ok());
  auto mid_reduce = WaitUntil(
      client, id,
      [](const v1::Progress& p) {
        return p.stage() >= 1 && p.tasks().running() > 0;
      },
      absl::Seconds(120));
  ASSERT_TRUE(mid_reduce.ok()) << mid_reduce.status();
  ASSERT_EQ(mid_reduce->state(), v1::JOB_STATE_RUNNING) << mid_reduce->error();
  cluster->workers->KillAll();
  const std::string lost = DeleteDirectoryNamed(store, "map-00000");
  ASSERT_FALSE(lost.empty()) << "no map-00000 directory under " << store;
  gate.Open();
  ASSERT_TRUE(cluster->workers->Grow(3).ok());

  auto r = WaitForResult(client, id, absl::Seconds(180));
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::Progress& p = r->progress();
  ASSERT_EQ(p.state(), v1::JOB_STATE_SUCCEEDED) << p.error();
  EXPECT_EQ(p.tasks().failed(), 0u);
  EXPECT_GT(p.tasks().retried(), 0u) << "the killed workers held leases";
  // Only map 0 ran again for its lost runs (once, however many reduce
  // tasks reported it).
  EXPECT_EQ(p.tasks().rerun(), 1u) << "deleted " << lost;

  std::vector<std::string> others;
  const auto got = PartFiles(output, &others);
  EXPECT_TRUE(others.empty())
      << "left in the output directory: " << others.front();
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& [name, bytes] : expected) {
    SCOPED_TRACE(name);
    ASSERT_EQ(got.count(name), 1u);
    EXPECT_TRUE(got.at(name) == bytes)
        << "differs from the undisturbed run (" << got.at(name).size()
        << " bytes vs " << bytes.size() << ")";
  }
  const auto leftovers = FilesUnder(store);
  EXPECT_TRUE(leftovers.empty()) << "left in the store: " << leftovers.front();

  if (c.kind == "sort") {
    CliRun valid = RunCli({"validate-sort", input, "--output", output});
    EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
  }
  RecordProperty("retried", static_cast<int>(p.tasks().retried()));
  RecordProperty("first_kill_at", absl::StrCat(mid_map->tasks().succeeded(),
                                               "/", mid_map->tasks().total()));
  RecordProperty("second_kill_at",
                 absl::StrCat(mid_reduce->tasks().succeeded(), "/",
                              mid_reduce->tasks().total()));
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, MapReduceChaosTest,
    ::testing::Values(MapReduceCase{"wordcount",
                                    "wordcount",
                                    {"gen-text", "--bytes", "48000000",
                                     "--seed", "2", "--out"},
                                    16,
                                    1000000},
                      MapReduceCase{"sort",
                                    "sort",
                                    {"gen-records", "--count", "400000",
                                     "--seed", "3", "--out"},
                                    16,
                                    1000000}),
    [](const ::testing::TestParamInfo<MapReduceCase>& info) {
      return info.param.name;
    });

}  // namespace
}  // namespace gridless::spine
