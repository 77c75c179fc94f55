#include "jobs/mapreduce/shuffle_kind.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/sv.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "jobs/mapreduce/file_util.h"
#include "jobs/mapreduce/lost_map_tasks.h"
#include "jobs/mapreduce/shuffle_codec.h"
#include "jobs/mapreduce/stable_hash.h"
#include "jobs/mapreduce/store.h"
#include "jobs/pod_codec.h"

namespace gridless::mapreduce {
namespace {

constexpr int64_t kDefaultSplitBytes = int64_t{64} << 20;
constexpr std::string_view kDefaultStoreDir = ".gridless-shuffle";

struct CommonParams {
  std::string input;
  std::string output;  // absolute
  std::string store_url;
  bool default_store = false;
  uint32_t reducers = 4;
  uint64_t split_bytes = kDefaultSplitBytes;
  bool keep_intermediate = false;
  bool sync_output = true;
  std::string phase_log;  // "" = none
};

std::vector<ParamInfo> CommonParameters() {
  return {
      {"input", "string", "",
       "input files: a path or a glob (e.g. /data/*.txt), split at record "
       "boundaries"},
      {"output", "string", "",
       "output directory; gets part-00000, part-00001... whose concatenation "
       "in name order is the whole output"},
      {"reducers", "int", "4", "reduce tasks R = output part files, 1..100000"},
      {"store", "string", "file://OUTPUT/.gridless-shuffle",
       "shuffle store URL for intermediate runs, file:///ABSOLUTE/DIR (a "
       "local disk, or a filesystem shared by all workers)"},
      {"split_bytes", "int", "67108864",
       "bytes of input per map task, >= 1 (rounded to whole records)"},
      {"keep_intermediate", "bool", "false",
       "keep the map runs in the store after the job"},
      {"sync_output", "bool", "true", "fsync each output file before renaming"},
      {"phase_log", "string", "",
       "file the planner and tasks append \"PHASE SECONDS\" lines to (plan, "
       "map_read, partition, run_write, reduce_read, merge, output_write), "
       "for benchmarks; default none"},
  };
}

absl::StatusOr<CommonParams> ReadCommon(const Params& p,
                                        const std::vector<ParamInfo>& all) {
  std::vector<std::string> known;
  for (const auto& info : all) known.push_back(info.name);
  if (auto s = p.CheckKnown(known); !s.ok()) return s;
  CommonParams c;
  for (auto [name, out] :
       {std::pair{"input", &c.input}, std::pair{"output", &c.output}}) {
    auto v = p.String(name, "");
    if (!v.ok()) return v.status();
    if (v->empty()) {
      return absl::InvalidArgumentError(
          Cat("parameter \"", name, "\" is required"));
    }
    *out = *v;
  }
  c.output = AbsolutePath(c.output);
  while (c.output.size() > 1 && c.output.back() == '/') c.output.pop_back();
  auto store = p.String("store", "");
  if (!store.ok()) return store.status();
  c.default_store = store->empty();
  c.store_url = c.default_store
                    ? Cat("file://", c.output, "/", kDefaultStoreDir)
                    : *store;
  auto reducers = p.Int("reducers", 4, 1, 100000);
  if (!reducers.ok()) return reducers.status();
  c.reducers = static_cast<uint32_t>(*reducers);
  auto split = p.Int("split_bytes", kDefaultSplitBytes, 1, int64_t{1} << 40);
  if (!split.ok()) return split.status();
  c.split_bytes = static_cast<uint64_t>(*split);
  auto keep = p.Bool("keep_intermediate", false);
  if (!keep.ok()) return keep.status();
  c.keep_intermediate = *keep;
  auto sync = p.Bool("sync_output", true);
  if (!sync.ok()) return sync.status();
  c.sync_output = *sync;
  auto log = p.String("phase_log", "");
  if (!log.ok()) return log.status();
  c.phase_log = log->empty() ? "" : AbsolutePath(*log);
  return c;
}

// A store prefix unique to the job: its id plus a hash of its spec, so two
// coordinators reusing a job id for different jobs do not collide.
std::string StorePrefix(const JobContext& job) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream sos(&bytes);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    job.spec.SerializeToCodedStream(&cos);
  }
  std::string id;
  for (char c : job.job_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-';
    id.push_back(ok ? c : '_');
  }
  if (id.empty()) id = "job";
  return absl::StrFormat("job-%s-%016x", id, StableHash(bytes));
}

