#include "worker/task_gate.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace gridless {
namespace {

constexpr size_t kMaxGateBytes = 4096;
constexpr auto kPollInterval = std::chrono::milliseconds(10);

// Closes the descriptor (and so drops its flock) on every path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat("--task-gate ", path, ": ", what,
                                             ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<TaskGate::Decision> TaskGate::Decide(absl::string_view content,
                                                    uint32_t stage) {
  std::vector<std::string> entries =
      absl::StrSplit(content, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
  int stage_entry = -1;
  int default_entry = -1;
  std::vector<uint64_t> counts(entries.size());
  std::vector<std::string> prefixes(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string& e = entries[i];
    const size_t colon = e.find(':');
    absl::string_view count_text = e;
    if (colon != std::string::npos) {
      uint32_t s = 0;
      if (!absl::SimpleAtoi(absl::string_view(e).substr(0, colon), &s)) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad stage in entry \"", e, "\" (expected S:N)"));
      }
      count_text = absl::string_view(e).substr(colon + 1);
      prefixes[i] = e.substr(0, colon + 1);
      if (s == stage) {
        if (stage_entry >= 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("stage ", stage, " has two entries"));
        }
        stage_entry = static_cast<int>(i);
      }
    } else {
      if (default_entry >= 0) {
        return absl::InvalidArgumentError("two entries without a stage");
      }
      default_entry = static_cast<int>(i);
    }
    if (count_text.empty() || count_text[0] == '-' ||
        !absl::SimpleAtoi(count_text, &counts[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad ticket count in entry \"", e, "\" (expected N or S:N, N >= 0)"));
    }
  }
  Decision d;
  const int chosen = stage_entry >= 0 ? stage_entry : default_entry;
  if (chosen < 0) return d;  // open for this stage
  d.tickets = counts[chosen];
  if (*d.tickets > 0) {
    entries[chosen] = absl::StrCat(prefixes[chosen], *d.tickets - 1);
    d.after = absl::StrCat(absl::StrJoin(entries, " "), "\n");
  }
  return d;
}

absl::StatusOr<bool> TaskGate::TryPass(uint32_t stage) {
  for (;;) {
    Fd fd(::open(path_.c_str(), O_RDWR | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT) return true;  // no file: open
      return Errno("cannot open", path_);
    }
    if (::flock(fd.get(), LOCK_EX) != 0) return Errno("cannot lock", path_);
    // Replaced (renamed over) since we opened it: read the new one.
    struct stat locked, current;
    if (::fstat(fd.get(), &locked) != 0) return Errno("cannot stat", path_);
    if (::stat(path_.c_str(), &current) != 0) {
      if (errno == ENOENT) return true;  // removed: open
      return Errno("cannot stat", path_);
    }
    if (locked.st_ino != current.st_ino || locked.st_dev != current.st_dev) {
      continue;
    }
    std::string content(kMaxGateBytes + 1, '\0');
    const ssize_t n = ::pread(fd.get(), content.data(), content.size(), 0);
    if (n < 0) return Errno("cannot read", path_);
    if (static_cast<size_t>(n) > kMaxGateBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--task-gate ", path_, ": longer than ", kMaxGateBytes, " bytes"));
    }
    content.resize(static_cast<size_t>(n));
    auto d = Decide(content, stage);
    if (!d.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--task-gate ", path_, ": ", d.status().message()));
    }
    if (!d->tickets.has_value()) return true;
    if (*d->tickets == 0) return false;
    if (::ftruncate(fd.get(), 0) != 0 ||
        ::pwrite(fd.get(), d->after.data(), d->after.size(), 0) !=
            static_cast<ssize_t>(d->after.size())) {
      return Errno("cannot write", path_);
    }
    return true;
  }
}

absl::Status TaskGate::Wait(const v1::Task& task, const CancelToken& token) {
  bool announced = false;
  for (;;) {
    if (token.cancelled()) {
      return absl::CancelledError(
          absl::StrCat("task ", task.task_index(), " of job ", task.job_id(),
                       " was cancelled while held at --task-gate ", path_));
    }
    absl::StatusOr<bool> pass = TryPass(task.stage());
    if (pass.ok() && *pass) return absl::OkStatus();
    if (!pass.ok() && !reported_bad_.exchange(true)) {
      std::fprintf(stderr, "gridless-worker: %s; holding tasks\n",
                   std::string(pass.status().message()).c_str());
    }
    if (!announced) {
      announced = true;
      std::fprintf(stderr,
                   "gridless-worker: holding task %llu of job %s (stage %u) "
                   "at --task-gate %s\n",
                   static_cast<unsigned long long>(task.task_index()),
                   task.job_id().c_str(), task.stage(), path_.c_str());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace gridless
