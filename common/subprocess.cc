#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace gridless {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

std::string_view EnvName(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

// environ without the names starting with `drop_prefix` (when not empty),
// plus `extra` ("NAME=value", overriding entries of the same NAME).
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra,
                                          std::string_view drop_prefix) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!drop_prefix.empty() &&
        entry.substr(0, drop_prefix.size()) == drop_prefix) {
      continue;  // e.g. a worker's own settings and secrets
    }
    bool overridden = false;
    for (const auto& x : extra) {
      if (EnvName(x) == EnvName(entry)) overridden = true;
    }
    if (!overridden) env.emplace_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The descriptors a Spawn opens in the parent, closed when it returns (the
// child has its dup'ed copies by then).
class ParentFds {
 public:
  ParentFds() = default;
  ParentFds(const ParentFds&) = delete;
  ParentFds& operator=(const ParentFds&) = delete;
  ~ParentFds() {
    for (int fd : fds_) ::close(fd);
  }
  int Keep(int fd) {
    if (fd >= 0) fds_.push_back(fd);
    return fd;
  }
  // Hands `fd` over to the caller: it is not closed here.
  int Release(int fd) {
    fds_.erase(std::remove(fds_.begin(), fds_.end(), fd), fds_.end());
    return fd;
  }

 private:
  std::vector<int> fds_;
};

class SpawnAttributes {
 public:
  SpawnAttributes() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnAttributes() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
};

absl::Status SpawnError(int err, const std::string& program, bool searched) {
  if (err == ENOENT || err == ENOTDIR) {
    std::string where;
    if (searched && program.find('/') == std::string::npos) {
      const char* path = ::getenv("PATH");
      where = absl::StrCat(" in PATH=", path ? path : "");
    }
    return absl::NotFoundError(
        absl::StrCat("command \"", program, "\" not found", where));
  }
  if (err == EACCES || err == EPERM) {
    return absl::PermissionDeniedError(absl::StrCat(
        "command \"", program, "\" is not executable (", ErrnoText(err), ")"));
  }
  return absl::UnavailableError(
      absl::StrCat("cannot start \"", program, "\": ", ErrnoText(err)));
}

// Opens a redirection file in the parent, so that its error names it.
absl::StatusOr<int> OpenRedirect(const std::string& path, int flags,
                                 const char* stream,
                                 const std::string& program) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open \"", path, "\" as the ", stream, " of \"",
                     program, "\": ", ErrnoText(errno)));
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Spawn(
    const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty() || argv[0].empty()) {
    return absl::InvalidArgumentError("empty command");
  }
  const std::string& program = argv[0];
  ParentFds parent;
  SpawnAttributes sp;

  if (!options.working_dir.empty()) {
    struct stat st;
    const bool found = ::stat(options.working_dir.c_str(), &st) == 0;
    if (!found || !S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot run \"", program, "\" in \"", options.working_dir,
          "\": ", found ? "not a directory" : ErrnoText(errno)));
    }
    posix_spawn_file_actions_addchdir_np(&sp.actions,
                                         options.working_dir.c_str());
  }
  // A file opened here (so that its error names it), dup'ed onto `target`
  // in the child.
  auto redirect_file = [&](const std::string& path, int flags,
                           const char* stream, int target) -> absl::Status {
    auto fd = OpenRedirect(path, flags, stream, program);
    if (!fd.ok()) return fd.status();
    posix_spawn_file_actions_adddup2(&sp.actions, parent.Keep(*fd), target);
    return absl::OkStatus();
  };
  // A pipe whose write end is `target` in the child; returns the read end.
  auto redirect_pipe = [&](int target) -> absl::StatusOr<int> {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return absl::ResourceExhaustedError(
          absl::StrCat("cannot create a pipe: ", ErrnoText(errno)));
    }
    posix_spawn_file_actions_adddup2(&sp.actions, parent.Keep(fds[1]), target);
    return parent.Keep(fds[0]);
  };
  constexpr int kCreate = O_WRONLY | O_CREAT | O_TRUNC;
  if (!options.stdin_path.empty()) {
    if (auto s =
            redirect_file(options.stdin_path, O_RDONLY, "stdin", STDIN_FILENO);
        !s.ok()) {
      return s;
    }
  }
  int stdout_read = -1;
  if (options.pipe_stdout) {
    auto fd = redirect_pipe(STDOUT_FILENO);
    if (!fd.ok()) return fd.status();
    stdout_read = *fd;
  } else if (options.stdout_fd >= 0) {
    posix_spawn_file_actions_adddup2(&sp.actions, options.stdout_fd,
                                     STDOUT_FILENO);
  } else if (!options.stdout_path.empty()) {
    if (auto s = redirect_file(options.stdout_path, kCreate, "stdout",
                               STDOUT_FILENO);
        !s.ok()) {
      return s;
    }
  }
  int stderr_read = -1;
  if (options.pipe_stderr) {
    auto fd = redirect_pipe(STDERR_FILENO);
    if (!fd.ok()) return fd.status();
    stderr_read = *fd;
  } else if (!options.stderr_path.empty()) {
    if (auto s = redirect_file(options.stderr_path, kCreate, "stderr",
                               STDERR_FILENO);
        !s.ok()) {
      return s;
    }
  }
  if (options.close_other_fds) {
    posix_spawn_file_actions_addclosefrom_np(&sp.actions, 3);
  }

  // The child starts with default signal handling and nothing blocked, even
  // though we ignore SIGPIPE and may block signals.
  sigset_t all, empty;
  sigfillset(&all);
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&sp.attr, &all);
  posix_spawnattr_setsigmask(&sp.attr, &empty);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (options.new_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&sp.attr, 0);
  }
  posix_spawnattr_setflags(&sp.attr, flags);

  std::vector<std::string> args = argv;
  std::vector<std::string> env =
      ChildEnvironment(options.env, options.drop_env_prefix);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(env);
  pid_t pid = -1;
  int err = options.search_path
                ? ::posix_spawnp(&pid, program.c_str(), &sp.actions, &sp.attr,
                                 c_args.data(), c_env.data())
                : ::posix_spawn(&pid, program.c_str(), &sp.actions, &sp.attr,
                                c_args.data(), c_env.data());
  if (err != 0) return SpawnError(err, program, options.search_path);
  return std::unique_ptr<Subprocess>(
      new Subprocess(pid, program, parent.Release(stdout_read),
                     parent.Release(stderr_read), options.new_process_group));
}

