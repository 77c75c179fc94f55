#include "coordinator/journal.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/varint.h"
#include "coordinator/metrics.h"

namespace gridless {
namespace {

// "GRLS": marks a SQLite file as a Gridless journal.
constexpr int kApplicationId = 0x47524C53;
// 2: merged tasks are stored as one blob of records per job per commit
// (task_batches), not one row per task.
// 3: forgotten jobs (--keep-finished-jobs) are deleted; table `counters`
// keeps the highest job number forgotten, so that numbering carries on.
// A format-2 journal is upgraded in place (the table is added).
constexpr int kFormatVersion = 3;
constexpr int kOldestUpgradable = 2;

// A new journal gets the format-2 tables, then every upgrade after 2 (the
// same path an older journal takes), so each table is defined once.
constexpr const char* kFormat2Schema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL UNIQUE,
  spec BLOB NOT NULL,            -- serialized gridless.v1.JobSpec
  submitted_unix_ns INTEGER NOT NULL,
  state INTEGER NOT NULL,        -- gridless.v1.JobState
  error TEXT NOT NULL DEFAULT '',
  result BLOB,                   -- serialized google.protobuf.Struct
  wall_seconds REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS task_batches (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL,
  records BLOB NOT NULL          -- TaskDone records, see EncodeTaskDone
);
CREATE INDEX IF NOT EXISTS task_batches_by_job ON task_batches (job_id);
)sql";

// 2 -> 3.
constexpr const char* kFormat3Upgrade = R"sql(
CREATE TABLE IF NOT EXISTS counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
)sql";

// RAII for a prepared statement.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void BindText(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()),
                      SQLITE_TRANSIENT);
  }
  void BindBlob(int i, const std::string& s) {
    sqlite3_bind_blob(stmt_, i, s.data(), static_cast<int>(s.size()),
                      SQLITE_TRANSIENT);
  }
  std::string ColumnBytes(int i) {
    const void* p = sqlite3_column_blob(stmt_, i);
    int n = sqlite3_column_bytes(stmt_, i);
    return p == nullptr ? std::string()
                        : std::string(static_cast<const char*>(p), n);
  }
  // Steps a statement that returns no rows, then resets it for reuse.
  int Run() {
    int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return rc;
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

// One merged task in a batch blob: varint stage, varint index, 8-byte
// little-endian run_seconds, varint partial size, partial bytes.  Varints
// are common/varint.h's.
void EncodeTaskDone(std::string& out, const Journal::TaskDone& t) {
  PutVarint(out, t.stage);
  PutVarint(out, t.index);
  char seconds[sizeof(double)];
  std::memcpy(seconds, &t.run_seconds, sizeof seconds);
  out.append(seconds, sizeof seconds);
  PutVarint(out, t.partial.size());
  out.append(t.partial);
}

bool DecodeTaskDones(std::string_view in, std::vector<Journal::TaskDone>& out) {
  while (!in.empty()) {
    Journal::TaskDone t;
    uint64_t stage, index, size;
    if (!GetVarint(in, stage) || stage > UINT32_MAX || !GetVarint(in, index) ||
        in.size() < sizeof(double)) {
      return false;
    }
    std::memcpy(&t.run_seconds, in.data(), sizeof(double));
    in.remove_prefix(sizeof(double));
    if (!GetVarint(in, size) || size > in.size()) return false;
    t.stage = static_cast<uint32_t>(stage);
    t.index = index;
    t.partial = std::string(in.substr(0, size));
    in.remove_prefix(size);
    out.push_back(std::move(t));
  }
  return true;
}

}  // namespace

struct Journal::Pending {
  struct Job {
    std::string job_id;
    std::string spec;
    int64_t submitted_ns;
  };
  // Encoded TaskDone records per job, in arrival order of the jobs.
  struct Tasks {
    std::string job_id;
    std::string records;
    size_t count = 0;
  };
  struct End {
    std::string job_id;
    int state;
    std::string error;
    std::string result;
    double wall_seconds;
  };
  std::vector<Job> jobs;
  std::vector<Tasks> tasks;
  absl::flat_hash_map<std::string, size_t> tasks_of;  // job_id -> tasks[i]
  size_t task_count = 0;
  std::vector<End> ends;
  struct Forget {
    std::string job_id;
    uint64_t number;
  };
  std::vector<Forget> forgets;
  size_t size() const {
    return jobs.size() + task_count + ends.size() + forgets.size();
  }
  // Appends `later` (recorded after this) to this.
  void Append(Pending&& later) {
    for (Job& j : later.jobs) jobs.push_back(std::move(j));
    for (Tasks& t : later.tasks) {
      auto [it, fresh] = tasks_of.emplace(t.job_id, tasks.size());
      if (fresh) {
        tasks.push_back(std::move(t));
      } else {
        tasks[it->second].records.append(t.records);
        tasks[it->second].count += t.count;
      }
    }
    task_count += later.task_count;
    for (End& e : later.ends) ends.push_back(std::move(e));
    for (Forget& f : later.forgets) forgets.push_back(std::move(f));
  }
};

