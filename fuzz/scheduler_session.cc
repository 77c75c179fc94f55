// A scripted session against the Scheduler (see scheduler_session.h).
#include "fuzz/scheduler_session.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/job_file.h"
#include "fuzz/sandbox.h"

namespace gridless::fuzz {
namespace {

// Scheduler API that is being added (issue 4): called when present, so the
// fuzzers build against the scheduler before and after the change.
template <typename S>
void SendHeartbeat(S* scheduler, WorkerId id, const v1::Heartbeat& heartbeat) {
  if constexpr (requires { scheduler->WorkerHeartbeat(id, heartbeat); }) {
    scheduler->WorkerHeartbeat(id, heartbeat);
  } else {
    scheduler->WorkerSeen(id);
  }
}
template <typename H>
void AddRunning(H* heartbeat, const v1::Task& task) {
  if constexpr (requires { heartbeat->add_running_tasks(); }) {
    auto* ref = heartbeat->add_running_tasks();
    ref->set_job_id(task.job_id());
    ref->set_stage(task.stage());
    ref->set_task_index(task.task_index());
    ref->set_attempt(task.attempt());
  }
}
template <typename E, typename Fn>
void ForEachDropped(const E& events, Fn fn) {
  if constexpr (requires { events.dropped_tasks; }) {
    for (const auto& [worker, ref] : events.dropped_tasks) fn(worker, ref);
  }
}

[[noreturn]] void Violation(const std::string& what) {
  std::fprintf(stderr, "scheduler session: invariant violated: %s\n",
               what.c_str());
  std::abort();
}

bool StaysFinal(v1::JobState state) {
  return state == v1::JOB_STATE_SUCCEEDED || state == v1::JOB_STATE_CANCELLED;
}

// Reads the step bytes; every read fails once the input is used up.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool U8(uint8_t* out) {
    if (pos_ >= size_) return false;
    *out = data_[pos_++];
    return true;
  }
  bool U16(uint16_t* out) {
    uint8_t lo, hi;
    if (!U8(&lo) || !U8(&hi)) return false;
    *out = static_cast<uint16_t>(lo | (hi << 8));
    return true;
  }
  bool Bytes(size_t n, const uint8_t** out) {
    if (size_ - pos_ < n) return false;
    *out = data_ + pos_;
    pos_ += n;
    return true;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace

const JobRegistry& BuiltinRegistry() {
  static const JobRegistry* registry = [] {
    JobRegistry* r = &JobRegistry::Global();
    RegisterBuiltinKinds(*r);
    return r;
  }();
  return *registry;
}

SchedulerSession::SchedulerSession(uint8_t jobs, uint8_t options) {
  SchedulerOptions o;
  o.registry = &BuiltinRegistry();
  o.clock = &clock_;
  o.lease_timeout = absl::Seconds(10);
  o.backoff_base = kDefaultBackoffBase;
  o.backoff_max = kDefaultBackoffMax;
  o.max_open_jobs = 8;
  o.max_tasks_per_job = 64;
  scheduler_ = std::make_unique<Scheduler>(o);

  const std::string extra =
      absl::StrCat("\"max_attempts\": ", 1 + (options & 3),
                   (options & 4) ? ", \"task_timeout_s\": 5" : "",
                   (options & 8) ? ", \"speculation_multiple\": 2" : "",
                   (options & 16) ? ", \"max_failed_tasks\": 1" : "");
  const std::string& root = Sandbox();
  if (jobs == 0) jobs = 1;
  if (jobs & 1) {
    Submit(absl::StrCat(R"({"kind": "pi", "seed": 3, )", extra,
                        R"(, "params": {"samples": 2000, "tasks": 5}})")
               .c_str());
  }
  if (jobs & 2) {
    Submit(absl::StrCat(R"({"kind": "noop", "seed": 1, )", extra,
                        R"(, "params": {"tasks": 6, "fail": [2]}})")
               .c_str());
  }
  if (jobs & 4) {
    Submit(absl::StrCat(R"({"kind": "option-mc", "seed": 5, )", extra,
                        R"(, "params": {"paths": 600, "tasks": 3}})")
               .c_str());
  }
  if (jobs & 8) {
    Submit(absl::StrCat(R"({"kind": "wordcount", "seed": 2, )", extra,
                        R"(, "params": {"input": ")", root,
                        R"(/text/*.txt", "output": ")", root,
                        R"(/out/wordcount", "reducers": 2, "split_bytes": 24,)",
                        R"( "sync_output": false, "top": 3}})")
               .c_str());
  }
  if (jobs & 16) {
    Submit(absl::StrCat(R"({"kind": "groupby", "seed": 2, )", extra,
                        R"(, "params": {"input": ")", root,
                        R"(/visits/*.csv", "output": ")", root,
                        R"(/out/groupby", "reducers": 2, "split_bytes": 64,)",
                        R"( "sync_output": false, "prefix_length": 4}})")
               .c_str());
  }
  if (jobs & 32) {
    Submit(absl::StrCat(R"({"kind": "loan-mc", "seed": 4, )", extra,
                        R"(, "params": {"tape": ")", root,
                        R"(/tapes/loans.csv", "out": ")", root,
                        R"(/out/loan", "paths": 8, "path_block": 4,)",
                        R"( "loan_block": 2, "per_loan": true}})")
               .c_str());
  }
  if (jobs & 64) {
    Submit(absl::StrCat(R"({"kind": "sort", "seed": 2, )", extra,
                        R"(, "params": {"input": ")", root,
                        R"(/sort/records", "output": ")", root,
                        R"(/out/sort", "reducers": 2, "split_bytes": 300,)",
                        R"( "samples": 5, "sync_output": false}})")
               .c_str());
  }
  if (jobs & 128) {
    Submit(absl::StrCat(R"({"kind": "exec", "seed": 2, )", extra,
                        R"(, "params": {"command": ["echo", "{shard}"],)",
                        R"( "shards": 3, "output": ")", root,
                        R"(/out/exec", "sync_output": false}})")
               .c_str());
  }
}

