// The two tables of the AMPLab Big Data Benchmark that `groupby` reads, in
// the benchmark's text layout: one row per line, columns separated by ','
// with no quoting and no header.
//
//   rankings   (3 columns):  pageURL,pageRank,avgDuration
//       pageURL VARCHAR(300), pageRank INT, avgDuration INT
//   uservisits (9 columns):  sourceIP,destURL,visitDate,adRevenue,userAgent,
//                            countryCode,languageCode,searchWord,duration
//       sourceIP VARCHAR(116), destURL VARCHAR(100), visitDate DATE
//       (YYYY-MM-DD), adRevenue FLOAT, userAgent VARCHAR(256), countryCode
//       CHAR(3), languageCode CHAR(6), searchWord VARCHAR(32), duration INT
//
// `gridless gen-bdb` writes synthetic tables of this shape (MakeRow).
//
// Thread-safe (free functions).
#ifndef GRIDLESS_JOBS_MAPREDUCE_BDB_TABLES_H_
#define GRIDLESS_JOBS_MAPREDUCE_BDB_TABLES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace gridless::mapreduce {

enum class BdbTable { kRankings, kUservisits };

inline constexpr int kRankingsColumns = 3;
inline constexpr int kUservisitsColumns = 9;
inline constexpr std::string_view kRankingsLayout =
    "pageURL,pageRank,avgDuration";
inline constexpr std::string_view kUservisitsLayout =
    "sourceIP,destURL,visitDate,adRevenue,userAgent,countryCode,"
    "languageCode,searchWord,duration";

// Splits `line` (without its '\n') at ',' into exactly `n` fields.  Returns
// false when it has another number of fields.
bool SplitColumns(std::string_view line, int n, std::string_view* fields);

// Appends row `index` of the table named by `seed`, with its '\n'.
// `rankings_rows` is the size of the rankings table that uservisits'
// destURL refers to.
void MakeRow(BdbTable table, uint64_t seed, uint64_t index,
             uint64_t rankings_rows, std::string& out);

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_BDB_TABLES_H_