Journal::Journal(std::string path, sqlite3* db)
    : path_(std::move(path)), db_(db), pending_(std::make_unique<Pending>()) {}

Journal::~Journal() {
  std::lock_guard<std::mutex> lock(db_mu_);
  sqlite3_close(db_);
}

absl::Status Journal::Error(const char* what) {
  return absl::FailedPreconditionError(
      absl::StrCat("journal ", path_, ": ", what, ": ", sqlite3_errmsg(db_)));
}

absl::Status Journal::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return absl::FailedPreconditionError(
        absl::StrCat("journal ", path_, ": ", msg));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(
    const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open journal ", path, ": ", msg,
                     " (check the directory exists and is writable)"));
  }
  std::unique_ptr<Journal> journal(new Journal(path, db));
  std::lock_guard<std::mutex> lock(journal->db_mu_);
  sqlite3_busy_timeout(db, 5000);
  // Reading the header first tells a foreign or corrupt file apart before
  // anything is written to it.
  int app_id = 0, version = 0, objects = 0;
  {
    Statement s(db, "PRAGMA application_id");
    if (!s.ok() || sqlite3_step(s.get()) != SQLITE_ROW) {
      return absl::FailedPreconditionError(absl::StrCat(
          "journal ", path, " is not a Gridless journal (", sqlite3_errmsg(db),
          "); refusing to touch it: pass another --journal file or move it "
          "away"));
    }
    app_id = sqlite3_column_int(s.get(), 0);
  }
  {
    Statement s(db, "PRAGMA user_version");
    if (s.ok() && sqlite3_step(s.get()) == SQLITE_ROW) {
      version = sqlite3_column_int(s.get(), 0);
    }
  }
  {
    Statement s(db, "SELECT count(*) FROM sqlite_master");
    if (!s.ok() || sqlite3_step(s.get()) != SQLITE_ROW) {
      return journal->Error("cannot read the schema (corrupt file?)");
    }
    objects = sqlite3_column_int(s.get(), 0);
  }
  if (objects > 0 && app_id != kApplicationId) {
    return absl::FailedPreconditionError(absl::StrCat(
        "journal ", path,
        " is a SQLite database of another program, not a Gridless journal; "
        "refusing to touch it: pass another --journal file"));
  }
  if (objects > 0 && version < kOldestUpgradable) {
    return absl::FailedPreconditionError(absl::StrCat(
        "journal ", path, " has format ", version,
        " of an older build; this build reads formats ", kOldestUpgradable,
        " to ", kFormatVersion,
        ": finish its jobs with the older gridless-coordinator, or move the "
        "file away"));
  }
  if (version > kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "journal ", path, " has format ", version, "; this build reads up to ",
        kFormatVersion, ": run a newer gridless-coordinator"));
  }
  if (auto s = journal->Exec("PRAGMA journal_mode=WAL"); !s.ok()) return s;
  if (auto s = journal->Exec("PRAGMA synchronous=NORMAL"); !s.ok()) return s;
  if (objects == 0) {
    if (auto s = journal->Exec(kFormat2Schema); !s.ok()) return s;
    if (auto s = journal->Exec(
            absl::StrCat("PRAGMA application_id=", kApplicationId).c_str());
        !s.ok()) {
      return s;
    }
    version = 2;
  }
  if (version < kFormatVersion) {
    if (auto s = journal->Exec(kFormat3Upgrade); !s.ok()) return s;
    if (auto s = journal->Exec(
            absl::StrCat("PRAGMA user_version=", kFormatVersion).c_str());
        !s.ok()) {
      return s;
    }
  }
  {
    Statement s(db, "PRAGMA quick_check");
    if (!s.ok() || sqlite3_step(s.get()) != SQLITE_ROW ||
        std::string(reinterpret_cast<const char*>(
            sqlite3_column_text(s.get(), 0))) != "ok") {
      return journal->Error("integrity check failed (corrupt journal)");
    }
  }
  return journal;
}

