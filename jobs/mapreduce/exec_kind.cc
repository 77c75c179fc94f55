// `exec`: runs a command once per shard, the way a grid runs an existing
// program over many inputs, and collects each shard's stdout.
//
// Stage 0, task s of `shards`: runs `command` (a list: program and
// arguments, no shell) with the placeholders {shard} (s), {shards},
// {input} (with `input`: the s-th file of the glob; then shards defaults to
// the number of files) and {output} replaced, and the environment variables
// GRIDLESS_SHARD and GRIDLESS_SHARDS set (in the worker's environment
// without any other GRIDLESS_* variable, so never its token; see
// common/subprocess.h).  Its stdout is written to
// OUTPUT/part-SSSSS atomically (temp file + rename); stdin is /dev/null.
// The process runs in its own process group, which is killed on timeout
// (timeout_s) or when the task is cancelled.  Outcome:
//   exit 0                          -> the shard succeeded
//   exit in retryable_exit_codes    -> UNAVAILABLE (retried; default [75],
//                                      EX_TEMPFAIL)
//   any other exit status           -> FAILED_PRECONDITION (permanent)
//   killed by a signal (OOM, ...)   -> UNAVAILABLE (retried)
//   timeout                         -> DEADLINE_EXCEEDED (retried)
//   command not found               -> NOT_FOUND (permanent)
// Errors name the shard and the command and carry the last 2 KiB of stderr.
//
// Stage 1, one task: checks every part file is there with the size its
// shard reported (a missing one is DATA_LOSS naming the shard as a lost map
// task, see lost_map_tasks.h), then runs `reduce_command` if given, with
// {parts} (each part file, as separate arguments, in order), {output} and
// {shards} replaced, its stdout written atomically to OUTPUT/reduced.
//
// A worker holding a secret in a file refuses exec tasks: Prepare fails with
// FAILED_PRECONDITION (exec_policy.h).  A coordinator admits exec jobs only
// with --allow-exec (coordinator/exec_admission.h).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/subprocess.h"
#include "common/sv.h"
#include "jobs/builtin_kinds.h"
#include "jobs/mapreduce/byte_codec.h"
#include "jobs/mapreduce/exec_policy.h"
#include "jobs/mapreduce/file_util.h"
#include "jobs/mapreduce/input_splits.h"
#include "jobs/mapreduce/lost_map_tasks.h"
#include "jobs/pod_codec.h"

