// The run encoding of the hash-aggregating kinds (wordcount, groupby's
// aggregation): sorted "KEY<TAB>VALUE\n" lines, readable with `cat`.  Keys
// contain no TAB or newline.
//
// Thread-safe (free functions).
#ifndef GRIDLESS_JOBS_MAPREDUCE_TEXT_RUNS_H_
#define GRIDLESS_JOBS_MAPREDUCE_TEXT_RUNS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace gridless::mapreduce {

// Calls fn(key, value) for each "KEY\tVALUE\n" line of `run`.  DATA_LOSS
// naming `what` when a line has no TAB or the run does not end in '\n'.
absl::Status ForEachKeyValue(
    std::string_view run, std::string_view what,
    absl::FunctionRef<absl::Status(std::string_view, std::string_view)> fn);

// Appends "KEY\tVALUE\n".
inline void AppendKeyValue(std::string& out, std::string_view key,
                           std::string_view value) {
  out.append(key);
  out.push_back('\t');
  out.append(value);
  out.push_back('\n');
}

// The shortest decimal text that reads back as exactly `x`.
std::string FormatDouble(double x);

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_TEXT_RUNS_H_
