// Helpers for the map-reduce unit tests: a temporary directory removed at
// the end of the test, small file I/O, job specs from JSON, and running a
// job's stages by hand.  Test-only.
#ifndef GRIDLESS_JOBS_MAPREDUCE_TEST_UTIL_H_
#define GRIDLESS_JOBS_MAPREDUCE_TEST_UTIL_H_

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/job_file.h"
#include "gtest/gtest.h"
#include "jobs/job.h"
#include "jobs/mapreduce/byte_codec.h"
#include "jobs/tree_reducer.h"

namespace gridless::mapreduce::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base && *base ? base : "/tmp") + "/gridless-mr-test-XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
  ASSERT_TRUE(f.good()) << path;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The concatenation of DIR/part-* in name order.
inline std::string ReadParts(const std::string& dir) {
  std::vector<std::string> parts;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename();
    if (name.rfind("part-", 0) == 0) parts.push_back(e.path());
  }
  std::sort(parts.begin(), parts.end());
  std::string all;
  for (const auto& p : parts) all += ReadFile(p);
  return all;
}

// Output of a shell command (run with popen).
inline std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

inline v1::JobSpec Spec(const std::string& json) {
  auto spec = ParseJobSpecJson(json, "test");
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : v1::JobSpec();
}

// Runs a job's stages by hand so a test can interfere between them.
class StageRunner {
 public:
  StageRunner(const JobKind& kind, const v1::JobSpec& spec)
      : kind_(kind),
        spec_(spec),
        job_{"test-job", spec_, Params(spec_.params())} {
    auto r = kind_.Prepare(job_);
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) runner_ = *std::move(r);
  }
  absl::StatusOr<std::vector<std::string>> Plan(uint32_t stage) {
    return kind_.Plan(PlanContext{job_, stage, previous_});
  }
  absl::StatusOr<std::string> Run(uint32_t stage, uint64_t index,
                                  const std::string& payload) {
    TaskContext t{stage, index, 1, payload, &never_};
    return runner_->Run(t);
  }
  // Merges partials (in index order) into the accumulator the next stage is
  // planned from.
  absl::Status Merge(const std::vector<std::string>& partials) {
    TreeReducer reducer(partials.size(),
                        [&](std::string& a, std::string_view b) {
                          return kind_.Merge(a, b, job_);
                        });
    for (size_t i = 0; i < partials.size(); ++i) {
      if (auto s = reducer.Add(i, partials[i]); !s.ok()) return s;
    }
    auto acc = reducer.Result();
    if (!acc.ok()) return acc.status();
    previous_ = *acc;
    return absl::OkStatus();
  }
  absl::StatusOr<google::protobuf::Struct> Finalize() {
    return kind_.Finalize(job_, previous_);
  }

 private:
  const JobKind& kind_;
  v1::JobSpec spec_;
  JobContext job_;
  std::unique_ptr<TaskRunner> runner_;
  std::string previous_;
  CancelToken never_;
};

// Issue 11 (partials are hostile): a stage-0 partial of the shuffle kinds
// listing one run, written byte by byte so that values the RunRef struct
// cannot hold (a reducer of 2^32) can be sent.
inline std::string MapPartialBytes(uint64_t map_task, uint64_t reducer,
                                   const std::string& name) {
  ByteWriter w;
  w.Byte('M');
  w.Varint(0);  // input records
  w.Varint(0);  // input bytes
  w.Varint(1);  // runs
  w.Varint(map_task);
  w.Varint(reducer);
  w.Bytes(name);
  w.Varint(0);   // size
  w.Fixed32(0);  // crc32c
  return w.Take();
}

// kind.Merge(acc, right) for a job of `spec`.
inline absl::Status MergeFor(const JobKind& kind, const v1::JobSpec& spec,
                             std::string acc, const std::string& right) {
  const JobContext job{"test-job", spec, Params(spec.params())};
  return kind.Merge(acc, right, job);
}

}  // namespace gridless::mapreduce::testing

#endif  // GRIDLESS_JOBS_MAPREDUCE_TEST_UTIL_H_