namespace gridless {
namespace mapreduce {
namespace {

constexpr size_t kStderrInMessage = 2048;
constexpr std::string_view kReducedName = "reduced";
constexpr int64_t kMaxShards = 10'000'000;

struct ExecParams {
  std::vector<std::string> command;
  std::vector<std::string> reduce_command;
  std::string input;
  std::string output;  // absolute
  int64_t shards = 1;
  double timeout_s = 0;
  std::vector<int64_t> retryable_exit_codes = {75};
  bool sync_output = true;
};

absl::StatusOr<ExecParams> ReadExecParams(const Params& p) {
  if (auto s = p.CheckKnown({"command", "shards", "input", "output",
                             "timeout_s", "retryable_exit_codes",
                             "reduce_command", "sync_output"});
      !s.ok()) {
    return s;
  }
  ExecParams e;
  auto command = p.StringList("command");
  if (!command.ok()) return command.status();
  if (command->empty() || (*command)[0].empty()) {
    return absl::InvalidArgumentError(
        "parameter \"command\" is required: a list such as [\"./model\", "
        "\"--shard\", \"{shard}\", \"--of\", \"{shards}\"]");
  }
  e.command = *command;
  auto reduce = p.StringList("reduce_command");
  if (!reduce.ok()) return reduce.status();
  e.reduce_command = *reduce;
  auto input = p.String("input", "");
  if (!input.ok()) return input.status();
  e.input = *input;
  auto output = p.String("output", "");
  if (!output.ok()) return output.status();
  if (output->empty()) {
    return absl::InvalidArgumentError("parameter \"output\" is required");
  }
  e.output = AbsolutePath(*output);
  auto shards = p.Int("shards", 1, 1, kMaxShards);
  if (!shards.ok()) return shards.status();
  e.shards = *shards;
  auto timeout = p.Double("timeout_s", 0, 0, 1e7);
  if (!timeout.ok()) return timeout.status();
  e.timeout_s = *timeout;
  if (p.Has("retryable_exit_codes")) {
    auto codes = p.IntList("retryable_exit_codes", 1, 255);
    if (!codes.ok()) return codes.status();
    e.retryable_exit_codes = *codes;
  }
  auto sync = p.Bool("sync_output", true);
  if (!sync.ok()) return sync.status();
  e.sync_output = *sync;
  return e;
}

struct ShardPayload {
  uint64_t shard = 0;
  uint64_t shards = 0;
  std::string input;
  std::string output;
};

struct ShardOutput {
  uint64_t shard = 0;
  std::string path;
  uint64_t bytes = 0;
};

// Partial of both stages: tag 'E', the shards' part files in shard order,
// and (stage 1) the reduce output.
struct ExecPartial {
  std::vector<ShardOutput> shards;
  std::string reduced_path;  // "" when no reduce command ran
  uint64_t reduced_bytes = 0;
};

std::string EncodePartial(const ExecPartial& p) {
  ByteWriter w;
  w.Byte('E');
  w.Varint(p.shards.size());
  for (const auto& s : p.shards) {
    w.Varint(s.shard);
    w.Bytes(s.path);
    w.Varint(s.bytes);
  }
  w.Bytes(p.reduced_path);
  w.Varint(p.reduced_bytes);
  return w.Take();
}

absl::StatusOr<ExecPartial> DecodePartial(std::string_view bytes) {
  ByteReader r(bytes, "exec partial");
  auto tag = r.Byte();
  if (!tag.ok()) return tag.status();
  if (*tag != 'E') return absl::InvalidArgumentError("exec partial: wrong tag");
  auto n = r.Varint();
  if (!n.ok()) return n.status();
  if (*n > bytes.size()) {
    return absl::InvalidArgumentError("exec partial: bad count");
  }
  ExecPartial p;
  for (uint64_t i = 0; i < *n; ++i) {
    ShardOutput s;
    auto shard = r.Varint();
    if (!shard.ok()) return shard.status();
    auto path = r.Bytes();
    if (!path.ok()) return path.status();
    auto b = r.Varint();
    if (!b.ok()) return b.status();
    p.shards.push_back({*shard, std::string(*path), *b});
  }
  auto rp = r.Bytes();
  if (!rp.ok()) return rp.status();
  p.reduced_path = std::string(*rp);
  auto rb = r.Varint();
  if (!rb.ok()) return rb.status();
  p.reduced_bytes = *rb;
  if (auto s = r.ExpectDone(); !s.ok()) return s;
  return p;
}

// Partials come from workers and are hostile: this checks one against the
// job before the coordinator keeps, merges, plans from or finalizes it.
// Shards are in strictly increasing order (none listed twice), each below
// the job's shards (with "input", below the largest shard count a job may
// have: Merge cannot afford to expand the glob), each the part file
// OUTPUT/part-SSSSS of its shard, and the reduce output, if any, is
// OUTPUT/reduced.  INVALID_ARGUMENT naming the shard or file.
absl::Status CheckPartial(const ExecPartial& p, const ExecParams& params) {
  const uint64_t limit =
      static_cast<uint64_t>(params.input.empty() ? params.shards : kMaxShards);
  for (size_t i = 0; i < p.shards.size(); ++i) {
    const ShardOutput& s = p.shards[i];
    if (s.shard >= limit) {
      return absl::InvalidArgumentError(
          Cat("exec partial refused: shard ", s.shard, " of a job with ", limit,
              params.input.empty() ? " shards" : " shards at most"));
    }
    if (i > 0 && p.shards[i - 1].shard >= s.shard) {
      return absl::InvalidArgumentError(Cat("exec partial refused: shard ",
                                            s.shard,
                                            " is out of order or listed "
                                            "twice"));
    }
    if (s.path != PartPath(params.output, s.shard)) {
      return absl::InvalidArgumentError(Cat(
          "exec partial refused: shard ", s.shard, " names \"", s.path,
          "\", not its part file \"", PartPath(params.output, s.shard), "\""));
    }
  }
  if (!p.reduced_path.empty() &&
      p.reduced_path != Cat(params.output, "/", kReducedName)) {
    return absl::InvalidArgumentError(
        Cat("exec partial refused: reduce output \"", p.reduced_path,
            "\" is not \"", params.output, "/", kReducedName, "\""));
  }
  return absl::OkStatus();
}

std::string Describe(const std::vector<std::string>& argv) {
  std::string s = absl::StrJoin(argv, " ");
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return Cat("\"", s, "\"");
}

std::string StderrNote(const SubprocessResult& r) {
  if (r.stderr_tail.empty()) return "";
  std::string tail = r.stderr_tail;
  if (tail.size() > kStderrInMessage) {
    tail = "..." + tail.substr(tail.size() - kStderrInMessage);
  }
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) {
    tail.pop_back();
  }
  return Cat("; stderr: ", tail);
}

// Maps a finished process to the task's status.
absl::Status Outcome(const SubprocessResult& r, std::string_view who,
                     const std::vector<std::string>& argv,
                     const ExecParams& params) {
  std::string prefix = Cat(who, ": command ", Describe(argv));
  switch (r.end) {
    case SubprocessResult::End::kExited: {
      if (r.exit_code == 0) return absl::OkStatus();
      bool retry = std::find(params.retryable_exit_codes.begin(),
                             params.retryable_exit_codes.end(),
                             r.exit_code) != params.retryable_exit_codes.end();
      std::string msg = Cat(prefix, " exited with status ", r.exit_code,
                            retry ? " (retryable)" : "", StderrNote(r));
      return retry ? absl::UnavailableError(msg)
                   : absl::FailedPreconditionError(msg);
    }
    case SubprocessResult::End::kSignaled:
      return absl::UnavailableError(Cat(prefix, " was killed by signal ",
                                        r.signal, " (", strsignal(r.signal),
                                        ")", StderrNote(r)));
    case SubprocessResult::End::kTimedOut:
      return absl::DeadlineExceededError(
          Cat(prefix, " ran past timeout_s=", params.timeout_s,
              " and its process group was killed", StderrNote(r)));
    case SubprocessResult::End::kCancelled:
      return absl::CancelledError(Cat(prefix, " cancelled"));
  }
  return absl::InternalError("unreachable");
}

class ExecRunner final : public TaskRunner {
 public:
  explicit ExecRunner(ExecParams params) : params_(std::move(params)) {}