void Journal::RecordJob(const std::string& job_id, const v1::JobSpec& spec,
                        absl::Time submitted) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_->jobs.push_back(
      {job_id, spec.SerializeAsString(), absl::ToUnixNanos(submitted)});
}

void Journal::RecordTaskDone(const std::string& job_id, const TaskDone& task) {
  std::lock_guard<std::mutex> lock(mu_);
  Pending& p = *pending_;
  auto [it, fresh] = p.tasks_of.emplace(job_id, p.tasks.size());
  if (fresh) p.tasks.push_back(Pending::Tasks{job_id, std::string(), 0});
  Pending::Tasks& t = p.tasks[it->second];
  EncodeTaskDone(t.records, task);
  ++t.count;
  ++p.task_count;
}

void Journal::RecordJobEnd(const std::string& job_id, v1::JobState state,
                           const std::string& error,
                           const google::protobuf::Struct& result,
                           double wall_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_->ends.push_back({job_id, static_cast<int>(state), error,
                            result.SerializeAsString(), wall_seconds});
}

void Journal::RecordJobReopen(const std::string& job_id) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_->ends.push_back(
      {job_id, static_cast<int>(v1::JOB_STATE_RUNNING), "", "", 0});
}

void Journal::RecordJobForget(const std::string& job_id, uint64_t number) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_->forgets.push_back({job_id, number});
}

size_t Journal::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_->size();
}

absl::Status Journal::Flush() {
  // One flush at a time; records keep arriving (under mu_ only) while this
  // one writes, so the scheduler never waits for SQLite.
  std::lock_guard<std::mutex> db_lock(db_mu_);
  std::unique_ptr<Pending> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_->size() == 0) return absl::OkStatus();
    batch = std::exchange(pending_, std::make_unique<Pending>());
  }
  absl::Status written = Write(*batch);
  if (!written.ok()) {
    // Keep everything for the next try, in order.
    std::lock_guard<std::mutex> lock(mu_);
    batch->Append(std::move(*pending_));
    pending_ = std::move(batch);
  }
  return written;
}

