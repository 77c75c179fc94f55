#include "jobs/mapreduce/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/sv.h"

namespace gridless::mapreduce {
namespace {

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char buf[4096];
  if (::getcwd(buf, sizeof(buf)) == nullptr) return path;
  if (path.empty() || path == ".") return buf;
  return Cat(buf, "/", path);
}

absl::Status MakeDirs(const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(
        Cat("\"", path, "\" exists and is not a directory"));
  }
  std::string parent = Dirname(path);
  if (parent != path) {
    if (auto s = MakeDirs(parent); !s.ok()) return s;
  }
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus(errno, "create directory", path);
  }
  return absl::OkStatus();
}

namespace {

// OK for a regular file, else INVALID_ARGUMENT naming `path` and its type.
absl::Status CheckRegular(const std::string& path, const struct stat& st) {
  if (S_ISREG(st.st_mode)) return absl::OkStatus();
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        Cat("\"", path, "\" is a directory; name its files (e.g. \"", path,
            "/*\")"));
  }
  const char* type = S_ISFIFO(st.st_mode)   ? "a FIFO"
                     : S_ISCHR(st.st_mode)  ? "a character device"
                     : S_ISBLK(st.st_mode)  ? "a block device"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                                            : "special";
  return absl::InvalidArgumentError(
      Cat("\"", path, "\" is ", type, ", not a regular file"));
}

}  // namespace

absl::StatusOr<uint64_t> RegularFileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(
          Cat("input file \"", path, "\" does not exist"));
    }
    return ErrnoStatus(errno, "stat", path);
  }
  if (auto s = CheckRegular(path, st); !s.ok()) return s;
  return static_cast<uint64_t>(st.st_size);
}

absl::StatusOr<int> OpenRegularFile(const std::string& path, uint64_t* size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  struct stat st;
  absl::Status s = ::fstat(fd, &st) != 0 ? ErrnoStatus(errno, "stat", path)
                                         : CheckRegular(path, st);
  if (!s.ok()) {
    ::close(fd);
    return s;
  }
  *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

absl::Status ReadRange(int fd, const std::string& path, uint64_t offset,
                       uint64_t length, std::string* out) {
  size_t base = out->size();
  out->resize(base + length);
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out->data() + base + done, length - done,
                        static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      out->resize(base);
      return ErrnoStatus(errno, "read", path);
    }
    if (n == 0) {
      out->resize(base);
      return absl::FailedPreconditionError(
          Cat("\"", path, "\" ends at offset ", offset + done, ", expected ",
              length, " bytes from offset ", offset,
              " (did the file change after the job was planned?)"));
    }
    done += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  uint64_t size = 0;
  auto fd = OpenRegularFile(path, &size);
  if (!fd.ok()) return fd.status();
  std::string out;
  absl::Status s = ReadRange(*fd, path, 0, size, &out);
  ::close(*fd);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, "list directory", dir);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

int64_t PartIndex(std::string_view name) {
  if (name.substr(0, 5) != "part-" || name.size() < 10) return -1;
  int64_t v = 0;
  for (char c : name.substr(5)) {
    if (c < '0' || c > '9' || v > (int64_t{1} << 40)) return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string PartPath(const std::string& dir, uint64_t index) {
  return absl::StrFormat("%s/part-%05d", dir, index);
}

void TidyOutputDirectory(const std::string& dir, uint64_t parts) {
  auto names = ListDirectory(dir);
  if (!names.ok()) return;
  for (const auto& name : *names) {
    const bool stale_part = PartIndex(name) >= static_cast<int64_t>(parts);
    const bool abandoned_temp =
        IsTempName(name) && name.substr(0, 6) == ".part-";
    if (stale_part || abandoned_temp) ::unlink(Cat(dir, "/", name).c_str());
  }
}

}  // namespace gridless::mapreduce