std::string RunName(std::string_view prefix, uint64_t map_task,
                    uint32_t reducer) {
  return absl::StrFormat("%s/map-%05d/run-%05d", prefix, map_task, reducer);
}

// Partials come from workers and are hostile; these check one against the
// job before the coordinator keeps, merges or plans from it.  A map
// partial's runs are in strictly increasing (map task, reducer) order (so
// none is listed twice), each for a reducer of the job and named as the map
// task names it in the job's store prefix (so a reduce task cannot be sent
// to read another object).  A reduce partial's files are the job's part
// files OUTPUT/part-RRRRR for reducers in strictly increasing order.
// INVALID_ARGUMENT naming the run or file.
using RunKey = std::pair<uint64_t, uint32_t>;
RunKey KeyOf(const RunRef& r) { return {r.map_task, r.reducer}; }

absl::Status CheckMapPartial(const MapPartial& p, const CommonParams& c,
                             std::string_view prefix) {
  for (size_t i = 0; i < p.runs.size(); ++i) {
    const RunRef& r = p.runs[i];
    if (r.reducer >= c.reducers) {
      return absl::InvalidArgumentError(
          Cat("map partial refused: map task ", r.map_task,
              " wrote a run for reducer ", r.reducer, " of ", c.reducers));
    }
    if (i > 0 && KeyOf(p.runs[i - 1]) >= KeyOf(r)) {
      return absl::InvalidArgumentError(
          Cat("map partial refused: the run of map task ", r.map_task,
              " for reducer ", r.reducer, " is out of order or listed twice"));
    }
    if (r.name != RunName(prefix, r.map_task, r.reducer)) {
      return absl::InvalidArgumentError(
          Cat("map partial refused: the run of map task ", r.map_task,
              " for reducer ", r.reducer, " is named \"", r.name, "\", not \"",
              RunName(prefix, r.map_task, r.reducer), "\""));
    }
  }
  return absl::OkStatus();
}

// The reducer whose part file `path` is, or -1.
int64_t PartOf(std::string_view path, const CommonParams& c) {
  const std::string dir = c.output + "/";
  if (path.substr(0, dir.size()) != dir) return -1;
  const int64_t index = PartIndex(std::string(path.substr(dir.size())));
  if (index < 0 || index >= static_cast<int64_t>(c.reducers) ||
      PartPath(c.output, index) != path) {
    return -1;
  }
  return index;
}

