#include "jobs/mapreduce/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/sv.h"

extern char** environ;

namespace gridless::mapreduce {
namespace {

class Spawn {
 public:
  Spawn() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
  }
  ~Spawn() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

int PidfdOpen(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

// Keeps the last `limit` bytes read from the child's stderr.
class Tail {
 public:
  explicit Tail(size_t limit) : limit_(limit) {}
  void Add(const char* p, size_t n) {
    total_ += n;
    buf_.append(p, n);
    if (buf_.size() > 2 * limit_ + 4096) buf_.erase(0, buf_.size() - limit_);
  }
  std::string Take() {
    if (buf_.size() > limit_) buf_.erase(0, buf_.size() - limit_);
    return std::move(buf_);
  }
  uint64_t total() const { return total_; }

 private:
  size_t limit_;
  std::string buf_;
  uint64_t total_ = 0;
};

// Reads what is available; false at EOF or error.
bool Drain(int fd, Tail& tail) {
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      tail.Add(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
}

bool Exited(pid_t pid) {
  siginfo_t info;
  std::memset(&info, 0, sizeof(info));
  if (::waitid(P_PID, static_cast<id_t>(pid), &info,
               WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno == ECHILD;  // already reaped: treat as exited
  }
  return info.si_pid == pid;
}

}  // namespace

absl::StatusOr<SubprocessResult> RunSubprocess(
    const SubprocessOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return absl::InvalidArgumentError("empty command");
  }
  const Clock& clock = options.clock ? *options.clock : *RealClock::Get();
  const std::string& cmd = options.argv[0];

  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return absl::UnavailableError(
        Cat("pipe for \"", cmd, "\": ", std::strerror(errno)));
  }
  Spawn sp;
  posix_spawn_file_actions_addopen(&sp.actions_, 0, "/dev/null", O_RDONLY, 0);
  if (options.stdout_fd >= 0) {
    posix_spawn_file_actions_adddup2(&sp.actions_, options.stdout_fd, 1);
  } else {
    posix_spawn_file_actions_addopen(&sp.actions_, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&sp.actions_, err_pipe[1], 2);
  posix_spawn_file_actions_addclosefrom_np(&sp.actions_, 3);
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&sp.attr_, &empty);
  posix_spawnattr_setsigdefault(&sp.attr_, &all);
  posix_spawnattr_setpgroup(&sp.attr_, 0);
  posix_spawnattr_setflags(&sp.attr_, POSIX_SPAWN_SETPGROUP |
                                          POSIX_SPAWN_SETSIGMASK |
                                          POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  for (const auto& a : options.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, kScrubbedEnvPrefix, sizeof(kScrubbedEnvPrefix) - 1) ==
        0) {
      continue;  // the worker's own settings and secrets
    }
    envp.push_back(*e);
  }
  for (const auto& e : options.extra_env) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);

  absl::Time start = clock.Now();
  pid_t pid;
  int rc = ::posix_spawnp(&pid, cmd.c_str(), &sp.actions_, &sp.attr_,
                          argv.data(), envp.data());
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(err_pipe[0]);
    if (rc == ENOENT || rc == ENOTDIR) {
      const char* path = ::getenv("PATH");
      return absl::NotFoundError(Cat("command \"", cmd, "\" not found",
                                     cmd.find('/') == std::string::npos
                                         ? Cat(" in PATH=", path ? path : "")
                                         : ""));
    }
    if (rc == EACCES || rc == EPERM) {
      return absl::PermissionDeniedError(
          Cat("command \"", cmd, "\" is not executable"));
    }
    return absl::UnavailableError(
        Cat("cannot start \"", cmd, "\": ", std::strerror(rc)));
  }

  int err_fd = err_pipe[0];
  ::fcntl(err_fd, F_SETFL, ::fcntl(err_fd, F_GETFL) | O_NONBLOCK);
  int pidfd = PidfdOpen(pid);
  Tail tail(options.stderr_tail_bytes);
  absl::Time deadline = options.timeout == absl::InfiniteDuration()
                            ? absl::InfiniteFuture()
                            : start + options.timeout;
  SubprocessResult result;
  bool stopping = false;  // SIGTERM sent
  absl::Time kill_at = absl::InfiniteFuture();

  while (true) {
    if (Exited(pid)) break;
    absl::Time now = clock.Now();
    if (!stopping) {
      bool timed_out = now >= deadline;
      bool cancelled = options.cancelled && options.cancelled();
      if (timed_out || cancelled) {
        result.end = timed_out ? SubprocessResult::End::kTimedOut
                               : SubprocessResult::End::kCancelled;
        ::kill(-pid, SIGTERM);
        stopping = true;
        kill_at = absl::Now() + options.kill_grace;
      }
    } else if (absl::Now() >= kill_at) {
      ::kill(-pid, SIGKILL);
      kill_at = absl::InfiniteFuture();
    }
    absl::Duration wait = options.poll_interval;
    if (pidfd < 0) wait = std::min(wait, absl::Milliseconds(10));
    if (!stopping && deadline != absl::InfiniteFuture()) {
      wait = std::min(wait, std::max(deadline - now, absl::ZeroDuration()));
    }
    pollfd fds[2];
    int nfds = 0;
    if (err_fd >= 0) fds[nfds++] = {err_fd, POLLIN, 0};
    if (pidfd >= 0) fds[nfds++] = {pidfd, POLLIN, 0};
    int ms = static_cast<int>(absl::ToInt64Milliseconds(wait));
    if (::poll(fds, nfds, std::max(ms, 1)) > 0 && err_fd >= 0 &&
        (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (!Drain(err_fd, tail)) {
        ::close(err_fd);
        err_fd = -1;
      }
    }
  }
  // The leader is a zombie, so its pgid cannot be reused yet: clear the
  // group of stragglers, collect the rest of stderr, then reap.
  ::kill(-pid, SIGKILL);
  if (err_fd >= 0) {
    for (int i = 0; i < 20; ++i) {
      pollfd fd{err_fd, POLLIN, 0};
      if (::poll(&fd, 1, 5) <= 0 || !Drain(err_fd, tail)) break;
    }
    ::close(err_fd);
  }
  if (pidfd >= 0) ::close(pidfd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.seconds = absl::ToDoubleSeconds(clock.Now() - start);
  result.stderr_bytes = tail.total();
  result.stderr_tail = tail.Take();
  if (!stopping) {
    if (WIFEXITED(status)) {
      result.end = SubprocessResult::End::kExited;
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.end = SubprocessResult::End::kSignaled;
      result.signal = WTERMSIG(status);
    }
  }
  return result;
}

}  // namespace gridless::mapreduce
