// Writes the seed corpora of the submit and worker fuzz targets:
//   make_corpus DIR   ->  DIR/submit/*.pb, DIR/worker/*.session
// Seeds are valid inputs that reach deep paths (every kind planned, jobs run
// to the end, retries, timeouts, drains, cancels); the fuzzer mutates them.
// Worker seeds are run while they are written, so raw ResultBatch messages
// carry real partials and task ids.  Rerun it after changing the input
// format or the fixtures (fuzz/sandbox.h), then commit the corpora.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "common/job_file.h"
#include "fuzz/sandbox.h"
#include "fuzz/scheduler_session.h"
#include "gridless/v1/job.pb.h"
#include "jobs/loan/partial.h"

namespace {

using gridless::fuzz::SchedulerSession;
using gridless::fuzz::SessionWriter;
namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) {
    std::fprintf(stderr, "make_corpus: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

// Paths are relative: SandboxSpec puts them under the fuzzer's sandbox.
const struct {
  const char* name;
  const char* json;
} kSubmitSeeds[] = {
    {"pi",
     R"({"kind": "pi", "seed": 1, "params": {"samples": 1000, "tasks": 10}})"},
    {"noop",
     R"({"kind": "noop", "params": {"tasks": 5, "fail": [1], "crash": [2]}})"},
    {"noop-empty",
     R"({"kind": "noop", "name": "job-1", "params": {"tasks": 0}})"},
    {"option-call",
     R"({"kind": "option-mc", "seed": 7, "max_attempts": 3, "params": {"option": "call", "spot": 60, "strike": 65, "rate": 0.08, "volatility": 0.3, "maturity": 0.25, "paths": 2000, "tasks": 20}})"},
    {"option-put",
     R"({"kind": "option-mc", "task_timeout_s": 2, "speculation_multiple": 3, "params": {"option": "put", "dividend": 0.01, "tasks": 4}})"},
    {"loan-csv",
     R"({"kind": "loan-mc", "seed": 4, "params": {"tape": "tapes/loans.csv", "paths": 16, "path_block": 4, "loan_block": 2, "prepay_model": "psa", "default_model": "cdr", "cdr": 0.01, "out": "out/loan"}})"},
    {"loan-sflp",
     R"({"kind": "loan-mc", "params": {"tape": "tapes/loans.sflp", "format": "fannie-sflp", "paths": 8, "skip_bad_rows": true}})"},
    {"loan-acq",
     R"({"kind": "loan-mc", "params": {"tape": "tapes/loans.acq", "format": "fannie-acq", "as_of": "2024-06", "paths": 8}})"},
    {"loan-freddie",
     R"({"kind": "loan-mc", "params": {"tape": "tapes/loans.freddie", "format": "auto", "as_of": "2024-06", "paths": 4, "per_loan": true, "out": "out/f"}})"},
    {"wordcount",
     R"({"kind": "wordcount", "params": {"input": "text/*.txt", "output": "out/wc", "reducers": 3, "split_bytes": 16, "top": 2}})"},
    {"wordcount-store",
     R"({"kind": "wordcount", "params": {"input": "text/a.txt", "output": "out/wc2", "store": "file:///store/wc", "keep_intermediate": true}})"},
    {"sort",
     R"({"kind": "sort", "params": {"input": "sort/records", "output": "out/sort", "reducers": 2, "samples": 5, "split_bytes": 300}})"},
    {"groupby-agg",
     R"({"kind": "groupby", "params": {"input": "visits/*.csv", "output": "out/gb", "query": "aggregation", "prefix_length": 3}})"},
    {"groupby-scan",
     R"({"kind": "groupby", "params": {"input": "rankings/rankings.csv", "output": "out/gs", "query": "scan", "min_page_rank": 10}})"},
    {"exec",
     R"({"kind": "exec", "params": {"command": ["echo", "{shard}", "{shards}"], "shards": 3, "output": "out/exec", "timeout_s": 1, "retryable_exit_codes": [75, 3]}})"},
    {"exec-input",
     R"({"kind": "exec", "params": {"command": ["cat", "{input}"], "input": "text/*.txt", "output": "out/exec2", "reduce_command": ["cat", "{parts}"]}})"},
    {"unknown-kind", R"({"kind": "quantum", "params": {}})"},
    {"bad-param", R"({"kind": "pi", "params": {"samples": -1, "nope": "x"}})"},
    {"attempts",
     R"({"kind": "pi", "max_attempts": 100000, "max_failed_tasks": 2, "params": {}})"},
};

// A worker seed written and run at the same time.
class Seed {
 public:
  Seed(uint8_t jobs, uint8_t options)
      : writer_(jobs, options), session_(jobs, options) {}
  Seed& Hello(int s, uint8_t slots) {
    writer_.Hello(s, slots);
    session_.Message(s, SchedulerSession::Hello(s, slots));
    return *this;
  }
  Seed& Credit(int s, uint32_t tasks) {
    gridless::v1::WorkerMessage m;
    m.mutable_credit()->set_tasks(tasks);
    return Raw(s, m);
  }
  Seed& Heartbeat(int s, uint8_t n = 255) {
    writer_.Heartbeat(s, n);
    session_.Message(s, session_.Heartbeat(s, n));
    return *this;
  }
  Seed& RawHeartbeat(int s, uint8_t n = 255) {
    return Raw(s, session_.Heartbeat(s, n));
  }
  Seed& Raw(int s, const gridless::v1::WorkerMessage& m) {
    writer_.Message(s, m);
    session_.Message(s, m);
    return *this;
  }
  // The results as a raw message, so the seed holds real partials.
  Seed& RawResults(int s, uint8_t n, uint8_t mode) {
    return Raw(s, session_.Results(s, n, mode));
  }
  Seed& Complete(int s, uint8_t n, uint8_t mode) {
    writer_.Complete(s, n, mode);
    session_.Message(s, session_.Results(s, n, mode));
    return *this;
  }
  // The real results of the first n outstanding tasks with `forge` applied
  // to them, as a raw message.
  Seed& RawForged(
      int s, uint8_t n,
      const std::function<void(gridless::v1::ResultBatch*)>& forge) {
    gridless::v1::WorkerMessage m = session_.Results(s, n, 0);
    forge(m.mutable_results());
    return Raw(s, m);
  }
  Seed& RawGoodbye(int s, uint8_t n) { return Raw(s, session_.Goodbye(s, n)); }
  Seed& Goodbye(int s, uint8_t n) {
    writer_.Goodbye(s, n);
    session_.Message(s, session_.Goodbye(s, n));
    return *this;
  }
  Seed& Tick(uint16_t ticks) {
    writer_.Tick(0, ticks);
    session_.Advance(ticks);
    return *this;
  }
  Seed& End(int s) {
    writer_.End(s);
    session_.EndStream(s);
    return *this;
  }
  Seed& Client(uint8_t call, uint8_t job) {
    writer_.Client(call, job);
    session_.Client(call, job);
    return *this;
  }
  std::string bytes() {
    session_.Finish();
    return writer_.bytes();
  }

 private:
  SessionWriter writer_;
  SchedulerSession session_;
};

constexpr uint8_t kPi = 1, kNoop = 2, kOption = 4, kWordcount = 8,
                  kGroupby = 16, kLoan = 32, kSort = 64, kExec = 128;

// Issue 11: a loan-mc partial whose path range is ceil(2^64 / 9) paths, so
// that (end - begin) x 9 fields wraps to 2 doubles.  Before the fix it
// decoded, and merging it with its honest sibling wrote 36 doubles into a
// vector of 2 (ASan: heap-buffer-overflow in AddRange).
std::string WrappingLoanPartial() {
  gridless::loan::LoanPartial p;
  p.header.path_begin = 0;
  p.header.path_end = (~uint64_t{0} - 6) / 9 + 1;  // x 9 = 2^64 + 2
  p.paths.assign(2, 1.0);
  return p.Encode();
}
constexpr uint8_t kThreeAttempts = 2, kTimeout = 4, kSpeculate = 8;
// Error modes of Complete: mode 1 + 4 * code.
constexpr uint8_t Error(int code) { return static_cast<uint8_t>(1 + 4 * code); }

void WriteWorkerSeeds(const fs::path& dir) {
  auto put = [&](const char* name, Seed& seed) {
    Write(dir / (std::string(name) + ".session"), seed.bytes());
  };
  {
    Seed s(kPi, kThreeAttempts);
    s.Hello(0, 4).Credit(0, 8).RawResults(0, 8, 0).Client(1, 0);
    put("pi-raw", s);
  }
  {
    Seed s(kPi | kNoop, kThreeAttempts);
    s.Hello(0, 2).Hello(1, 2).Credit(0, 4).Credit(1, 4).Complete(0, 4, 0);
    s.Tick(1100).Complete(1, 4, 0).Credit(0, 16).Complete(0, 16, 0);
    s.Tick(2000).Credit(0, 16).Complete(0, 16, 0).Tick(2000).Credit(0, 16);
    s.Complete(0, 16, 0).Client(3, 1).Client(4, 1).Credit(0, 4).Complete(0, 4,
                                                                         0);
    put("lease-expiry-retry", s);
  }
  {
    Seed s(kWordcount, kThreeAttempts);
    s.Hello(0, 8).Credit(0, 64).RawResults(0, 64, 0).RawResults(0, 64, 0);
    s.Client(1, 0);
    put("wordcount-raw", s);
  }
  {
    Seed s(kGroupby, 0);
    s.Hello(0, 8).Credit(0, 64).RawResults(0, 64, 0).RawResults(0, 64, 0);
    put("groupby-raw", s);
  }
  {
    Seed s(kOption, kThreeAttempts);
    s.Hello(0, 3).Credit(0, 3).Complete(0, 3, Error(14)).Tick(100);
    s.Credit(0, 3).Complete(0, 3, Error(10)).Tick(1000).Credit(0, 3);
    s.RawResults(0, 3, 0);
    put("option-transient-errors", s);
  }
  {
    Seed s(kOption | kPi, 0);
    s.Hello(0, 3).Credit(0, 2).Complete(0, 1, Error(3)).Complete(0, 1, 0);
    s.Client(3, 0).Client(4, 0).Credit(0, 20).Complete(0, 20, 0);
    put("permanent-error-retry", s);
  }
  {
    Seed s(kPi | kNoop, kThreeAttempts);
    s.Hello(0, 4).Credit(0, 5).RawGoodbye(0, 5).End(0).Hello(1, 1);
    s.Credit(1, 20).Goodbye(1, 2).Hello(2, 4).Credit(2, 30).Complete(2, 30, 0);
    put("goodbye-returns", s);
  }
  {
    Seed s(kPi | kNoop | kOption | kWordcount | kGroupby, 1);
    s.Hello(0, 16).Credit(0, 200).Complete(0, 3, 2).Complete(0, 3, 3);
    s.Complete(0, 200, 0).Credit(0, 100).Complete(0, 100, 3);
    put("garbage-partials", s);
  }
  {
    Seed s(kLoan | kSort | kExec, kThreeAttempts);
    s.Hello(0, 16).Credit(0, 64).RawResults(0, 64, 0).RawResults(0, 64, 0);
    s.RawResults(0, 64, 0).Client(1, 0).Client(1, 1).Client(1, 2);
    put("loan-sort-exec-raw", s);
  }
  {
    // The crafted overflow: task 0's partial wraps, task 1's is honest.
    Seed s(kLoan, 0);
    s.Hello(0, 8).Credit(0, 2).RawForged(0, 2, [](auto* batch) {
      if (batch->results_size() > 0) {
        batch->mutable_results(0)->set_partial(WrappingLoanPartial());
      }
    });
    s.Client(1, 0).Credit(0, 8).Complete(0, 8, 0);
    put("loan-wrapping-path-range", s);
  }
  {
    // Far ranges and forged runs and shards, as raw partials.
    Seed s(kLoan | kSort | kExec, 0);
    s.Hello(0, 16).Credit(0, 64).RawForged(0, 64, [](auto* batch) {
      for (auto& r : *batch->mutable_results()) {
        if (r.partial().empty()) continue;
        std::string p = r.partial();
        if (p[0] == 'M' || p[0] == 'E') {
          p.insert(p.size() / 2, "../../x");  // a run or path elsewhere
        } else if (p.size() >= 3 * sizeof(uint64_t)) {
          const uint64_t far = uint64_t{1} << 40;  // path range far away
          std::memcpy(p.data() + sizeof(uint64_t), &far, sizeof(far));
          const uint64_t end = far + 1;
          std::memcpy(p.data() + 2 * sizeof(uint64_t), &end, sizeof(end));
        }
        r.set_partial(p);
      }
    });
    put("forged-ranges-runs-shards", s);
  }
  {
    Seed s(kPi, 0);
    gridless::v1::WorkerMessage empty;
    s.Credit(0, 1).Hello(0, 0).Hello(0, 1).Raw(1, empty).Hello(1, 1);
    s.Heartbeat(1).Raw(1, empty).Credit(1, 1).Heartbeat(1).End(1).End(2);
    put("protocol-errors", s);
  }
  {
    Seed s(kPi | kOption, kThreeAttempts);
    s.Hello(0, 2).Credit(0, 4).Client(2, 0).Complete(0, 4, 0).Client(1, 0);
    s.Client(2, 5).Client(0, 6).Client(5, 0).Client(6, 0).Client(7, 0);
    put("cancel-then-late-results", s);
  }
  {
    Seed s(kPi | kNoop, kThreeAttempts | kTimeout | kSpeculate);
    s.Hello(0, 4).Hello(1, 4).Credit(0, 4).Credit(1, 8).Complete(1, 3, 0);
    s.Heartbeat(0).RawHeartbeat(1).Tick(150).Credit(1, 8).Tick(400);
    s.Heartbeat(0).Heartbeat(1).Tick(200);
    s.Complete(0, 4, 0).Complete(1, 16, 0).Tick(300).Credit(1, 8);
    s.Complete(1, 16, 0);
    put("timeouts-speculation", s);
  }
  {
    Seed s(kNoop, 3 | 16);  // 4 attempts, a failure budget of 1
    s.Hello(0, 6).Credit(0, 6).Complete(0, 6, 0);
    for (int i = 0; i < 4; ++i) s.Tick(600).Credit(0, 1).Complete(0, 1, 0);
    s.Client(3, 0).Client(1, 0).Client(4, 0).Credit(0, 1).Complete(0, 1, 0);
    put("dead-letter-budget", s);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus DIR (e.g. fuzz/corpus)\n");
    return 2;
  }
  const fs::path dir(argv[1]);
  for (const auto& seed : kSubmitSeeds) {
    auto spec = gridless::ParseJobSpecJson(seed.json, seed.name);
    if (!spec.ok()) {
      std::fprintf(stderr, "make_corpus: seed %s: %s\n", seed.name,
                   spec.status().ToString().c_str());
      return 1;
    }
    gridless::v1::SubmitRequest request;
    *request.mutable_spec() = *spec;
    Write(dir / "submit" / (std::string(seed.name) + ".pb"),
          request.SerializeAsString());
  }
  WriteWorkerSeeds(dir / "worker");
  std::printf("make_corpus: wrote %s/submit and %s/worker\n", dir.c_str(),
              dir.c_str());
  return 0;
}
