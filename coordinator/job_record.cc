// Bookkeeping, staging, dead letters and reduce of one job (see job_record.h).
#include "coordinator/job_record.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace gridless {

absl::StatusOr<std::unique_ptr<JobRecord>> JobRecord::Create(
    std::string id, JobHandle handle, v1::JobSpec spec, const JobKind* kind,
    uint32_t max_attempts, absl::Time now, uint64_t max_stage_tasks) {
  std::unique_ptr<JobRecord> job(
      new JobRecord(std::move(id), handle, std::move(spec), kind, max_attempts,
                    now, max_stage_tasks));
  if (auto s = job->EnterStage(0, std::string(), now); !s.ok()) return s;
  return job;
}

std::unique_ptr<JobRecord> JobRecord::Ended(
    std::string id, JobHandle handle, v1::JobSpec spec, v1::JobState state,
    std::string error, google::protobuf::Struct result, absl::Time submitted,
    double wall_seconds) {
  std::unique_ptr<JobRecord> job(new JobRecord(
      std::move(id), handle, std::move(spec), nullptr, 1, submitted, 0));
  job->result_ = std::move(result);
  job->Finish(state, std::move(error),
              submitted + absl::Seconds(std::max(0.0, wall_seconds)));
  return job;
}

JobRecord::JobRecord(std::string id, JobHandle handle, v1::JobSpec spec,
                     const JobKind* kind, uint32_t max_attempts, absl::Time now,
                     uint64_t max_stage_tasks)
    : id_(std::move(id)),
      handle_(handle),
      spec_(std::move(spec)),
      ctx_{id_, spec_, Params(spec_.params())},
      kind_(kind),
      max_attempts_(max_attempts < 1 ? 1 : max_attempts),
      max_stage_tasks_(max_stage_tasks),
      submitted_(now) {}

uint32_t JobRecord::num_stages() const {
  if (kind_ == nullptr) return 1;
  return std::max<uint32_t>(1, kind_->NumStages());
}

const std::string& JobRecord::payload(uint32_t stage, uint64_t index) const {
  return stage == stage_ ? payloads_[index] : previous_payloads_[index];
}

bool JobRecord::merged(uint64_t index) const {
  return reducer_ != nullptr && reducer_->HasTask(index);
}

bool JobRecord::dead(uint64_t index) const { return dead_.contains(index); }

uint32_t JobRecord::StartAttempt(uint64_t index) {
  counts_.set_running(counts_.running() + 1);
  return ++attempts_[index];
}

void JobRecord::EndAttempt() {
  if (counts_.running() > 0) counts_.set_running(counts_.running() - 1);
}

void JobRecord::UndoAttempt(uint64_t index) {
  if (index < attempts_.size() && attempts_[index] > 0) --attempts_[index];
}

void JobRecord::RecordFailedAttempt(uint64_t index, v1::AttemptRecord attempt) {
  std::vector<v1::AttemptRecord>& log = failures_[index];
  // Bounded: a task cannot have more failed attempts than max_attempts per
  // retry round; keep the latest ones.
  constexpr size_t kMaxKept = 100;
  if (log.size() >= kMaxKept) log.erase(log.begin());
  log.push_back(std::move(attempt));
}

absl::Status JobRecord::EnterStage(uint32_t stage, std::string previous,
                                   absl::Time now) {
  const uint32_t stages = num_stages();
  for (;;) {
    auto tasks =
        kind_->Plan(PlanContext{ctx_, stage, previous, max_stage_tasks_});
    if (!tasks.ok()) return tasks.status();
    if (tasks->size() > max_stage_tasks_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "stage ", stage, " plans ", tasks->size(),
          " tasks, more than this coordinator's limit of ", max_stage_tasks_,
          " (--max-tasks-per-job): make the tasks bigger or raise the limit"));
    }
    if (stage > stage_) previous_payloads_ = std::move(payloads_);
    stage_ = stage;
    payloads_ = *std::move(tasks);
    attempts_.assign(payloads_.size(), 0);
    counts_.set_total(counts_.total() + payloads_.size());
    reducer_ = std::make_unique<TreeReducer>(
        payloads_.size(), [this](std::string& acc, std::string_view right) {
          return kind_->Merge(acc, right, ctx_);
        });
    run_times_.clear();
    failures_.clear();
    dead_.clear();
    repair_attempts_.clear();
    waiting_.clear();
    repaired_before_.clear();
    if (!payloads_.empty()) return absl::OkStatus();
    previous.clear();  // an empty stage's accumulator is ""
    if (stage + 1 >= stages) break;
    ++stage;
  }
  auto result = kind_->Finalize(ctx_, previous);
  if (!result.ok()) {
    return absl::Status(result.status().code(),
                        absl::StrCat("finalizing the result failed: ",
                                     result.status().message()));
  }
  result_ = *std::move(result);
  Finish(v1::JOB_STATE_SUCCEEDED, "", now);
  return absl::OkStatus();
}