SchedulerSession::~SchedulerSession() = default;

void SchedulerSession::Submit(const char* json) {
  auto spec = ParseJobSpecJson(json, "session.json");
  if (!spec.ok())
    Violation(absl::StrCat("bad fixture spec: ", spec.status().ToString()));
  auto response = scheduler_->Submit(*spec);
  if (!response.ok()) return;  // e.g. an option the scheduler refuses
  job_ids_.push_back(response->job_id());
  specs_[response->job_id()] = *spec;
  SchedulerEvents events;
  events.tasks_ready = response->tasks() > 0;
  Apply(events);
}

void SchedulerSession::RunSteps(const uint8_t* data, size_t size) {
  Reader in(data, size);
  for (int step = 0; step < kMaxSteps; ++step) {
    uint8_t op;
    if (!in.U8(&op)) return;
    const int stream = op % kStreams;
    switch (static_cast<Action>(op / kStreams % kActions)) {
      case Action::kMessage: {
        uint16_t length;
        const uint8_t* bytes;
        if (!in.U16(&length) || !in.Bytes(length, &bytes)) return;
        v1::WorkerMessage message;
        if (!message.ParseFromArray(bytes, length)) break;  // gRPC drops it
        Message(stream, std::move(message));
        break;
      }
      case Action::kTick: {
        uint16_t ticks;
        if (!in.U16(&ticks)) return;
        Advance(ticks);
        break;
      }
      case Action::kEnd:
        EndStream(stream);
        break;
      case Action::kClient: {
        uint8_t call, job;
        if (!in.U8(&call) || !in.U8(&job)) return;
        Client(call, job);
        break;
      }
      case Action::kComplete: {
        uint8_t n, mode;
        if (!in.U8(&n) || !in.U8(&mode)) return;
        Message(stream, Results(stream, n, mode));
        break;
      }
      case Action::kGoodbye: {
        uint8_t n;
        if (!in.U8(&n)) return;
        Message(stream, Goodbye(stream, n));
        break;
      }
      case Action::kHello: {
        uint8_t slots;
        if (!in.U8(&slots)) return;
        Message(stream, Hello(stream, slots));
        break;
      }
      case Action::kHeartbeat: {
        uint8_t n;
        if (!in.U8(&n)) return;
        Message(stream, Heartbeat(stream, n));
        break;
      }
    }
    Check();
  }
}

