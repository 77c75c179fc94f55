#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "common/errno_status.h"
#include "common/sv.h"

namespace gridless {
namespace {

constexpr size_t kWriteBuffer = 1 << 20;

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

std::string TempPathFor(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return Cat(dir, ".", base, ".tmp-", ::getpid(), "-",
             counter.fetch_add(1, std::memory_order_relaxed));
}

bool IsTempName(std::string_view name) {
  return name.size() > 1 && name[0] == '.' &&
         name.find(".tmp-", 1) != std::string_view::npos;
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!committed_) Abandon();
}

void AtomicFileWriter::Abandon() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_.empty()) {
    ::unlink(temp_.c_str());
    temp_.clear();
  }
}

absl::Status AtomicFileWriter::Open(const std::string& path,
                                    std::string temp_path) {
  Abandon();
  path_ = path;
  temp_ = temp_path.empty() ? TempPathFor(path) : std::move(temp_path);
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    int err = errno;
    temp_.clear();
    return ErrnoStatus(err, "create", path);
  }
  buffer_.clear();
  buffer_.reserve(kWriteBuffer);
  bytes_ = 0;
  committed_ = false;
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::Flush() {
  if (buffer_.empty()) return absl::OkStatus();
  absl::Status s = WriteAll(fd_, buffer_, path_);
  buffer_.clear();
  return s;
}

absl::Status AtomicFileWriter::Append(std::string_view data) {
  if (fd_ < 0) return absl::FailedPreconditionError("writer is not open");
  bytes_ += data.size();
  if (buffer_.size() + data.size() > kWriteBuffer) {
    if (auto s = Flush(); !s.ok()) return s;
    if (data.size() >= kWriteBuffer) return WriteAll(fd_, data, path_);
  }
  buffer_.append(data);
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::SyncSizeFromFile() {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoStatus(errno, "stat", temp_);
  bytes_ = static_cast<uint64_t>(st.st_size);
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::Commit(bool sync) {
  if (fd_ < 0) return absl::FailedPreconditionError("writer is not open");
  absl::Status s = Flush();
  if (s.ok() && sync && ::fsync(fd_) != 0) {
    s = ErrnoStatus(errno, "fsync", path_);
  }
  if (!s.ok()) {
    Abandon();
    return s;
  }
  const int close_rc = ::close(fd_);
  fd_ = -1;
  if (close_rc != 0) {
    s = ErrnoStatus(errno, "close", path_);
    Abandon();
    return s;
  }
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    s = ErrnoStatus(errno, "rename into place", path_);
    Abandon();
    return s;
  }
  temp_.clear();
  committed_ = true;
  if (sync) {
    // The rename itself is durable only once the directory is.
    std::string dir = Dirname(path_);
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view contents, bool sync) {
  AtomicFileWriter w;
  if (auto s = w.Open(path); !s.ok()) return s;
  if (auto s = w.Append(contents); !s.ok()) return s;
  return w.Commit(sync);
}

}  // namespace gridless
