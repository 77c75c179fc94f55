// A scripted session against the coordinator's Scheduler, driven the way
// coordinator/worker_stream.cc (one WorkerStream per worker) and
// coordinator/worker_hub.cc (waking streams, Cancel on ended jobs) drive it,
// without gRPC.  Used by worker_fuzzer.cc (steps decoded from fuzz input)
// and by make_corpus.cc (steps written as seed inputs).
//
// Input format (all integers little-endian):
//   byte 0  which jobs to submit: bit 0 pi, 1 noop (task 2 always fails),
//           2 option-mc, 3 wordcount (map-reduce, 2 stages), 4 groupby,
//           5 loan-mc (per-loan output, 3 x 2 loan x path blocks), 6 sort
//           (2 stages), 7 exec (3 shards of `echo`, then a collect task);
//           none set = pi.  So every kind's Merge, the next stage's Plan
//           and Finalize see arbitrary partials.
//   byte 1  job options: bits 0-1 max_attempts - 1, bit 2 task_timeout_s 5,
//           bit 3 speculation_multiple 2, bit 4 max_failed_tasks 1
//   then steps, each an op byte: stream = op % kStreams, action = op /
//   kStreams % 8, followed by the action's bytes:
//     0 message   u16 length, that many bytes of a serialized WorkerMessage
//     1 tick      u16: advance the FakeClock by that many times 10 ms, Tick
//     2 end       the stream ends (the worker went away)
//     3 client    u8 call, u8 job: a JobService call (see Client)
//     4 complete  u8 n, u8 mode: a ResultBatch for the stream's first n
//                 outstanding tasks, built by the real kind (see Complete)
//     5 goodbye   u8 n: Goodbye returning the first n outstanding tasks
//     6 hello     u8 slots: Hello (shorthand for a message)
//     7 heartbeat u8 n: Heartbeat listing the first n outstanding tasks as
//                 running (timeouts and stragglers count from there)
//
// Checked invariants (a violation aborts, so the fuzzer reports it):
//   * every task sent on a stream has its job's JobDefinition sent on that
//     stream before or in the same batch (worker.proto's contract);
//   * TakeTasks returns the number of tasks it appended, at most `max`;
//   * a job that SUCCEEDED or was CANCELLED never changes state again;
//   * a job's succeeded tasks never exceed its total.
//
// Not thread-safe; one session per fuzz input.
#ifndef GRIDLESS_FUZZ_SCHEDULER_SESSION_H_
#define GRIDLESS_FUZZ_SCHEDULER_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "common/clock.h"
#include "coordinator/scheduler.h"
#include "gridless/v1/worker.pb.h"
#include "jobs/job.h"

namespace gridless::fuzz {

inline constexpr int kStreams = 3;

enum class Action : uint8_t {
  kMessage = 0,
  kTick = 1,
  kEnd = 2,
  kClient = 3,
  kComplete = 4,
  kGoodbye = 5,
  kHello = 6,
  kHeartbeat = 7,
};
inline constexpr int kActions = 8;

// The registry with the built-in kinds.
const JobRegistry& BuiltinRegistry();

class SchedulerSession {
 public:
  // Submits the jobs the two header bytes ask for.
  SchedulerSession(uint8_t jobs, uint8_t options);
  ~SchedulerSession();

  // Decodes and runs steps until `size` bytes are used up (a truncated
  // step is dropped) or kMaxSteps ran.
  void RunSteps(const uint8_t* data, size_t size);

  // One step each; `stream` in [0, kStreams).
  void Message(int stream, v1::WorkerMessage message);
  void Advance(uint32_t ticks_of_10ms);
  void EndStream(int stream);
  // call % 8: GetProgress, GetResult, Cancel, ListFailures, Retry, ListJobs,
  // Metrics, AwaitFinal (deadline already past).  job % (jobs + 2): a
  // submitted job, "" or an unknown id.
  void Client(uint8_t call, uint8_t job);
  // The results a worker would send for the stream's first n outstanding
  // tasks.  mode % 4: 0 the real partial (the kind's runner), 1 an error
  // with code mode / 4 % 18, 2 the payload as partial (garbage), 3 the real
  // partial missing its last byte.
  v1::WorkerMessage Results(int stream, uint8_t n, uint8_t mode);
  v1::WorkerMessage Goodbye(int stream, uint8_t n);
  v1::WorkerMessage Heartbeat(int stream, uint8_t n);
  static v1::WorkerMessage Hello(int stream, uint32_t slots);

  const std::vector<std::string>& job_ids() const { return job_ids_; }
  size_t outstanding(int stream) const {
    return streams_[stream].outstanding.size();
  }
  // Ends every stream and checks the jobs a last time.
  void Finish();

  static constexpr int kMaxSteps = 512;

 private:
  struct Stream {
    bool registered = false;
    bool draining = false;
    WorkerId id = 0;
    uint64_t credit = 0;
    absl::flat_hash_set<std::string> defined_jobs;
    std::deque<v1::Task> outstanding;
  };

  void Submit(const char* json);
  void Apply(const SchedulerEvents& events);
  void Dispatch(int stream);
  void Forget(int stream, const std::string& job_id, uint32_t stage,
              uint64_t index);
  void Check();
  TaskRunner* RunnerFor(const std::string& job_id);

  FakeClock clock_;
  std::unique_ptr<Scheduler> scheduler_;
  std::vector<std::string> job_ids_;
  std::map<std::string, v1::JobSpec> specs_;
  std::map<std::string, std::unique_ptr<TaskRunner>> runners_;
  std::map<std::string, v1::JobState> final_states_;
  Stream streams_[kStreams];
  WorkerId next_id_ = 1;
};

// Appends steps in the input format above (for make_corpus.cc).
class SessionWriter {
 public:
  SessionWriter(uint8_t jobs, uint8_t options);
  void Message(int stream, const v1::WorkerMessage& message);
  void Tick(int stream, uint16_t ticks);
  void End(int stream);
  void Client(uint8_t call, uint8_t job);
  void Complete(int stream, uint8_t n, uint8_t mode);
  void Goodbye(int stream, uint8_t n);
  void Hello(int stream, uint8_t slots);
  void Heartbeat(int stream, uint8_t n);
  const std::string& bytes() const { return bytes_; }

 private:
  void Op(int stream, Action action);
  std::string bytes_;
};

}  // namespace gridless::fuzz

#endif  // GRIDLESS_FUZZ_SCHEDULER_SESSION_H_
