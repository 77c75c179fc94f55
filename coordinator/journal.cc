#include "coordinator/journal.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace gridless {
namespace {

// "GRLS": marks a SQLite file as a Gridless journal.
constexpr int kApplicationId = 0x47524C53;
constexpr int kFormatVersion = 1;

constexpr const char* kSchema = R"sql(
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
CREATE TABLE IF NOT EXISTS tasks (
  job_id TEXT NOT NULL,
  stage INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  partial BLOB NOT NULL,
  run_seconds REAL NOT NULL,
  PRIMARY KEY (job_id, stage, idx)
) WITHOUT ROWID;
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

}  // namespace

struct Journal::Pending {
  struct Job {
    std::string job_id;
    std::string spec;
    int64_t submitted_ns;
  };
  struct Task {
    std::string job_id;
    TaskDone task;
  };
  struct End {
    std::string job_id;
    int state;
    std::string error;
    std::string result;
    double wall_seconds;
  };
  std::vector<Job> jobs;
  std::vector<Task> tasks;
  std::vector<End> ends;
  size_t size() const { return jobs.size() + tasks.size() + ends.size(); }
};

Journal::Journal(std::string path, sqlite3* db)
    : path_(std::move(path)), db_(db), pending_(std::make_unique<Pending>()) {}

Journal::~Journal() {
  absl::MutexLock lock(&mu_);
  sqlite3_close(db_);
}

absl::Status Journal::Error(const char* what) {
  return absl::FailedPreconditionError(absl::StrCat(
      "journal ", path_, ": ", what, ": ", sqlite3_errmsg(db_)));
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
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot open journal ", path, ": ", msg,
        " (check the directory exists and is writable)"));
  }
  std::unique_ptr<Journal> journal(new Journal(path, db));
  absl::MutexLock lock(&journal->mu_);
  sqlite3_busy_timeout(db, 5000);
  // Reading the header first tells a foreign or corrupt file apart before
  // anything is written to it.
  int app_id = 0, version = 0, objects = 0;
  {
    Statement s(db, "PRAGMA application_id");
    if (!s.ok() || sqlite3_step(s.get()) != SQLITE_ROW) {
      return absl::FailedPreconditionError(absl::StrCat(
          "journal ", path, " is not a Gridless journal (",
          sqlite3_errmsg(db),
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
  if (version > kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "journal ", path, " has format ", version, "; this build reads up to ",
        kFormatVersion, ": run a newer gridless-coordinator"));
  }
  if (auto s = journal->Exec("PRAGMA journal_mode=WAL"); !s.ok()) return s;
  if (auto s = journal->Exec("PRAGMA synchronous=NORMAL"); !s.ok()) return s;
  if (objects == 0) {
    if (auto s = journal->Exec(kSchema); !s.ok()) return s;
    if (auto s = journal->Exec(absl::StrCat("PRAGMA application_id=",
                                            kApplicationId, "; PRAGMA user_version=",
                                            kFormatVersion)
                                   .c_str());
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
  absl::MutexLock lock(&mu_);
  pending_->jobs.push_back(
      {job_id, spec.SerializeAsString(), absl::ToUnixNanos(submitted)});
}

void Journal::RecordTaskDone(const std::string& job_id, const TaskDone& task) {
  absl::MutexLock lock(&mu_);
  pending_->tasks.push_back({job_id, task});
}

void Journal::RecordJobEnd(const std::string& job_id, v1::JobState state,
                           const std::string& error,
                           const google::protobuf::Struct& result,
                           double wall_seconds) {
  absl::MutexLock lock(&mu_);
  pending_->ends.push_back({job_id, static_cast<int>(state), error,
                            result.SerializeAsString(), wall_seconds});
}

void Journal::RecordJobReopen(const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  pending_->ends.push_back(
      {job_id, static_cast<int>(v1::JOB_STATE_RUNNING), "", "", 0});
}

size_t Journal::pending() const {
  absl::MutexLock lock(&mu_);
  return pending_->size();
}

absl::Status Journal::Flush() {
  absl::MutexLock lock(&mu_);
  if (pending_->size() == 0) return absl::OkStatus();
  if (auto s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  auto fail = [&](const char* what) {
    absl::Status s = Error(what);
    (void)Exec("ROLLBACK");
    return s;
  };
  {
    Statement ins(db_,
                  "INSERT OR IGNORE INTO jobs (job_id, spec, submitted_unix_ns, "
                  "state) VALUES (?, ?, ?, ?)");
    if (!ins.ok()) return fail("prepare job insert");
    for (const auto& j : pending_->jobs) {
      ins.BindText(1, j.job_id);
      ins.BindBlob(2, j.spec);
      sqlite3_bind_int64(ins.get(), 3, j.submitted_ns);
      sqlite3_bind_int(ins.get(), 4, v1::JOB_STATE_RUNNING);
      if (ins.Run() != SQLITE_DONE) return fail("write job");
    }
  }
  {
    Statement ins(db_,
                  "INSERT OR IGNORE INTO tasks (job_id, stage, idx, partial, "
                  "run_seconds) VALUES (?, ?, ?, ?, ?)");
    if (!ins.ok()) return fail("prepare task insert");
    for (const auto& t : pending_->tasks) {
      ins.BindText(1, t.job_id);
      sqlite3_bind_int64(ins.get(), 2, t.task.stage);
      sqlite3_bind_int64(ins.get(), 3, static_cast<int64_t>(t.task.index));
      ins.BindBlob(4, t.task.partial);
      sqlite3_bind_double(ins.get(), 5, t.task.run_seconds);
      if (ins.Run() != SQLITE_DONE) return fail("write task");
    }
  }
  {
    Statement upd(db_,
                  "UPDATE jobs SET state = ?, error = ?, result = ?, "
                  "wall_seconds = ? WHERE job_id = ?");
    Statement del(db_, "DELETE FROM tasks WHERE job_id = ?");
    if (!upd.ok() || !del.ok()) return fail("prepare job end");
    for (const auto& e : pending_->ends) {
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
  if (auto s = Exec("COMMIT"); !s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  pending_ = std::make_unique<Pending>();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Journal::JobRecord>> Journal::Load() {
  absl::MutexLock lock(&mu_);
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
      return absl::DataLossError(absl::StrCat(
          "journal ", path_, ": job ", r.job_id, " has a corrupt spec"));
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
              "SELECT stage, idx, partial, run_seconds FROM tasks WHERE "
              "job_id = ? ORDER BY stage, idx");
  if (!t.ok()) return Error("read tasks");
  for (auto& job : jobs) {
    if (job.state != v1::JOB_STATE_RUNNING) continue;
    t.BindText(1, job.job_id);
    while ((rc = sqlite3_step(t.get())) == SQLITE_ROW) {
      TaskDone d;
      d.stage = static_cast<uint32_t>(sqlite3_column_int64(t.get(), 0));
      d.index = static_cast<uint64_t>(sqlite3_column_int64(t.get(), 1));
      d.partial = t.ColumnBytes(2);
      d.run_seconds = sqlite3_column_double(t.get(), 3);
      job.done.push_back(std::move(d));
    }
    sqlite3_reset(t.get());
    if (rc != SQLITE_DONE) return Error("read tasks");
  }
  return jobs;
}

}  // namespace gridless
