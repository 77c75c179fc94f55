// Payloads and partials of the two-stage shuffle (see shuffle_kind.h), in
// the byte_codec encoding.  Partials start with a tag byte ('M' map, 'R'
// reduce) so Merge, which is not told the stage, can check what it merges.
//
// Thread-safe (value types and free functions).
#ifndef GRIDLESS_JOBS_MAPREDUCE_SHUFFLE_CODEC_H_
#define GRIDLESS_JOBS_MAPREDUCE_SHUFFLE_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "jobs/mapreduce/input_splits.h"
#include "jobs/mapreduce/store.h"

namespace gridless::mapreduce {

// One map task's run for one reducer, as written to the store.
struct RunRef {
  uint64_t map_task = 0;
  uint32_t reducer = 0;
  std::string name;  // store object name
  ObjectInfo info;
};

struct MapPayload {
  InputSplit split;
  std::string prefix;  // store object prefix of the job
  std::string shared;  // the kind's plan-time data (sort: splitters)
};

// Stage-0 partials and their merge: the runs written, in map-task order.
struct MapPartial {
  uint64_t input_records = 0;
  uint64_t input_bytes = 0;
  std::vector<RunRef> runs;
};

struct ReducePayload {
  uint32_t reducer = 0;
  std::string output_dir;    // absolute
  std::vector<RunRef> runs;  // this reducer's runs, in map-task order
};

struct OutputFile {
  std::string path;  // absolute
  uint64_t records = 0;
  uint64_t bytes = 0;
};

// Stage-1 partials and their merge: the output files in reducer order.
struct ReducePartial {
  std::vector<OutputFile> files;
  std::string extra;  // kind-specific (wordcount: total words and top N)
};

std::string EncodeMapPayload(const MapPayload& p);
absl::StatusOr<MapPayload> DecodeMapPayload(std::string_view bytes);
std::string EncodeMapPartial(const MapPartial& p);
absl::StatusOr<MapPartial> DecodeMapPartial(std::string_view bytes);
std::string EncodeReducePayload(const ReducePayload& p);
absl::StatusOr<ReducePayload> DecodeReducePayload(std::string_view bytes);
std::string EncodeReducePartial(const ReducePartial& p);
absl::StatusOr<ReducePartial> DecodeReducePartial(std::string_view bytes);

inline constexpr char kMapTag = 'M';
inline constexpr char kReduceTag = 'R';

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_SHUFFLE_CODEC_H_