Subprocess::~Subprocess() {
  Kill();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
}

void Subprocess::Kill() {
  if (exited_) return;
  // Not reaped yet, so the pid (and its group id) cannot have been reused.
  ::kill(own_group_ ? -pid_ : pid_, SIGKILL);
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
  }
  exited_ = true;
  status_ = r == pid_ ? status : 0;
}

absl::StatusOr<std::string> Subprocess::ReadLine(absl::Duration timeout) {
  if (stdout_fd_ < 0) {
    return absl::FailedPreconditionError("stdout of the child is not piped");
  }
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (size_t nl = stdout_buffer_.find('\n'); nl != std::string::npos) {
      std::string line = stdout_buffer_.substr(0, nl);
      stdout_buffer_.erase(0, nl + 1);
      return line;
    }
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("no line from ", program_, " within ",
                       absl::FormatDuration(timeout)));
    }
    pollfd pfd{stdout_fd_, POLLIN, 0};
    int ms = static_cast<int>(absl::ToInt64Milliseconds(left)) + 1;
    int n = ::poll(&pfd, 1, ms);
    if (n < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("poll: ", ErrnoText(errno)));
    }
    if (n <= 0) continue;
    char buf[4096];
    ssize_t got = ::read(stdout_fd_, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      return absl::OutOfRangeError(
          absl::StrCat(program_, " closed its stdout (",
                       Poll() ? DescribeExit() : "still running", ")"));
    }
    stdout_buffer_.append(buf, static_cast<size_t>(got));
  }
}

bool Subprocess::HasExited() {
  if (exited_) return true;
  siginfo_t info;
  std::memset(&info, 0, sizeof(info));
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info,
               WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno == ECHILD;  // already reaped: treat as exited
  }
  return info.si_pid == pid_;
}

bool Subprocess::Poll() {
  if (exited_) return true;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exited_ = true;
    status_ = status;
  }
  return exited_;
}