// As WorkerStream::Handle.
void SchedulerSession::Message(int stream, v1::WorkerMessage message) {
  Stream& s = streams_[stream];
  if (message.kind_case() == v1::WorkerMessage::kHello) {
    if (s.registered) {  // FAILED_PRECONDITION: the stream ends
      EndStream(stream);
      return;
    }
    const uint32_t slots = std::max<uint32_t>(1, message.hello().slots());
    s.id = next_id_++;
    s.registered = true;
    scheduler_->WorkerConnected(s.id,
                                message.hello().worker_id().empty()
                                    ? absl::StrCat("peer-", stream)
                                    : message.hello().worker_id(),
                                slots);
    return;
  }
  if (!s.registered) {  // the first message must be Hello: the stream ends
    EndStream(stream);
    return;
  }
  switch (message.kind_case()) {
    case v1::WorkerMessage::kCredit:
      scheduler_->WorkerSeen(s.id);
      s.credit += message.credit().tasks();
      Dispatch(stream);
      return;
    case v1::WorkerMessage::kResults: {
      for (const v1::TaskResult& r : message.results().results()) {
        Forget(stream, r.job_id(), r.stage(), r.task_index());
      }
      Apply(scheduler_->OnResults(s.id, message.mutable_results()));
      return;
    }
    case v1::WorkerMessage::kHeartbeat:
      SendHeartbeat(scheduler_.get(), s.id, message.heartbeat());
      return;
    case v1::WorkerMessage::kGoodbye:
      s.draining = true;
      for (const v1::TaskRef& ref : message.goodbye().returned()) {
        Forget(stream, ref.job_id(), ref.stage(), ref.task_index());
      }
      Apply(scheduler_->ReturnTasks(s.id, message.goodbye()));
      return;
    default:
      scheduler_->WorkerSeen(s.id);
      return;
  }
}

void SchedulerSession::Advance(uint32_t ticks_of_10ms) {
  clock_.Advance(absl::Milliseconds(10) * ticks_of_10ms);
  Apply(scheduler_->Tick(clock_.Now()));
}

// As WorkerStream::End; the next message on `stream` opens a new stream.
void SchedulerSession::EndStream(int stream) {
  Stream& s = streams_[stream];
  const bool registered = s.registered;
  const WorkerId id = s.id;
  s = Stream();
  if (registered) Apply(scheduler_->WorkerDisconnected(id));
}

void SchedulerSession::Client(uint8_t call, uint8_t job) {
  const size_t pick = job % (job_ids_.size() + 2);
  const std::string id = pick < job_ids_.size()    ? job_ids_[pick]
                         : pick == job_ids_.size() ? std::string()
                                                   : std::string("job-999");
  SchedulerEvents events;
  switch (call % 8) {
    case 0:
      (void)scheduler_->GetProgress(id);
      break;
    case 1:
      (void)scheduler_->GetResult(id);
      break;
    case 2:
      (void)scheduler_->Cancel(id, &events);
      break;
    case 3:
      (void)scheduler_->ListFailures(id);
      break;
    case 4:
      (void)scheduler_->Retry(id, &events);
      break;
    case 5:
      (void)scheduler_->ListJobs();
      break;
    case 6:
      (void)scheduler_->Metrics();
      break;
    case 7:
      (void)scheduler_->AwaitFinal(id, absl::InfinitePast());
      break;
  }
  Apply(events);
}

TaskRunner* SchedulerSession::RunnerFor(const std::string& job_id) {
  auto it = runners_.find(job_id);
  if (it != runners_.end()) return it->second.get();
  auto spec = specs_.find(job_id);
  if (spec == specs_.end()) return nullptr;
  auto kind = BuiltinRegistry().Find(spec->second.kind());
  if (!kind.ok()) return nullptr;
  JobContext job{job_id, spec->second, Params(spec->second.params())};
  auto runner = (*kind)->Prepare(job);
  TaskRunner* raw = runner.ok() ? runner->get() : nullptr;
  runners_[job_id] = runner.ok() ? *std::move(runner) : nullptr;
  return raw;
}