uint64_t JobRecord::OnSucceeded(uint64_t index, std::string partial,
                                double run_seconds, absl::Time now) {
  if (finished() || dead(index)) return 0;
  if (auto s = reducer_->Add(index, std::move(partial)); !s.ok()) {
    if (s.code() == absl::StatusCode::kAlreadyExists) return 0;  // merged once
    Fail(absl::StrCat("merging the partial of task ", index, " (stage ", stage_,
                      ") failed: ", s.message(),
                      " (the job kind refused it; retrying cannot help)"),
         now);
    return 0;
  }
  worker_seconds_ += run_seconds;
  run_times_.push_back(static_cast<float>(run_seconds));
  failures_.erase(index);
  counts_.set_succeeded(counts_.succeeded() + 1);
  return MaybeEndStage(now);
}

uint64_t JobRecord::MaybeEndStage(absl::Time now) {
  if (reducer_->num_added() + dead_.size() < payloads_.size()) return 0;
  const uint32_t stages = num_stages();
  if (!dead_.empty()) {
    const std::string what = absl::StrCat(
        dead_.size(), dead_.size() == 1 ? " task" : " tasks", " of stage ",
        stage_, " dead-lettered (within the budget max_failed_tasks=",
        spec_.max_failed_tasks(), ")");
    // What to run next is the client's to say (`gridless result` names
    // `failures` and `retry` with the right --coordinator; `gridless run`,
    // whose coordinator ends with it, prints the dead letters instead).
    const std::string next = "; the job can be retried once the cause is fixed";
    if (stage_ + 1 < stages) {
      Finish(v1::JOB_STATE_FAILED,
             absl::StrCat(what, ", and stage ", stage_ + 1,
                          " needs all of its inputs", next),
             now, /*retryable=*/true);
      return 0;
    }
    FinalizePartial();
    Finish(v1::JOB_STATE_PARTIAL,
           absl::StrCat(what, ": the result leaves them out", next), now,
           /*retryable=*/true);
    return 0;
  }
  auto acc = reducer_->Result();
  if (!acc.ok()) {
    Fail(std::string(acc.status().message()), now);
    return 0;
  }
  if (stage_ + 1 < stages) {
    const uint32_t next = stage_ + 1;
    if (auto s = EnterStage(next, *std::move(acc), now); !s.ok()) {
      Fail(absl::StrCat("planning stage ", next, " failed: ", s.message()),
           now);
      return 0;
    }
    return finished() ? 0 : payloads_.size();
  }
  auto result = kind_->Finalize(ctx_, *acc);
  if (!result.ok()) {
    Fail(absl::StrCat("finalizing the result failed: ",
                      result.status().message()),
         now);
    return 0;
  }
  result_ = *std::move(result);
  Finish(v1::JOB_STATE_SUCCEEDED, "", now);
  return 0;
}

void JobRecord::DeadLetter(uint64_t index, std::string error, absl::Time now) {
  if (finished() || index >= payloads_.size() || merged(index) ||
      !dead_.insert(index).second) {
    return;
  }
  counts_.set_failed(counts_.failed() + 1);
  if (dead_.size() > spec_.max_failed_tasks()) {
    std::string budget =
        spec_.max_failed_tasks() == 0
            ? std::string()
            : absl::StrCat(" (", dead_.size(),
                           " tasks dead-lettered, more than max_failed_tasks=",
                           spec_.max_failed_tasks(), ")");
    Finish(v1::JOB_STATE_FAILED,
           absl::StrCat(error, budget,
                        "; the job can be retried once the cause is fixed"),
           now, /*retryable=*/true);
    return;
  }
  MaybeEndStage(now);
}

std::vector<v1::DeadLetter> JobRecord::DeadLetters() const {
  std::vector<v1::DeadLetter> out;
  for (uint64_t index : dead_) {
    v1::DeadLetter& d = out.emplace_back();
    d.set_stage(stage_);
    d.set_task_index(index);
    if (auto it = failures_.find(index); it != failures_.end()) {
      for (const v1::AttemptRecord& a : it->second) *d.add_attempts() = a;
    }
  }
  return out;
}