absl::Status Journal::Write(const Pending& batch) {
  ScopedTimer timer(&CoordinatorTelemetry::JournalCommitTook);
  if (auto s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  auto fail = [&](const char* what) {
    absl::Status s = Error(what);
    (void)Exec("ROLLBACK");
    return s;
  };
  {
    Statement ins(
        db_,
        "INSERT OR IGNORE INTO jobs (job_id, spec, submitted_unix_ns, "
        "state) VALUES (?, ?, ?, ?)");
    if (!ins.ok()) return fail("prepare job insert");
    for (const auto& j : batch.jobs) {
      ins.BindText(1, j.job_id);
      ins.BindBlob(2, j.spec);
      sqlite3_bind_int64(ins.get(), 3, j.submitted_ns);
      sqlite3_bind_int(ins.get(), 4, v1::JOB_STATE_RUNNING);
      if (ins.Run() != SQLITE_DONE) return fail("write job");
    }
  }
  {
    Statement ins(db_,
                  "INSERT INTO task_batches (job_id, records) VALUES (?, ?)");
    if (!ins.ok()) return fail("prepare task insert");
    for (const auto& t : batch.tasks) {
      ins.BindText(1, t.job_id);
      ins.BindBlob(2, t.records);
      if (ins.Run() != SQLITE_DONE) return fail("write tasks");
    }
  }
  {
    Statement upd(db_,
                  "UPDATE jobs SET state = ?, error = ?, result = ?, "
                  "wall_seconds = ? WHERE job_id = ?");
    Statement del(db_, "DELETE FROM task_batches WHERE job_id = ?");
    if (!upd.ok() || !del.ok()) return fail("prepare job end");
    for (const auto& e : batch.ends) {
      sqlite3_bind_int(upd.get(), 1, e.state);
      upd.BindText(2, e.error);
      upd.BindBlob(3, e.result);
      sqlite3_bind_double(upd.get(), 4, e.wall_seconds);
      upd.BindText(5, e.job_id);
      if (upd.Run() != SQLITE_DONE) return fail("write job end");
      if (e.state == v1::JOB_STATE_RUNNING) continue;  // a reopen
      del.BindText(1, e.job_id);
      if (del.Run() != SQLITE_DONE) return fail("drop task rows");
    }
  }
  if (!batch.forgets.empty()) {
    Statement del_tasks(db_, "DELETE FROM task_batches WHERE job_id = ?");
    Statement del_job(db_, "DELETE FROM jobs WHERE job_id = ?");
    Statement counter(db_,
                      "INSERT INTO counters (name, value) VALUES "
                      "('last_forgotten_job', ?) ON CONFLICT (name) DO UPDATE "
                      "SET value = max(value, excluded.value)");
    if (!del_tasks.ok() || !del_job.ok() || !counter.ok()) {
      return fail("prepare job forget");
    }
    for (const auto& f : batch.forgets) {
      del_tasks.BindText(1, f.job_id);
      if (del_tasks.Run() != SQLITE_DONE) return fail("forget job tasks");
      del_job.BindText(1, f.job_id);
      if (del_job.Run() != SQLITE_DONE) return fail("forget job");
      sqlite3_bind_int64(counter.get(), 1, static_cast<int64_t>(f.number));
      if (counter.Run() != SQLITE_DONE) return fail("count forgotten job");
    }
  }
  if (auto s = Exec("COMMIT"); !s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Journal::LastForgottenJobNumber() {
  std::lock_guard<std::mutex> lock(db_mu_);
  Statement q(db_,
              "SELECT value FROM counters WHERE name = 'last_forgotten_job'");
  if (!q.ok()) return Error("read counters");
  const int rc = sqlite3_step(q.get());
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) return Error("read counters");
  return static_cast<uint64_t>(sqlite3_column_int64(q.get(), 0));
}

absl::StatusOr<std::vector<Journal::JobRecord>> Journal::Load() {
  std::lock_guard<std::mutex> lock(db_mu_);
  std::vector<JobRecord> jobs;
  Statement q(db_,
              "SELECT job_id, spec, submitted_unix_ns, state, error, result, "
              "wall_seconds FROM jobs ORDER BY seq");
  if (!q.ok()) return Error("read jobs");
  int rc;
  while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
    JobRecord r;
    r.job_id = reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0));
    if (!r.spec.ParseFromString(q.ColumnBytes(1))) {
      return absl::DataLossError(absl::StrCat("journal ", path_, ": job ",
                                              r.job_id, " has a corrupt spec"));
    }
    r.submitted = absl::FromUnixNanos(sqlite3_column_int64(q.get(), 2));
    r.state = static_cast<v1::JobState>(sqlite3_column_int(q.get(), 3));
    r.error = reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 4));
    if (sqlite3_column_type(q.get(), 5) != SQLITE_NULL &&
        !r.result.ParseFromString(q.ColumnBytes(5))) {
      return absl::DataLossError(absl::StrCat(
          "journal ", path_, ": job ", r.job_id, " has a corrupt result"));
    }
    r.wall_seconds = sqlite3_column_double(q.get(), 6);
    jobs.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return Error("read jobs");
  Statement t(db_,
              "SELECT records FROM task_batches WHERE job_id = ? ORDER BY seq");
  if (!t.ok()) return Error("read tasks");
  for (auto& job : jobs) {
    if (job.state != v1::JOB_STATE_RUNNING) continue;
    t.BindText(1, job.job_id);
    std::vector<TaskDone> done;
    while ((rc = sqlite3_step(t.get())) == SQLITE_ROW) {
      if (!DecodeTaskDones(t.ColumnBytes(0), done)) {
        sqlite3_reset(t.get());
        return absl::DataLossError(
            absl::StrCat("journal ", path_, ": job ", job.job_id,
                         " has a corrupt batch of finished tasks; move the "
                         "file away to start afresh (its jobs are lost)"));
      }
    }
    sqlite3_reset(t.get());
    if (rc != SQLITE_DONE) return Error("read tasks");
    // By (stage, index); the first record of a task wins (a task merged
    // twice across a restart has the same partial anyway).
    std::stable_sort(
        done.begin(), done.end(), [](const TaskDone& a, const TaskDone& b) {
          return std::tie(a.stage, a.index) < std::tie(b.stage, b.index);
        });
    for (TaskDone& d : done) {
      if (!job.done.empty() && job.done.back().stage == d.stage &&
          job.done.back().index == d.index) {
        continue;
      }
      job.done.push_back(std::move(d));
    }
  }
  return jobs;
}

}  // namespace gridless
