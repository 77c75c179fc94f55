#include "cli/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace gridless {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

// environ plus `extra` ("NAME=value", overriding entries of the same NAME).
std::vector<std::string> MergedEnvironment(
    const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    std::string name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& x : extra) {
      if (x.substr(0, x.find('=')) == name) overridden = true;
    }
    if (!overridden) env.push_back(std::move(entry));
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

}  // namespace

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Spawn(
    const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) return absl::InvalidArgumentError("Spawn: empty argv");
  const std::string& program = argv[0];
  if (::access(program.c_str(), X_OK) != 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot run ", program, ": ", ErrnoText(errno)));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  int pipe_fds[2] = {-1, -1};
  auto cleanup = [&] {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (pipe_fds[1] >= 0) ::close(pipe_fds[1]);
  };

  if (options.pipe_stdout) {
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      int err = errno;
      cleanup();
      return absl::ResourceExhaustedError(
          absl::StrCat("cannot create a pipe: ", ErrnoText(err)));
    }
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  } else if (!options.stdout_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO,
                                     options.stdout_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  if (!options.stderr_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO,
                                     options.stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }

  // The child starts with default signal handling and nothing blocked, even
  // though we ignore SIGPIPE and may block signals.
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD}) {
    sigaddset(&defaults, sig);
  }
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  if (options.new_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&attr, 0);
  }
  posix_spawnattr_setflags(&attr, flags);

  std::vector<std::string> args = argv;
  std::vector<std::string> env = MergedEnvironment(options.env);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(env);
  pid_t pid = -1;
  int err = ::posix_spawn(&pid, program.c_str(), &actions, &attr, c_args.data(),
                          c_env.data());
  cleanup();
  if (err != 0) {
    if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
    return absl::UnavailableError(
        absl::StrCat("cannot start ", program, ": ", ErrnoText(err)));
  }
  return std::unique_ptr<Subprocess>(
      new Subprocess(pid, program, pipe_fds[0], options.new_process_group));
}

Subprocess::~Subprocess() {
  Kill();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
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

void Subprocess::Stop(absl::Duration grace) {
  Signal(SIGTERM);
  if (!Wait(grace)) Kill();
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