absl::StatusOr<std::vector<uint64_t>> JobRecord::Retry(absl::Time now) {
  if (!retryable_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job ", id_, " is ",
        state_ == v1::JOB_STATE_RUNNING ? "still running" : "not retryable",
        ": only a job that failed or ended partial because of dead-lettered "
        "tasks can be retried (resubmit it otherwise)"));
  }
  std::vector<uint64_t> queue;
  for (uint64_t i = 0; i < payloads_.size(); ++i) {
    if (merged(i)) continue;
    attempts_[i] = 0;
    queue.push_back(i);
  }
  dead_.clear();
  failures_.clear();
  repair_attempts_.clear();
  waiting_.clear();
  repairs_ = 0;
  counts_.set_failed(0);
  counts_.set_running(0);
  state_ = v1::JOB_STATE_RUNNING;
  error_.clear();
  result_.Clear();
  retryable_ = false;
  ended_ = absl::InfinitePast();
  (void)now;
  return queue;
}

void JobRecord::FinalizePartial() {
  result_.Clear();
  if (reducer_ == nullptr || stage_ + 1 < num_stages()) return;
  auto acc = reducer_->PartialResult();
  if (!acc.ok()) return;
  auto result = kind_->Finalize(ctx_, *acc);
  if (result.ok()) result_ = *std::move(result);
}

void JobRecord::Cancel(absl::Time now) {
  if (finished()) return;
  FinalizePartial();
  Finish(v1::JOB_STATE_CANCELLED,
         absl::StrCat("cancelled by a client after ", counts_.succeeded(),
                      " of ", counts_.total(), " tasks had finished"),
         now);
}

void JobRecord::Fail(std::string error, absl::Time now) {
  if (finished()) return;
  Finish(v1::JOB_STATE_FAILED, std::move(error), now);
}

absl::StatusOr<std::vector<uint64_t>> JobRecord::CheckLostPreviousTasks(
    const google::protobuf::RepeatedField<uint64_t>& lost) const {
  if (stage_ == 0) {
    return absl::InvalidArgumentError("the first stage has no previous stage");
  }
  const uint64_t previous = previous_payloads_.size();
  if (static_cast<uint64_t>(lost.size()) > previous) {
    return absl::InvalidArgumentError(
        absl::StrCat("it names ", lost.size(), " tasks, but stage ", stage_ - 1,
                     " had ", previous));
  }
  for (uint64_t i : lost) {
    if (i >= previous) {
      return absl::InvalidArgumentError(
          absl::StrCat("lost task ", i, " is out of range: stage ", stage_ - 1,
                       " had ", previous, " tasks"));
    }
  }
  return std::vector<uint64_t>(lost.begin(), lost.end());
}

absl::StatusOr<JobRecord::RepairPlan> JobRecord::RequestRepair(
    uint64_t waiting, const std::vector<uint64_t>& lost, uint64_t leased_at,
    absl::string_view report, absl::Time now) {
  if (stage_ == 0 || lost.empty()) {
    return absl::InvalidArgumentError(
        "a repair needs a previous stage and at least one lost task");
  }
  for (uint64_t i : lost) {
    if (i >= previous_payloads_.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("lost task ", i, " is out of range: stage ", stage_ - 1,
                       " had ", previous_payloads_.size(), " tasks"));
    }
  }
  auto read_before_repair = [&](uint64_t i) {
    auto repaired = repaired_before_.find(i);
    return repaired != repaired_before_.end() && leased_at < repaired->second;
  };
  // The reruns this report would start, counted before anything changes
  // (`lost` may name a task twice).
  std::vector<uint64_t> fresh;
  for (uint64_t i : lost) {
    if (!repair_attempts_.contains(i) && !read_before_repair(i)) {
      fresh.push_back(i);
    }
  }
  std::sort(fresh.begin(), fresh.end());
  fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
  const uint64_t limit = max_repairs();
  if (fresh.size() > limit || repairs_ > limit - fresh.size()) {
    std::string store = kind_ != nullptr ? kind_->IntermediateStore(ctx_) : "";
    constexpr size_t kMaxReport = 500;
    Fail(absl::StrCat(
             "lost intermediate data: stage ", stage_,
             " keeps finding the "
             "output of stage ",
             stage_ - 1, " missing from ",
             store.empty() ? std::string("the job's intermediate store")
                           : absl::StrCat("the store ", store),
             " after ", repairs_, " rerun(s) of its tasks, the job's limit (",
             spec_.max_repairs() > 0
                 ? absl::StrCat("max_repairs=", limit)
                 : absl::StrCat("max_repairs default: 3 x ",
                                previous_payloads_.size(), " tasks = ", limit),
             "). The store must be shared by all workers: one filesystem, "
             "mounted at the same path on the coordinator and on every "
             "worker; a store directory local to each worker is the common "
             "cause (in Kubernetes, put it on the shared volume: "
             "docs/DEPLOY.md). Last report, from task ",
             waiting, ": ", report.substr(0, kMaxReport),
             report.size() > kMaxReport ? "..." : ""),
         now);
    return absl::FailedPreconditionError(error_);
  }
  RepairPlan plan;
  absl::btree_set<uint64_t>& needs = waiting_[waiting];
  for (uint64_t i : lost) {
    if (read_before_repair(i) && !repair_attempts_.contains(i)) continue;
    needs.insert(i);
    if (repair_attempts_.emplace(i, 0).second) plan.to_run.push_back(i);
  }
  repairs_ += plan.to_run.size();
  if (needs.empty()) {
    waiting_.erase(waiting);
    plan.requeue_now = true;
  }
  return plan;
}

