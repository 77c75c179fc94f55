// The scheduler facade's dispatch: which ready task, suspect or backup goes
// to which worker, in batches (see scheduler.h; the policies decide, this
// applies their answers to the books).
#include <algorithm>

#include "coordinator/scheduler.h"

namespace gridless {

size_t Scheduler::AppendTask(WorkerId id, JobRecord* job, const TaskKey& key,
                             uint32_t attempt, v1::TaskBatch* batch) {
  size_t bytes = 0;
  WorkerInfo& w = workers_[id];
  if (w.seen_jobs.insert(key.job).second) {
    v1::JobDefinition* def = batch->add_jobs();
    def->set_job_id(job->id());
    *def->mutable_spec() = job->spec();
    bytes += job->spec().ByteSizeLong();
  }
  const std::string& payload = job->payload(key.stage, key.index);
  v1::Task* task = batch->add_tasks();
  task->set_job_id(job->id());
  task->set_stage(key.stage);
  task->set_task_index(key.index);
  task->set_attempt(attempt);
  task->set_payload(payload);
  task->set_timeout_s(job->spec().task_timeout_s());
  return bytes + payload.size() + job->id().size() + 16;
}

size_t Scheduler::TakeTasks(WorkerId id, size_t max, v1::TaskBatch* batch) {
  // Taken from the queue in chunks sized from the bytes per task seen so
  // far, so that a batch stops near kMaxBatchBytes without putting tasks
  // back (and round-robin order carries over).
  constexpr size_t kChunk = 64;
  std::lock_guard<std::mutex> lock(mu_);
  auto w = workers_.find(id);
  if (w == workers_.end() || max == 0) return 0;
  const absl::Time now = Now();
  ready_.ReleaseDue(now);
  size_t bytes = 0;
  size_t taken = TakeSuspects(id, max, now, batch, &bytes);
  JobHandle cached_handle = 0;
  JobRecord* job = nullptr;
  while (taken < max && bytes < kMaxBatchBytes && ready_.ready() > 0) {
    size_t chunk = std::min(kChunk, max - taken);
    if (taken == 0) {
      chunk = 1;  // measure first
    } else {
      const size_t per_task = std::max<size_t>(1, bytes / taken);
      chunk = std::min(chunk, (kMaxBatchBytes - bytes) / per_task + 1);
    }
    scratch_.clear();
    ready_.TakeBatch(chunk, &scratch_, refusals_.RefusedBy(id));
    if (scratch_.empty()) break;  // only jobs this worker refused
    for (const TaskKey& key : scratch_) {
      if (key.job != cached_handle || job == nullptr) {
        cached_handle = key.job;
        job = jobs_.Find(key.job);
      }
      if (job == nullptr || job->finished()) continue;
      // A task of the previous stage is a repair; anything else not of the
      // current stage, merged, dead, waiting or leased is stale.
      const bool repair =
          key.stage + 1 == job->stage() && job->repairing(key.index);
      if (!repair &&
          (!job->Unfinished(key) || job->waiting_for_repair(key.index))) {
        continue;
      }
      if (leases_.Leased(key)) continue;
      if (!repair && suspects_.Contains(key)) {
        // Its backoff is over: it waits for a worker with suspect room.
        suspects_.Queue(key);
        continue;
      }
      const uint32_t attempt = repair ? job->StartRepairAttempt(key.index)
                                      : job->StartAttempt(key.index);
      leases_.Grant(key, id, attempt, now);
      bytes += AppendTask(id, job, key, attempt, batch);
      ++taken;
    }
  }
  // Suspects the loop above moved out of the ready queue.
  if (taken < max && suspects_.queued() > 0) {
    taken += TakeSuspects(id, max - taken, now, batch, &bytes);
  }
  if (taken < max && !speculation_.empty()) {
    taken += TakeBackups(id, max - taken, now, batch);
  }
  return taken;
}

size_t Scheduler::TakeSuspects(WorkerId id, size_t max, absl::Time now,
                               v1::TaskBatch* batch, size_t* bytes) {
  return suspects_.Take(
      id, workers_[id].slots, leases_.leases_of(id), max,
      [&](const TaskKey& k) {
        const Lease* lease = leases_.Find(k);
        return lease != nullptr && lease->worker == id;
      },
      [&](const TaskKey& key) {
        const JobRecord* job = jobs_.Find(key.job);
        if (job == nullptr || job->finished() || !job->Unfinished(key)) {
          return Suspects::Candidate::kStale;
        }
        if (leases_.Leased(key) || job->waiting_for_repair(key.index)) {
          return Suspects::Candidate::kNotNow;
        }
        return refusals_.Refused(id, key.job) ? Suspects::Candidate::kElsewhere
                                              : Suspects::Candidate::kTake;
      },
      [&](const TaskKey& key) {
        JobRecord* job = jobs_.Find(key.job);
        const uint32_t attempt = job->StartAttempt(key.index);
        leases_.Grant(key, id, attempt, now);
        *bytes += AppendTask(id, job, key, attempt, batch);
      });
}

size_t Scheduler::TakeBackups(WorkerId id, size_t max, absl::Time now,
                              v1::TaskBatch* batch) {
  // A straggler whose primary runs on this very worker waits for another.
  return speculation_.Take(
      max,
      [&](const TaskKey& key) {
        const JobRecord* job = jobs_.Find(key.job);
        const Lease* primary = leases_.Find(key);
        if (job == nullptr || job->finished() || key.stage != job->stage() ||
            primary == nullptr || leases_.FindBackup(key) != nullptr ||
            job->merged(key.index)) {
          return Speculation::Candidate::kDrop;
        }
        return primary->worker == id || refusals_.Refused(id, key.job)
                   ? Speculation::Candidate::kElsewhere
                   : Speculation::Candidate::kTake;
      },
      [&](const TaskKey& key) {
        JobRecord* job = jobs_.Find(key.job);
        const uint32_t attempt = job->StartAttempt(key.index);
        leases_.Grant(key, id, attempt, now, absl::InfiniteFuture(),
                      /*backup=*/true);
        job->CountSpeculative();
        AppendTask(id, job, key, attempt, batch);
      });
}

}  // namespace gridless
