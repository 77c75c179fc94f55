// CLI subcommands of the map-reduce module; cli/ dispatches to them.  Each
// takes the arguments after the subcommand name, prints to stdout/stderr and
// returns the process exit code (0 ok, 1 failure, 2 bad usage).  `--help`
// prints the usage and returns 0.
#ifndef GRIDLESS_JOBS_MAPREDUCE_MAPREDUCE_COMMANDS_H_
#define GRIDLESS_JOBS_MAPREDUCE_MAPREDUCE_COMMANDS_H_

#include <string>
#include <vector>

namespace gridless {

// gridless gen-records --count N --out FILE [--seed S]
//   N gensort -a records (100-byte lines) for the `sort` kind.
int GenRecordsCommand(const std::vector<std::string>& args);
// gridless validate-sort INPUT... --output DIR
//   Checks DIR/part-* is the sorted permutation of INPUT (like valsort).
int ValidateSortCommand(const std::vector<std::string>& args);
// gridless gen-bdb --table uservisits|rankings (--rows N | --bytes B)
//                  --out FILE [--seed S] [--pages P]
//   A Big Data Benchmark table for the `groupby` kind.
int GenBdbCommand(const std::vector<std::string>& args);
// gridless gen-text --bytes B --out FILE [--seed S] [--vocabulary V]
//   Text for the `wordcount` kind.
int GenTextCommand(const std::vector<std::string>& args);

}  // namespace gridless

#endif  // GRIDLESS_JOBS_MAPREDUCE_MAPREDUCE_COMMANDS_H_