v1::WorkerMessage SchedulerSession::Results(int stream, uint8_t n,
                                            uint8_t mode) {
  v1::WorkerMessage message;
  v1::ResultBatch* batch = message.mutable_results();
  const std::deque<v1::Task>& tasks = streams_[stream].outstanding;
  const size_t count = std::min<size_t>(n, tasks.size());
  for (size_t i = 0; i < count; ++i) {
    const v1::Task& task = tasks[i];
    v1::TaskResult* r = batch->add_results();
    r->set_job_id(task.job_id());
    r->set_stage(task.stage());
    r->set_task_index(task.task_index());
    r->set_attempt(task.attempt());
    r->set_run_seconds(0.01 * static_cast<double>(task.task_index() + 1));
    if (mode % 4 == 1) {
      r->mutable_error()->set_code(mode / 4 % 18);
      r->mutable_error()->set_message("injected");
      continue;
    }
    if (mode % 4 == 2) {
      r->set_partial(task.payload());
      continue;
    }
    TaskRunner* runner = RunnerFor(task.job_id());
    absl::StatusOr<std::string> partial = runner == nullptr
                                              ? absl::InternalError("no runner")
                                              : absl::StatusOr<std::string>();
    if (runner != nullptr) {
      CancelToken cancel;
      TaskContext context;
      context.stage = task.stage();
      context.index = task.task_index();
      context.attempt = task.attempt();
      context.payload = task.payload();
      context.cancel = &cancel;
      partial = runner->Run(context);
    }
    if (!partial.ok()) {
      r->mutable_error()->set_code(static_cast<int>(partial.status().code()));
      r->mutable_error()->set_message(std::string(partial.status().message()));
      if (auto lost = LostPreviousTasks(partial.status()); lost.has_value()) {
        r->mutable_error()->mutable_lost_previous_tasks()->Add(lost->begin(),
                                                               lost->end());
      }
      continue;
    }
    if (mode % 4 == 3 && !partial->empty()) partial->pop_back();
    r->set_partial(*std::move(partial));
  }
  return message;
}

v1::WorkerMessage SchedulerSession::Goodbye(int stream, uint8_t n) {
  v1::WorkerMessage message;
  const std::deque<v1::Task>& tasks = streams_[stream].outstanding;
  const size_t count = std::min<size_t>(n, tasks.size());
  for (size_t i = 0; i < count; ++i) {
    v1::TaskRef* ref = message.mutable_goodbye()->add_returned();
    ref->set_job_id(tasks[i].job_id());
    ref->set_stage(tasks[i].stage());
    ref->set_task_index(tasks[i].task_index());
    ref->set_attempt(tasks[i].attempt());
  }
  message.mutable_goodbye()->set_reason("idle");
  return message;
}

v1::WorkerMessage SchedulerSession::Heartbeat(int stream, uint8_t n) {
  v1::WorkerMessage message;
  const std::deque<v1::Task>& tasks = streams_[stream].outstanding;
  const size_t count = std::min<size_t>(n, tasks.size());
  message.mutable_heartbeat()->set_running(static_cast<uint32_t>(count));
  for (size_t i = 0; i < count; ++i) {
    AddRunning(message.mutable_heartbeat(), tasks[i]);
  }
  return message;
}

v1::WorkerMessage SchedulerSession::Hello(int stream, uint32_t slots) {
  v1::WorkerMessage message;
  message.mutable_hello()->set_worker_id(absl::StrCat("worker-", stream));
  message.mutable_hello()->set_slots(slots);
  message.mutable_hello()->set_build_id("fuzz");
  return message;
}

// As WorkerHub::Apply: wake every stream; ended jobs are cancelled on every
// worker and dropped tasks (a speculative twin won, a timeout) on theirs,
// and the worker drops them.
void SchedulerSession::Apply(const SchedulerEvents& events) {
  ForEachDropped(events, [&](WorkerId worker, const v1::TaskRef& ref) {
    for (int i = 0; i < kStreams; ++i) {
      if (streams_[i].registered && streams_[i].id == worker) {
        Forget(i, ref.job_id(), ref.stage(), ref.task_index());
      }
    }
  });
  for (const EndedJob& ended : events.ended_jobs) {
    for (Stream& s : streams_) {
      std::erase_if(s.outstanding, [&](const v1::Task& t) {
        return t.job_id() == ended.job_id;
      });
    }
  }
  if (events.tasks_ready) {
    for (int i = 0; i < kStreams; ++i) Dispatch(i);
  }
}