absl::Status CheckReducePartial(const ReducePartial& p, const CommonParams& c) {
  int64_t last = -1;
  for (const OutputFile& f : p.files) {
    const int64_t part = PartOf(f.path, c);
    if (part < 0) {
      return absl::InvalidArgumentError(
          Cat("reduce partial refused: \"", f.path, "\" is not a part file of ",
              c.output, " for one of its ", c.reducers, " reducers"));
    }
    if (part <= last) {
      return absl::InvalidArgumentError(Cat("reduce partial refused: \"",
                                            f.path,
                                            "\" is out of order or listed "
                                            "twice"));
    }
    last = part;
  }
  return absl::OkStatus();
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

// Appends "PHASE SECONDS" lines to the phase log (shuffle_kind.h) in one
// write, so lines of concurrent tasks do not interleave.  Best effort: the
// log is a measurement, never a reason to fail a task.
void LogPhases(
    const std::string& path,
    std::initializer_list<std::pair<std::string_view, double>> phases) {
  if (path.empty()) return;
  std::string text;
  for (const auto& [name, seconds] : phases) {
    absl::StrAppendFormat(&text, "%s %.6f\n", name, seconds);
  }
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  (void)!::write(fd, text.data(), text.size());
  ::close(fd);
}

class ShuffleRunner final : public TaskRunner {
 public:
  ShuffleRunner(CommonParams common, RecordFormat format,
                std::unique_ptr<ShuffleLogic> logic,
                std::unique_ptr<Store> store)
      : common_(std::move(common)),
        format_(format),
        logic_(std::move(logic)),
        store_(std::move(store)) {}

  absl::StatusOr<std::string> Run(const TaskContext& task) override {
    if (task.stage == 0) return RunMap(task);
    if (task.stage == 1) return RunReduce(task);
    return absl::InvalidArgumentError(
        Cat("map-reduce job has no stage ", task.stage));
  }

 private:
  absl::StatusOr<std::string> RunMap(const TaskContext& task) {
    auto payload = DecodeMapPayload(task.payload);
    if (!payload.ok()) return payload.status();
    auto t0 = std::chrono::steady_clock::now();
    auto split = ReadSplit(payload->split, format_);
    if (!split.ok()) return split.status();
    const double read_s = SecondsSince(t0);
    if (task.cancelled()) return absl::CancelledError("map task cancelled");
    t0 = std::chrono::steady_clock::now();
    MapRuns runs(common_.reducers);
    MapPartial partial;
    if (auto s =
            logic_->Map(*split, payload->shared, runs, partial.input_records);
        !s.ok()) {
      return s;
    }
    const double partition_s = SecondsSince(t0);
    t0 = std::chrono::steady_clock::now();
    partial.input_bytes = split->bytes().size();
    *split = SplitData();
    for (uint32_t r = 0; r < runs.size(); ++r) {
      const std::string_view run = runs.run(r);
      if (run.empty()) continue;
      if (task.cancelled()) return absl::CancelledError("map task cancelled");
      std::string name = RunName(payload->prefix, task.index, r);
      auto info = store_->Put(name, run);
      if (!info.ok()) return info.status();
      partial.runs.push_back({task.index, r, std::move(name), *info});
    }
    runs.Clear();
    LogPhases(common_.phase_log, {{"map_read", read_s},
                                  {"partition", partition_s},
                                  {"run_write", SecondsSince(t0)}});
    return EncodeMapPartial(partial);
  }

  absl::StatusOr<std::string> RunReduce(const TaskContext& task) {
    auto payload = DecodeReducePayload(task.payload);
    if (!payload.ok()) return payload.status();
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<StoreBlob>> blobs;
    std::vector<std::string_view> runs;
    blobs.reserve(payload->runs.size());
    runs.reserve(payload->runs.size());
    std::vector<uint64_t> lost;
    std::string first_loss;
    for (const RunRef& run : payload->runs) {
      if (task.cancelled())
        return absl::CancelledError("reduce task cancelled");
      auto data = store_->GetBlob(run.name, run.info);
      if (absl::IsNotFound(data.status()) || absl::IsDataLoss(data.status())) {
        lost.push_back(run.map_task);
        if (first_loss.empty())
          first_loss = std::string(data.status().message());
        continue;
      }
      if (!data.ok()) return data.status();
      runs.push_back((*data)->data());
      blobs.push_back(*std::move(data));
    }
    const double read_s = SecondsSince(t0);
    if (!lost.empty()) {
      std::sort(lost.begin(), lost.end());
      return LostMapTasksError(
          lost, Cat("reduce task ", payload->reducer, ": ", lost.size(),
                    " run(s) lost (first: ", first_loss, "); map task(s) ",
                    absl::StrJoin(lost, ","), " must run again"));
    }
    if (auto s = MakeDirs(payload->output_dir); !s.ok()) return s;
    AtomicFileWriter out;
    std::string path = PartPath(payload->output_dir, payload->reducer);
    if (auto s = out.Open(path); !s.ok()) return s;
    t0 = std::chrono::steady_clock::now();
    auto result = logic_->Reduce(runs, out);
    if (!result.ok()) return result.status();
    const double reduce_s = SecondsSince(t0);
    runs.clear();
    blobs.clear();
    if (task.cancelled()) return absl::CancelledError("reduce task cancelled");
    t0 = std::chrono::steady_clock::now();
    if (auto s = out.Commit(common_.sync_output); !s.ok()) return s;
    LogPhases(common_.phase_log,
              {{"reduce_read", read_s},
               {"merge", reduce_s - result->write_seconds},
               {"output_write", result->write_seconds + SecondsSince(t0)}});
    ReducePartial partial;
    partial.files.push_back({path, result->records, out.bytes()});
    partial.extra = std::move(result->extra);
    return EncodeReducePartial(partial);
  }

  CommonParams common_;
  RecordFormat format_;
  std::unique_ptr<ShuffleLogic> logic_;
  std::unique_ptr<Store> store_;
};

}  // namespace

std::vector<ParamInfo> ShuffleKind::Parameters() const {
  std::vector<ParamInfo> all = CommonParameters();
  for (auto& p : KindParameters()) all.push_back(std::move(p));
  return all;
}

absl::StatusOr<std::string> ShuffleKind::PlanShared(
    const Params&, const std::vector<InputSplit>&, uint32_t) const {
  return std::string();
}

