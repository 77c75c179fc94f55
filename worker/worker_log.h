// Progress lines of the worker on stderr, printed only with --verbose.
// Thread-safe (one fprintf per line).
#ifndef GRIDLESS_WORKER_WORKER_LOG_H_
#define GRIDLESS_WORKER_WORKER_LOG_H_

#include <unistd.h>

#include <cstdio>
#include <string_view>

#include "worker/worker.h"

namespace gridless {

inline void WorkerLog(const WorkerOptions& options, std::string_view line) {
  if (!options.verbose) return;
  std::fprintf(stderr, "gridless-worker[%d]: %.*s\n",
               static_cast<int>(getpid()), static_cast<int>(line.size()),
               line.data());
}

}  // namespace gridless

#endif  // GRIDLESS_WORKER_WORKER_LOG_H_