// As WorkerStream::Dispatch, repeated as each batch's write completes.
void SchedulerSession::Dispatch(int stream) {
  Stream& s = streams_[stream];
  while (s.registered && !s.draining && s.credit > 0) {
    const size_t max = std::min<uint64_t>(s.credit, 1024);
    v1::TaskBatch batch;
    const size_t taken = scheduler_->TakeTasks(s.id, max, &batch);
    if (taken != static_cast<size_t>(batch.tasks_size()) || taken > max) {
      Violation(absl::StrCat("TakeTasks returned ", taken, " with ",
                             batch.tasks_size(), " tasks in the batch, max ",
                             max));
    }
    if (taken == 0) return;
    s.credit -= taken;
    for (const v1::JobDefinition& def : batch.jobs()) {
      s.defined_jobs.insert(def.job_id());
    }
    for (const v1::Task& task : batch.tasks()) {
      if (!s.defined_jobs.contains(task.job_id())) {
        Violation(absl::StrCat("task ", task.job_id(), "/", task.stage(), "/",
                               task.task_index(),
                               " sent before its job's definition"));
      }
      s.outstanding.push_back(task);
    }
  }
}

void SchedulerSession::Forget(int stream, const std::string& job_id,
                              uint32_t stage, uint64_t index) {
  std::erase_if(streams_[stream].outstanding, [&](const v1::Task& t) {
    return t.job_id() == job_id && t.stage() == stage &&
           t.task_index() == index;
  });
}

void SchedulerSession::Check() {
  for (const std::string& id : job_ids_) {
    auto progress = scheduler_->GetProgress(id);
    if (!progress.ok()) {
      Violation(absl::StrCat("GetProgress(", id,
                             ") failed: ", progress.status().ToString()));
    }
    if (progress->tasks().succeeded() > progress->tasks().total()) {
      Violation(absl::StrCat(id, ": ", progress->tasks().succeeded(),
                             " tasks succeeded of ",
                             progress->tasks().total()));
    }
    auto [it, inserted] = final_states_.try_emplace(id, progress->state());
    if (!inserted) {
      if (StaysFinal(it->second) && it->second != progress->state()) {
        Violation(absl::StrCat(id, " went from ", v1::JobState_Name(it->second),
                               " to ", v1::JobState_Name(progress->state())));
      }
      it->second = progress->state();
    }
  }
}

void SchedulerSession::Finish() {
  for (int i = 0; i < kStreams; ++i) EndStream(i);
  Check();
  (void)scheduler_->ListJobs();
  (void)scheduler_->Metrics();
}

SessionWriter::SessionWriter(uint8_t jobs, uint8_t options) {
  bytes_.push_back(static_cast<char>(jobs));
  bytes_.push_back(static_cast<char>(options));
}

void SessionWriter::Op(int stream, Action action) {
  bytes_.push_back(
      static_cast<char>(static_cast<int>(action) * kStreams + stream));
}

void SessionWriter::Message(int stream, const v1::WorkerMessage& message) {
  const std::string bytes = message.SerializeAsString();
  if (bytes.size() > 0xffff) std::abort();
  Op(stream, Action::kMessage);
  bytes_.push_back(static_cast<char>(bytes.size() & 0xff));
  bytes_.push_back(static_cast<char>(bytes.size() >> 8));
  bytes_ += bytes;
}

void SessionWriter::Tick(int stream, uint16_t ticks) {
  Op(stream, Action::kTick);
  bytes_.push_back(static_cast<char>(ticks & 0xff));
  bytes_.push_back(static_cast<char>(ticks >> 8));
}

void SessionWriter::End(int stream) { Op(stream, Action::kEnd); }

void SessionWriter::Client(uint8_t call, uint8_t job) {
  Op(0, Action::kClient);
  bytes_.push_back(static_cast<char>(call));
  bytes_.push_back(static_cast<char>(job));
}

void SessionWriter::Complete(int stream, uint8_t n, uint8_t mode) {
  Op(stream, Action::kComplete);
  bytes_.push_back(static_cast<char>(n));
  bytes_.push_back(static_cast<char>(mode));
}

void SessionWriter::Goodbye(int stream, uint8_t n) {
  Op(stream, Action::kGoodbye);
  bytes_.push_back(static_cast<char>(n));
}

void SessionWriter::Heartbeat(int stream, uint8_t n) {
  Op(stream, Action::kHeartbeat);
  bytes_.push_back(static_cast<char>(n));
}

void SessionWriter::Hello(int stream, uint8_t slots) {
  Op(stream, Action::kHello);
  bytes_.push_back(static_cast<char>(slots));
}

}  // namespace gridless::fuzz