absl::Status ShuffleKind::MergeExtra(std::string&, std::string_view,
                                     const Params&) const {
  return absl::OkStatus();
}

absl::Status ShuffleKind::FinalizeExtra(std::string_view, const Params&,
                                        google::protobuf::Struct&) const {
  return absl::OkStatus();
}

std::string ShuffleKind::IntermediateStore(const JobContext& job) const {
  auto common = ReadCommon(job.params, Parameters());
  return common.ok() ? common->store_url : "";
}

absl::StatusOr<std::vector<std::string>> ShuffleKind::Plan(
    const PlanContext& ctx) const {
  auto common = ReadCommon(ctx.job.params, Parameters());
  if (!common.ok()) return common.status();
  auto logic = NewLogic(ctx.job.params);
  if (!logic.ok()) return logic.status();
  std::vector<std::string> tasks;
  if (ctx.stage == 0) {
    const auto t0 = std::chrono::steady_clock::now();
    auto store = OpenStore(common->store_url);
    if (!store.ok()) return store.status();
    auto files = ExpandInput(common->input);
    if (!files.ok()) return files.status();
    auto splits =
        PlanSplits(*files, Format(), common->split_bytes,
                   [&ctx](uint64_t n) { return CheckTaskCount(ctx, n); });
    if (!splits.ok()) return splits.status();
    if (auto s = MakeDirs(common->output); !s.ok()) return s;
    auto shared = PlanShared(ctx.job.params, *splits, common->reducers);
    if (!shared.ok()) return shared.status();
    LogPhases(common->phase_log, {{"plan", SecondsSince(t0)}});
    std::string prefix = StorePrefix(ctx.job);
    tasks.reserve(splits->size());
    for (const auto& split : *splits) {
      tasks.push_back(EncodeMapPayload({split, prefix, *shared}));
    }
    return tasks;
  }
  if (ctx.stage != 1) {
    return absl::InvalidArgumentError(
        Cat("map-reduce job has no stage ", ctx.stage));
  }
  MapPartial maps;
  if (!ctx.previous.empty()) {
    auto decoded = DecodeMapPartial(ctx.previous);
    if (!decoded.ok()) return decoded.status();
    if (auto s = CheckMapPartial(*decoded, *common, StorePrefix(ctx.job));
        !s.ok()) {
      return s;
    }
    maps = *std::move(decoded);
  }
  std::vector<ReducePayload> reduces(common->reducers);
  for (uint32_t r = 0; r < common->reducers; ++r) {
    reduces[r].reducer = r;
    reduces[r].output_dir = common->output;
  }
  for (auto& run : maps.runs) {
    if (run.reducer >= common->reducers) {
      return absl::DataLossError(Cat("map task ", run.map_task,
                                     " wrote a run for reducer ", run.reducer,
                                     " of ", common->reducers));
    }
    reduces[run.reducer].runs.push_back(std::move(run));
  }
  for (auto& r : reduces) {
    std::stable_sort(r.runs.begin(), r.runs.end(),
                     [](const RunRef& a, const RunRef& b) {
                       return a.map_task < b.map_task;
                     });
    tasks.push_back(EncodeReducePayload(r));
  }
  return tasks;
}

absl::StatusOr<std::unique_ptr<TaskRunner>> ShuffleKind::Prepare(
    const JobContext& job) const {
  auto common = ReadCommon(job.params, Parameters());
  if (!common.ok()) return common.status();
  auto logic = NewLogic(job.params);
  if (!logic.ok()) return logic.status();
  auto store = OpenStore(common->store_url);
  if (!store.ok()) return store.status();
  return std::make_unique<ShuffleRunner>(*std::move(common), Format(),
                                         *std::move(logic), *std::move(store));
}