  absl::StatusOr<std::string> Run(const TaskContext& task) override {
    if (task.stage == 0) return RunShard(task);
    if (task.stage == 1) return RunCollect(task);
    return absl::InvalidArgumentError(
        Cat("exec job has no stage ", task.stage));
  }

 private:
  absl::StatusOr<SubprocessResult> Spawn(const TaskContext& task,
                                         std::vector<std::string> argv,
                                         std::vector<std::string> env,
                                         int stdout_fd,
                                         std::string_view who) const {
    RunSubprocessOptions opts;
    opts.argv = std::move(argv);
    opts.extra_env = std::move(env);
    opts.stdout_fd = stdout_fd;
    if (params_.timeout_s > 0) opts.timeout = absl::Seconds(params_.timeout_s);
    opts.cancelled = [&task] { return task.cancelled(); };
    auto r = RunSubprocess(opts);
    if (!r.ok()) {
      return absl::Status(r.status().code(),
                          Cat(who, ": ", r.status().message()));
    }
    return r;
  }

  absl::StatusOr<std::string> RunShard(const TaskContext& task) {
    ByteReader rd(task.payload, "exec task payload");
    ShardPayload p;
    auto shard = rd.Varint();
    auto shards = rd.Varint();
    auto input = rd.Bytes();
    auto output = rd.Bytes();
    if (!output.ok() || !input.ok() || !shards.ok() || !shard.ok()) {
      return absl::DataLossError("exec task payload: truncated");
    }
    p = {*shard, *shards, std::string(*input), std::string(*output)};
    std::string who = Cat("shard ", p.shard);
    std::vector<std::string> argv;
    for (const auto& a : params_.command) {
      argv.push_back(absl::StrReplaceAll(a, {{"{shard}", Cat(p.shard)},
                                             {"{shards}", Cat(p.shards)},
                                             {"{input}", p.input},
                                             {"{output}", p.output}}));
    }
    if (auto s = MakeDirs(p.output); !s.ok()) return s;
    AtomicFileWriter out;
    std::string path = PartPath(p.output, p.shard);
    if (auto s = out.Open(path); !s.ok()) return s;
    std::vector<std::string> env = {Cat("GRIDLESS_SHARD=", p.shard),
                                    Cat("GRIDLESS_SHARDS=", p.shards)};
    if (!p.input.empty()) env.push_back("GRIDLESS_INPUT=" + p.input);
    auto r = Spawn(task, argv, env, out.fd(), who);
    if (!r.ok()) return r.status();
    if (auto s = Outcome(*r, who, argv, params_); !s.ok()) return s;
    if (auto s = out.SyncSizeFromFile(); !s.ok()) return s;
    if (auto s = out.Commit(params_.sync_output); !s.ok()) return s;
    ExecPartial partial;
    partial.shards.push_back({p.shard, path, out.bytes()});
    return EncodePartial(partial);
  }