bool Subprocess::Wait(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!Poll()) {
    if (absl::Now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

int Subprocess::exit_code() const {
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

int Subprocess::term_signal() const {
  return WIFSIGNALED(status_) ? WTERMSIG(status_) : 0;
}

std::string Subprocess::DescribeExit() const {
  if (!exited_) return "still running";
  if (WIFEXITED(status_)) {
    return absl::StrCat("exited with code ", WEXITSTATUS(status_));
  }
  if (WIFSIGNALED(status_)) {
    int sig = WTERMSIG(status_);
    return absl::StrCat("killed by signal ", sig, " (", ::strsignal(sig), ")");
  }
  return "ended";
}

void Subprocess::Signal(int sig) {
  if (!Poll()) ::kill(pid_, sig);
}

void Subprocess::SignalGroup(int sig) {
  if (!exited_) ::kill(own_group_ ? -pid_ : pid_, sig);
}

void Subprocess::Stop(absl::Duration grace) {
  Signal(SIGTERM);
  if (!Wait(grace)) Kill();
}

namespace {

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

}  // namespace

std::string SubprocessResult::Describe() const {
  switch (end) {
    case End::kExited:
      return absl::StrCat("exited with code ", exit_code);
    case End::kSignaled:
      return absl::StrCat("killed by signal ", signal, " (",
                          ::strsignal(signal), ")");
    case End::kTimedOut:
      return "timed out";
    case End::kCancelled:
      return "cancelled";
  }
  return "ended";
}

absl::StatusOr<SubprocessResult> RunSubprocess(
    const RunSubprocessOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return absl::InvalidArgumentError("empty command");
  }
  const Clock& clock = options.clock ? *options.clock : *RealClock::Get();
  SpawnOptions spawn;
  spawn.search_path = true;
  spawn.new_process_group = true;
  spawn.working_dir = options.working_dir;
  spawn.env = options.extra_env;
  spawn.drop_env_prefix = kScrubbedEnvPrefix;
  spawn.stdin_path = "/dev/null";
  if (options.stdout_fd >= 0) {
    spawn.stdout_fd = options.stdout_fd;
  } else {
    spawn.stdout_path = "/dev/null";
  }
  spawn.pipe_stderr = true;
  spawn.close_other_fds = true;

  absl::Time start = clock.Now();
  auto child = Subprocess::Spawn(options.argv, spawn);
  if (!child.ok()) return child.status();
  Subprocess& p = **child;

  int err_fd = p.stderr_fd();
  ::fcntl(err_fd, F_SETFL, ::fcntl(err_fd, F_GETFL) | O_NONBLOCK);
  bool err_open = true;
  int pidfd = PidfdOpen(p.pid());
  Tail tail(options.stderr_tail_bytes);
  absl::Time deadline = options.timeout == absl::InfiniteDuration()
                            ? absl::InfiniteFuture()
                            : start + options.timeout;
  SubprocessResult result;
  bool stopping = false;  // SIGTERM sent
  absl::Time kill_at = absl::InfiniteFuture();

  while (true) {
    if (p.HasExited()) break;
    absl::Time now = clock.Now();
    if (!stopping) {
      bool timed_out = now >= deadline;
      bool cancelled = options.cancelled && options.cancelled();
      if (timed_out || cancelled) {
        result.end = timed_out ? SubprocessResult::End::kTimedOut
                               : SubprocessResult::End::kCancelled;
        p.SignalGroup(SIGTERM);
        stopping = true;
        kill_at = absl::Now() + options.kill_grace;
      }
    } else if (absl::Now() >= kill_at) {
      p.SignalGroup(SIGKILL);
      kill_at = absl::InfiniteFuture();
    }
    absl::Duration wait = options.poll_interval;
    if (pidfd < 0) wait = std::min(wait, absl::Milliseconds(10));
    if (!stopping && deadline != absl::InfiniteFuture()) {
      wait = std::min(wait, std::max(deadline - now, absl::ZeroDuration()));
    }
    pollfd fds[2];
    int nfds = 0;
    if (err_open) fds[nfds++] = {err_fd, POLLIN, 0};
    if (pidfd >= 0) fds[nfds++] = {pidfd, POLLIN, 0};
    int ms = static_cast<int>(absl::ToInt64Milliseconds(wait));
    if (::poll(fds, nfds, std::max(ms, 1)) > 0 && err_open &&
        (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      err_open = Drain(err_fd, tail);
    }
  }
  // The leader is a zombie, so its pgid cannot be reused yet: clear the
  // group of stragglers, collect the rest of stderr, then reap.
  p.SignalGroup(SIGKILL);
  if (err_open) {
    for (int i = 0; i < 20; ++i) {
      pollfd fd{err_fd, POLLIN, 0};
      if (::poll(&fd, 1, 5) <= 0 || !Drain(err_fd, tail)) break;
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  p.Kill();  // reaps
  result.seconds = absl::ToDoubleSeconds(clock.Now() - start);
  result.stderr_bytes = tail.total();
  result.stderr_tail = tail.Take();
  if (!stopping) {
    if (p.term_signal() != 0) {
      result.end = SubprocessResult::End::kSignaled;
      result.signal = p.term_signal();
    } else {
      result.end = SubprocessResult::End::kExited;
      result.exit_code = p.exit_code();
    }
  }
  return result;
}

absl::StatusOr<std::string> FindSiblingBinary(const std::string& name) {
  std::error_code ec;
  std::filesystem::path self =
      std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat("cannot find ", name,
                     ": /proc/self/exe is unreadable: ", ec.message()));
  }
  std::filesystem::path path = self.parent_path() / name;
  if (::access(path.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(
        "cannot find ", name, " next to ", self.string(), " (expected ",
        path.string(), "; build it with `make build`)"));
  }
  return path.string();
}

}  // namespace gridless