absl::Status ShuffleKind::Merge(std::string& acc, std::string_view right,
                                const JobContext& job) const {
  if (right.empty()) {
    return absl::InvalidArgumentError("empty map-reduce partial");
  }
  auto common = ReadCommon(job.params, Parameters());
  if (!common.ok()) return common.status();
  if (right[0] == kMapTag) {
    const std::string prefix = StorePrefix(job);
    auto b = DecodeMapPartial(right);
    if (!b.ok()) return RefusedPartial(b.status());
    if (auto s = CheckMapPartial(*b, *common, prefix); !s.ok()) return s;
    if (acc.empty()) {
      acc = std::string(right);
      return absl::OkStatus();
    }
    auto a = DecodeMapPartial(acc);
    if (!a.ok()) return RefusedPartial(a.status());
    if (auto s = CheckMapPartial(*a, *common, prefix); !s.ok()) return s;
    // acc covers lower map tasks: its runs all come first.
    if (!a->runs.empty() && !b->runs.empty() &&
        KeyOf(a->runs.back()) >= KeyOf(b->runs.front())) {
      return absl::InvalidArgumentError(Cat(
          "map partial refused: the run of map task ", b->runs.front().map_task,
          " for reducer ", b->runs.front().reducer,
          " does not come after the runs it is merged after"));
    }
    constexpr uint64_t kNoLimit = ~uint64_t{0};
    if (auto s = AddCounts(a->input_records, b->input_records, kNoLimit,
                           "map partial", "input records", &a->input_records);
        !s.ok()) {
      return s;
    }
    if (auto s = AddCounts(a->input_bytes, b->input_bytes, kNoLimit,
                           "map partial", "input bytes", &a->input_bytes);
        !s.ok()) {
      return s;
    }
    for (auto& r : b->runs) a->runs.push_back(std::move(r));
    acc = EncodeMapPartial(*a);
    return absl::OkStatus();
  }
  auto b = DecodeReducePartial(right);
  if (!b.ok()) return RefusedPartial(b.status());
  if (auto s = CheckReducePartial(*b, *common); !s.ok()) return s;
  if (acc.empty()) {
    acc = std::string(right);
    return absl::OkStatus();
  }
  auto a = DecodeReducePartial(acc);
  if (!a.ok()) return RefusedPartial(a.status());
  for (auto& f : b->files) a->files.push_back(std::move(f));
  // Also refuses a right side whose files do not come after acc's.
  if (auto s = CheckReducePartial(*a, *common); !s.ok()) return s;
  if (auto s = MergeExtra(a->extra, b->extra, job.params); !s.ok()) return s;
  acc = EncodeReducePartial(*a);
  return absl::OkStatus();
}

absl::StatusOr<google::protobuf::Struct> ShuffleKind::Finalize(
    const JobContext& job, std::string_view acc) const {
  auto common = ReadCommon(job.params, Parameters());
  if (!common.ok()) return common.status();
  auto partial = DecodeReducePartial(acc);
  if (!partial.ok()) return partial.status();
  if (auto s = CheckReducePartial(*partial, *common); !s.ok()) return s;
  if (partial->files.size() != common->reducers) {
    return absl::DataLossError(
        Cat("the reduce stage produced ", partial->files.size(),
            " output files, expected ", common->reducers));
  }
  google::protobuf::Struct result;
  auto& f = *result.mutable_fields();
  auto* files = f["files"].mutable_list_value();
  uint64_t records = 0, bytes = 0;
  for (const auto& file : partial->files) {
    struct stat st;
    if (::stat(file.path.c_str(), &st) != 0) {
      return absl::DataLossError(Cat("output file \"", file.path,
                                     "\" is missing after the job wrote it"));
    }
    if (static_cast<uint64_t>(st.st_size) != file.bytes) {
      return absl::DataLossError(
          Cat("output file \"", file.path, "\" has ", st.st_size,
              " bytes, the reduce task wrote ", file.bytes));
    }
    files->add_values()->set_string_value(file.path);
    if (auto s = AddCounts(records, file.records, ~uint64_t{0},
                           "reduce partial", "records", &records);
        !s.ok()) {
      return s;
    }
    bytes += file.bytes;  // each matches a file's size: no overflow
  }
  TidyOutputDirectory(common->output, common->reducers);
  if (!common->keep_intermediate) {
    if (auto store = OpenStore(common->store_url); store.ok()) {
      (void)(*store)->DeletePrefix(StorePrefix(job));
      if (common->default_store) {
        ::rmdir(Cat(common->output, "/", kDefaultStoreDir).c_str());
      }
    }
  }
  f["output"].set_string_value(common->output);
  f["reducers"].set_number_value(common->reducers);
  f["records"].set_number_value(static_cast<double>(records));
  f["bytes"].set_number_value(static_cast<double>(bytes));
  if (auto s = FinalizeExtra(partial->extra, job.params, result); !s.ok()) {
    return s;
  }
  return result;
}

}  // namespace gridless::mapreduce
