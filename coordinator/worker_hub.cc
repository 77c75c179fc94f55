// Registry and broadcasts over worker streams (see worker_hub.h).
#include "coordinator/worker_hub.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/job_state.h"
#include "coordinator/worker_stream.h"

namespace gridless {
bool WorkerHub::Register(WorkerStream* stream) {
  std::lock_guard<std::mutex> lock(mu_);
  streams_.push_back(stream);
  changed_.notify_all();
  return !draining_;
}

void WorkerHub::Unregister(WorkerStream* stream) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find(streams_.begin(), streams_.end(), stream);
  if (it != streams_.end()) streams_.erase(it);
  changed_.notify_all();
}

void WorkerHub::Apply(const SchedulerEvents& events) {
  if (!events.ended_jobs.empty()) {
    v1::CoordinatorMessage cancel;
    for (const EndedJob& job : events.ended_jobs) {
      cancel.mutable_cancel()->add_job_ids(job.job_id);
      if (verbose_) {
        Log(absl::StrCat("job ", job.job_id, " ", StateName(job.state),
                         job.error.empty() ? "" : ": ", job.error));
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (WorkerStream* s : streams_) s->Send(cancel);
  }
  if (!events.dropped_tasks.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    for (WorkerStream* s : streams_) {
      const WorkerId id = s->id();
      v1::CoordinatorMessage cancel;
      for (const auto& [worker, ref] : events.dropped_tasks) {
        if (worker == id) *cancel.mutable_cancel()->add_tasks() = ref;
      }
      if (cancel.cancel().tasks_size() > 0) s->Send(cancel);
    }
  }
  if (events.tasks_ready) WakeAll();
}

void WorkerHub::WakeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t n = streams_.size();
  if (n == 0) return;
  const size_t start = next_wake_++ % n;
  for (size_t i = 0; i < n; ++i) streams_[(start + i) % n]->Dispatch();
}

void WorkerHub::DrainAll(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  draining_ = true;
  drain_reason_ = reason;
  for (WorkerStream* s : streams_) s->Drain(reason);
}

bool WorkerHub::AwaitEmpty(absl::Time deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_until(lock, absl::ToChronoTime(deadline),
                             [this] { return streams_.empty(); });
}

size_t WorkerHub::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return streams_.size();
}

void WorkerHub::Log(absl::string_view line) const {
  if (!verbose_) return;
  std::fprintf(stderr, "gridless-coordinator: %.*s\n",
               static_cast<int>(line.size()), line.data());
}

}  // namespace gridless
