// ShuffleKind: the two-stage map-reduce skeleton shared by `wordcount`,
// `sort` and `groupby`.  A kind supplies how to map one split into R runs and
// how to reduce R's runs into one output file; the skeleton does the rest:
//
//   stage 0 (map), one task per input split (input_splits.h):
//     read the split, ShuffleLogic::Map it into R runs, Put each non-empty
//     run into the store as PREFIX/map-IIIII/run-RRRRR, and return the runs'
//     names, sizes and CRC-32Cs.  Partials merge by concatenation.
//   stage 1 (reduce), one task per reducer r, planned from stage 0's merged
//     partial: Get run r of every map task (verifying size and checksum),
//     ShuffleLogic::Reduce them into OUTPUT/part-RRRRR (written atomically:
//     temp file + rename), and return the file's path and counts.
//   Finalize checks every part file is there with its size (a job never
//   reports success with output missing), removes stale part files with an
//   index >= R left by an earlier run, deletes the job's intermediate runs
//   (unless keep_intermediate), and reports the files and counts.
//
// A reduce task that finds a run missing or corrupt fails with DATA_LOSS
// naming the map tasks to re-run (lost_map_tasks.h).
//
// Common parameters: input (glob), output (directory), reducers, store,
// split_bytes, keep_intermediate, sync_output, phase_log.
//
// phase_log (a file path, default none) is for benchmarks: the planner and
// every task attempt append one line per phase to it, "PHASE SECONDS" with
// PHASE one of plan (splits and the kind's sampling), map_read, partition
// (ShuffleLogic::Map), run_write (store puts), reduce_read (store gets with
// their checks), merge (Reduce less its writes) and output_write (the
// kind's writes plus the commit).  Times vary run to run; the job's result
// does not include them, so it stays bit-identical.  Relative input and output
// paths are resolved against the planner's (coordinator's) working directory.
//
// Thread-safety: as JobKind (stateless; the runner is shared by all slots).
#ifndef GRIDLESS_JOBS_MAPREDUCE_SHUFFLE_KIND_H_
#define GRIDLESS_JOBS_MAPREDUCE_SHUFFLE_KIND_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/job.h"
#include "jobs/mapreduce/file_util.h"
#include "jobs/mapreduce/input_splits.h"

namespace gridless::mapreduce {

struct ReduceResult {
  uint64_t records = 0;  // records (lines) written to the part file
  std::string extra;     // kind-specific, merged by ShuffleKind::MergeExtra
  // Seconds of the Reduce spent writing to `out` (0 when the kind does not
  // measure it), for the phase log.
  double write_seconds = 0;
};

// The R runs one map task made, in the kind's run encoding.  A kind either
// appends to the strings (runs[r]), or hands over one buffer holding every
// run back to back (SetPacked: the sort kind gathers its records into one).
class MapRuns {
 public:
  explicit MapRuns(size_t reducers) : strings_(reducers) {}
  size_t size() const { return strings_.size(); }
  std::string& operator[](size_t r) { return strings_[r]; }
  // Run r becomes buffer[ends[r-1], ends[r]) (from 0 for r = 0); the
  // strings are ignored.  `ends` has size() non-decreasing entries, the
  // last <= buffer.size().
  void SetPacked(PageBuffer buffer, std::vector<size_t> ends) {
    packed_ = std::move(buffer);
    ends_ = std::move(ends);
  }
  std::string_view run(size_t r) const {
    if (ends_.empty()) return strings_[r];
    const size_t begin = r == 0 ? 0 : ends_[r - 1];
    return std::string_view(packed_.data() + begin, ends_[r] - begin);
  }
  // Frees what the runs hold.
  void Clear() {
    std::vector<std::string>(strings_.size()).swap(strings_);
    packed_ = PageBuffer();
    ends_.clear();
  }

 private:
  std::vector<std::string> strings_;
  PageBuffer packed_;
  std::vector<size_t> ends_;
};

// A kind's map and reduce functions for one job (its parameters parsed).
// Immutable and shared by every slot of a worker.
class ShuffleLogic {
 public:
  virtual ~ShuffleLogic() = default;

  // Partitions the split's records into runs.size() runs, in the kind's own
  // run encoding.  `shared` is what the kind's PlanShared returned.  Counts
  // the records read.  A malformed record is INVALID_ARGUMENT naming the file
  // and offset (Where()).
  virtual absl::Status Map(const SplitData& split, std::string_view shared,
                           MapRuns& runs, uint64_t& records) const = 0;

  // Reduces one reducer's runs (one per map task with data, in map-task
  // order; checked against their size and CRC-32C, and valid for the call)
  // into `out`.
  virtual absl::StatusOr<ReduceResult> Reduce(
      const std::vector<std::string_view>& runs,
      AtomicFileWriter& out) const = 0;
};

class ShuffleKind : public JobKind {
 public:
  uint32_t NumStages() const final { return 2; }
  std::vector<ParamInfo> Parameters() const final;
  absl::StatusOr<std::vector<std::string>> Plan(
      const PlanContext& ctx) const final;
  absl::StatusOr<std::unique_ptr<TaskRunner>> Prepare(
      const JobContext& job) const final;
  absl::Status Merge(std::string& acc, std::string_view right,
                     const JobContext& job) const final;
  absl::StatusOr<google::protobuf::Struct> Finalize(
      const JobContext& job, std::string_view acc) const final;
  // The store URL (parameter "store", or its default under the output).
  std::string IntermediateStore(const JobContext& job) const final;

 protected:
  // The kind's own parameters (the common ones are added).
  virtual std::vector<ParamInfo> KindParameters() const = 0;
  virtual RecordFormat Format() const = 0;
  // Checks the kind's parameters (INVALID_ARGUMENT naming one) and builds
  // its logic.
  virtual absl::StatusOr<std::unique_ptr<ShuffleLogic>> NewLogic(
      const Params& params) const = 0;
  // Plan-time data given to every map task (sort: the splitters sampled
  // from the input).  Default: none.
  virtual absl::StatusOr<std::string> PlanShared(
      const Params& params, const std::vector<InputSplit>& splits,
      uint32_t reducers) const;
  // acc = acc (+) right for ReduceResult::extra; acc covers lower reducers.
  // Default: keeps acc.
  virtual absl::Status MergeExtra(std::string& acc, std::string_view right,
                                  const Params& params) const;
  // Adds the kind's fields to the result.  Default: none.
  virtual absl::Status FinalizeExtra(std::string_view extra,
                                     const Params& params,
                                     google::protobuf::Struct& result) const;
};

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_SHUFFLE_KIND_H_