  absl::StatusOr<std::string> RunCollect(const TaskContext& task) {
    ByteReader rd(task.payload, "exec collect payload");
    auto output_view = rd.Bytes();
    if (!output_view.ok()) return output_view.status();
    std::string output(*output_view);
    auto shards_view = rd.Bytes();
    if (!shards_view.ok()) return shards_view.status();
    auto partial = DecodePartial(*shards_view);
    if (!partial.ok()) return partial.status();
    std::vector<uint64_t> lost;
    std::string first;
    for (const auto& s : partial->shards) {
      struct stat st;
      if (::stat(s.path.c_str(), &st) != 0 ||
          static_cast<uint64_t>(st.st_size) != s.bytes) {
        lost.push_back(s.shard);
        if (first.empty()) first = s.path;
      }
    }
    if (!lost.empty()) {
      return LostMapTasksError(lost,
                               Cat(lost.size(), " shard output(s) missing or ",
                                   "changed (first: ", first, ")"));
    }
    if (params_.reduce_command.empty()) return EncodePartial(*partial);
    std::vector<std::string> argv;
    for (const auto& a : params_.reduce_command) {
      if (a == "{parts}") {
        for (const auto& s : partial->shards) argv.push_back(s.path);
        continue;
      }
      argv.push_back(absl::StrReplaceAll(
          a,
          {{"{shards}", Cat(partial->shards.size())}, {"{output}", output}}));
    }
    AtomicFileWriter out;
    std::string path = Cat(output, "/", kReducedName);
    if (auto s = out.Open(path); !s.ok()) return s;
    auto r = Spawn(task, argv, {}, out.fd(), "reduce");
    if (!r.ok()) return r.status();
    if (auto s = Outcome(*r, "reduce", argv, params_); !s.ok()) return s;
    if (auto s = out.SyncSizeFromFile(); !s.ok()) return s;
    if (auto s = out.Commit(params_.sync_output); !s.ok()) return s;
    partial->reduced_path = path;
    partial->reduced_bytes = out.bytes();
    return EncodePartial(*partial);
  }

  ExecParams params_;
};

class ExecKind final : public JobKind {
 public:
  std::string_view Name() const override { return "exec"; }
  std::string_view Description() const override {
    return "runs a command once per shard (with {shard}/{shards}/{input} "
           "placeholders) and collects each shard's stdout as part-NNNNN";
  }
  std::vector<ParamInfo> Parameters() const override {
    return {
        {"command", "list", "",
         "program and arguments (no shell); {shard}, {shards}, {input}, "
         "{output} are replaced"},
        {"shards", "int", "1",
         "tasks to run, 1..10000000 (with input: defaults to the number of "
         "files)"},
        {"input", "string", "",
         "optional glob: one shard per file, passed as {input} and "
         "$GRIDLESS_INPUT"},
        {"output", "string", "",
         "directory for part-NNNNN (each shard's stdout) and `reduced`"},
        {"timeout_s", "double", "0",
         "seconds one run may take before its process group is killed "
         "(retryable); 0 = none"},
        {"retryable_exit_codes", "list", "[75]",
         "exit statuses that are retried (others fail the shard for good)"},
        {"reduce_command", "list", "",
         "optional command run once after all shards; {parts} expands to "
         "the part files; its stdout goes to OUTPUT/reduced"},
        {"sync_output", "bool", "true", "fsync output files before renaming"},
    };
  }
  uint32_t NumStages() const override { return 2; }

  absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext& ctx) const override {
    auto p = ReadExecParams(ctx.job.params);
    if (!p.ok()) return p.status();
    std::vector<std::string> tasks;
    if (ctx.stage == 1) {
      if (ctx.previous.empty()) {
        return absl::DataLossError("exec: no shard results to collect");
      }
      auto shards = DecodePartial(ctx.previous);
      if (!shards.ok()) return shards.status();
      if (auto s = CheckPartial(*shards, *p); !s.ok()) return s;
      ByteWriter w;  // the planner's absolute output dir, then the shards
      w.Bytes(p->output);
      w.Bytes(ctx.previous);
      tasks.push_back(w.Take());
      return tasks;
    }
    std::vector<std::string> files;
    uint64_t shards = static_cast<uint64_t>(p->shards);
    if (!p->input.empty()) {
      auto f = ExpandInput(p->input);
      if (!f.ok()) return f.status();
      files = *std::move(f);
      if (ctx.job.params.Has("shards") && shards != files.size()) {
        return absl::InvalidArgumentError(
            Cat("parameter \"shards\": ", shards, " shards for ", files.size(),
                " input files; with \"input\" there is one shard per file"));
      }
      shards = files.size();
    }
    if (auto s = CheckTaskCount(ctx, shards); !s.ok()) return s;
    if (auto s = MakeDirs(p->output); !s.ok()) return s;
    for (uint64_t i = 0; i < shards; ++i) {
      ByteWriter w;
      w.Varint(i);
      w.Varint(shards);
      w.Bytes(files.empty() ? std::string_view() : files[i]);
      w.Bytes(p->output);
      tasks.push_back(w.Take());
    }
    return tasks;
  }

  absl::StatusOr<std::unique_ptr<TaskRunner>> Prepare(
      const JobContext& job) const override {
    if (std::string refusal = ExecRefusal(); !refusal.empty()) {
      return absl::FailedPreconditionError(refusal);
    }
    auto p = ReadExecParams(job.params);
    if (!p.ok()) return p.status();
    return std::make_unique<ExecRunner>(*std::move(p));
  }

  // The shards' outputs live in the output directory until collected.
  std::string IntermediateStore(const JobContext& job) const override {
    auto p = ReadExecParams(job.params);
    return p.ok() ? p->output : "";
  }

  absl::Status Merge(std::string& acc, std::string_view right,
                     const JobContext& job) const override {
    auto p = ReadExecParams(job.params);
    if (!p.ok()) return p.status();
    auto b = DecodePartial(right);
    if (!b.ok()) return RefusedPartial(b.status());
    if (auto s = CheckPartial(*b, *p); !s.ok()) return s;
    if (acc.empty()) {
      acc = std::string(right);
      return absl::OkStatus();
    }
    auto a = DecodePartial(acc);
    if (!a.ok()) return RefusedPartial(a.status());
    if (!a->reduced_path.empty() && !b->reduced_path.empty()) {
      return absl::InvalidArgumentError(
          "exec partial refused: both sides of a merge carry a reduce "
          "output (the job has one reduce task)");
    }
    for (auto& s : b->shards) a->shards.push_back(std::move(s));
    if (a->reduced_path.empty()) {
      a->reduced_path = b->reduced_path;
      a->reduced_bytes = b->reduced_bytes;
    }
    // Also refuses a right side whose shards do not come after acc's.
    if (auto s = CheckPartial(*a, *p); !s.ok()) return s;
    acc = EncodePartial(*a);
    return absl::OkStatus();
  }

  absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext& job, std::string_view acc) const override {
    auto p = ReadExecParams(job.params);
    if (!p.ok()) return p.status();
    auto partial = DecodePartial(acc);
    if (!partial.ok()) return partial.status();
    if (auto s = CheckPartial(*partial, *p); !s.ok()) return s;
    google::protobuf::Struct result;
    auto& f = *result.mutable_fields();
    auto* files = f["files"].mutable_list_value();
    uint64_t bytes = 0;
    for (const auto& s : partial->shards) {
      struct stat st;
      if (::stat(s.path.c_str(), &st) != 0 ||
          static_cast<uint64_t>(st.st_size) != s.bytes) {
        return absl::DataLossError(
            Cat("output file \"", s.path, "\" of shard ", s.shard,
                " is missing or changed after the job wrote it"));
      }
      files->add_values()->set_string_value(s.path);
      bytes += s.bytes;  // each matches a file's size: no overflow
    }
    TidyOutputDirectory(p->output, partial->shards.size());
    f["output"].set_string_value(p->output);
    f["shards"].set_number_value(static_cast<double>(partial->shards.size()));
    f["bytes"].set_number_value(static_cast<double>(bytes));
    if (!partial->reduced_path.empty()) {
      f["reduced"].set_string_value(partial->reduced_path);
      f["reduced_bytes"].set_number_value(
          static_cast<double>(partial->reduced_bytes));
    }
    return result;
  }
};

}  // namespace
}  // namespace mapreduce

std::unique_ptr<JobKind> NewExecKind() {
  return std::make_unique<mapreduce::ExecKind>();
}

}  // namespace gridless