uint32_t JobRecord::StartRepairAttempt(uint64_t previous_index) {
  counts_.set_running(counts_.running() + 1);
  return ++repair_attempts_[previous_index];
}

void JobRecord::UndoRepairAttempt(uint64_t previous_index) {
  auto it = repair_attempts_.find(previous_index);
  if (it != repair_attempts_.end() && it->second > 0) --it->second;
}

uint64_t JobRecord::max_repairs() const {
  if (spec_.max_repairs() > 0) return spec_.max_repairs();
  return 3 * static_cast<uint64_t>(previous_payloads_.size());
}

std::vector<uint64_t> JobRecord::RepairDone(uint64_t previous_index,
                                            uint64_t next_lease) {
  std::vector<uint64_t> ready;
  if (repair_attempts_.erase(previous_index) == 0) return ready;
  counts_.set_rerun(counts_.rerun() + 1);
  repaired_before_[previous_index] = next_lease;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    it->second.erase(previous_index);
    if (it->second.empty()) {
      ready.push_back(it->first);
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
  return ready;
}

std::vector<uint64_t> JobRecord::RepairFailed(uint64_t previous_index) {
  std::vector<uint64_t> stuck;
  if (repair_attempts_.erase(previous_index) == 0) return stuck;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->second.contains(previous_index)) {
      stuck.push_back(it->first);
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
  return stuck;
}

std::optional<absl::Duration> JobRecord::MedianRunTime() const {
  if (run_times_.empty()) return std::nullopt;
  std::vector<float> copy = run_times_;
  auto mid = copy.begin() + static_cast<ptrdiff_t>(copy.size() / 2);
  std::nth_element(copy.begin(), mid, copy.end());
  return absl::Seconds(*mid);
}

void JobRecord::Finish(v1::JobState state, std::string error, absl::Time now,
                       bool retryable) {
  state_ = state;
  error_ = std::move(error);
  ended_ = now;
  retryable_ = retryable;
  counts_.set_running(0);
  if (retryable) return;  // Retry needs the tasks and the reducer
  // The tasks are done with: release their memory, keep the summary.
  std::vector<std::string>().swap(payloads_);
  std::vector<std::string>().swap(previous_payloads_);
  std::vector<uint32_t>().swap(attempts_);
  std::vector<float>().swap(run_times_);
  repair_attempts_.clear();
  waiting_.clear();
  reducer_.reset();
}

v1::Progress JobRecord::Progress(absl::Time now, uint32_t workers) const {
  v1::Progress p;
  p.set_job_id(id_);
  p.set_kind(spec_.kind());
  p.set_name(spec_.name());
  p.set_state(state_);
  *p.mutable_tasks() = counts_;
  const absl::Time end = finished() ? ended_ : now;
  p.set_wall_seconds(std::max(0.0, absl::ToDoubleSeconds(end - submitted_)));
  p.set_worker_seconds(worker_seconds_);
  p.set_error(error_);
  p.set_workers(workers);
  p.set_partial(partial());
  p.set_stage(stage_);
  p.set_stages(kind_ != nullptr ? num_stages() : 0);
  return p;
}

}  // namespace gridless
