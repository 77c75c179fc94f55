#include "jobs/mapreduce/input_splits.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/sv.h"
#include "jobs/mapreduce/file_util.h"

namespace gridless::mapreduce {
namespace {

constexpr uint64_t kLineChunk = 64 << 10;

bool HasGlobChars(const std::string& s) {
  return s.find_first_of("*?[") != std::string::npos;
}

// Closes the fd on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string Where(const std::string& path, uint64_t offset) {
  return Cat(path, ":", offset);
}

absl::StatusOr<std::vector<std::string>> ExpandInput(
    const std::string& pattern) {
  if (pattern.empty()) {
    return absl::InvalidArgumentError(
        "parameter \"input\": expected a file name or glob, got \"\"");
  }
  std::string abs = AbsolutePath(pattern);
  std::vector<std::string> files;
  if (!HasGlobChars(abs)) {
    files.push_back(abs);
  } else {
    glob_t g{};
    int rc = ::glob(abs.c_str(), 0, nullptr, &g);
    if (rc == GLOB_NOMATCH) {
      ::globfree(&g);
      return absl::NotFoundError(
          Cat("parameter \"input\": glob \"", pattern, "\" matches no file"));
    }
    if (rc != 0) {
      ::globfree(&g);
      return absl::UnavailableError(
          Cat("parameter \"input\": cannot expand glob \"", pattern,
              "\" (a directory could not be read)"));
    }
    for (size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
    ::globfree(&g);
    std::sort(files.begin(), files.end());
  }
  for (const auto& f : files) {
    auto size = RegularFileSize(f);
    if (!size.ok()) return size.status();
  }
  return files;
}

absl::StatusOr<std::vector<InputSplit>> PlanSplits(
    const std::vector<std::string>& files, RecordFormat format,
    uint64_t split_bytes, const CountCheck& check_count) {
  uint64_t step = std::max<uint64_t>(split_bytes, 1);
  if (!format.lines()) {
    step =
        std::max<uint64_t>(step / format.record_size, 1) * format.record_size;
  }
  // First the sizes and the count, so that a split size far too small for
  // the input is refused before the list is built.
  std::vector<uint64_t> sizes;
  sizes.reserve(files.size());
  uint64_t count = 0;
  for (const auto& path : files) {
    uint64_t size = 0;
    auto fd = OpenRegularFile(path, &size);
    if (!fd.ok()) return fd.status();
    ::close(*fd);
    if (!format.lines() && size % format.record_size != 0) {
      uint64_t partial = size - size % format.record_size;
      return absl::InvalidArgumentError(Cat(
          Where(path, partial), ": file has ", size, " bytes, not a whole ",
          "number of ", format.record_size, "-byte records (a partial record ",
          "starts at offset ", partial, ")"));
    }
    const uint64_t splits = size / step + (size % step != 0);
    if (__builtin_add_overflow(count, splits, &count)) count = ~uint64_t{0};
    sizes.push_back(size);
  }
  if (check_count) {
    if (auto s = check_count(count); !s.ok()) return s;
  }
  std::vector<InputSplit> splits;
  splits.reserve(count);
  for (size_t i = 0; i < files.size(); ++i) {
    for (uint64_t off = 0; off < sizes[i]; off += step) {
      splits.push_back({files[i], off, std::min(step, sizes[i] - off)});
    }
  }
  return splits;
}

absl::StatusOr<SplitData> ReadSplit(const InputSplit& split,
                                    RecordFormat format) {
  SplitData out;
  out.path = split.path;
  out.offset = split.offset;
  uint64_t size = 0;
  auto opened = OpenRegularFile(split.path, &size);
  if (!opened.ok()) {
    if (absl::IsNotFound(opened.status())) {
      return absl::NotFoundError(
          Cat("input file \"", split.path, "\" does not exist"));
    }
    return opened.status();
  }
  Fd fd(*opened);
  uint64_t end;
  if (__builtin_add_overflow(split.offset, split.length, &end) || size < end) {
    return absl::FailedPreconditionError(Cat(
        "input file \"", split.path, "\" has ", size, " bytes but the split ",
        "ends at offset ", end, " (did it change after the job was planned?)"));
  }
  if (!format.lines()) {
    if (split.length > std::numeric_limits<size_t>::max()) {
      return absl::ResourceExhaustedError(Cat("split of \"", split.path,
                                              "\" is too large: ", split.length,
                                              " bytes"));
    }
    auto buffer = PageBuffer::Allocate(split.length);
    if (!buffer.ok()) return buffer.status();
    out.records = *std::move(buffer);
    uint64_t done = 0;
    while (done < split.length) {
      ssize_t n =
          ::pread(fd.get(), out.records.data() + done, split.length - done,
                  static_cast<off_t>(split.offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "read", split.path);
      }
      if (n == 0) {
        return absl::FailedPreconditionError(Cat(
            "\"", split.path, "\" ends at offset ", split.offset + done,
            ", expected ", split.length, " bytes from offset ", split.offset,
            " (did the file change after the job was "
            "planned?)"));
      }
      done += static_cast<uint64_t>(n);
    }
    return out;
  }
  // Lines: start one byte early to learn whether a line starts at offset.
  uint64_t start = split.offset == 0 ? 0 : split.offset - 1;
  if (auto s = ReadRange(fd.get(), split.path, start, end - start, &out.data);
      !s.ok()) {
    return s;
  }
  if (split.offset > 0) {
    size_t nl = out.data.find('\n');
    if (nl == std::string::npos) {  // no line starts in this split
      out.data.clear();
      return out;
    }
    out.data.erase(0, nl + 1);
    out.offset = start + nl + 1;
  }
  if (out.data.empty() || out.data.back() == '\n') return out;
  // Finish the last line, which runs past the split's end.
  for (uint64_t pos = end; pos < size;) {
    uint64_t n = std::min(kLineChunk, size - pos);
    size_t old = out.data.size();
    if (auto s = ReadRange(fd.get(), split.path, pos, n, &out.data); !s.ok()) {
      return s;
    }
    size_t nl = out.data.find('\n', old);
    if (nl != std::string::npos) {
      out.data.resize(nl + 1);
      break;
    }
    pos += n;
  }
  return out;
}

void EncodeSplit(const InputSplit& split, ByteWriter& w) {
  w.Bytes(split.path);
  w.Varint(split.offset);
  w.Varint(split.length);
}

absl::StatusOr<InputSplit> DecodeSplit(ByteReader& r) {
  InputSplit s;
  auto path = r.Bytes();
  if (!path.ok()) return path.status();
  s.path = std::string(*path);
  auto off = r.Varint();
  if (!off.ok()) return off.status();
  auto len = r.Varint();
  if (!len.ok()) return len.status();
  s.offset = *off;
  s.length = *len;
  return s;
}

}  // namespace gridless::mapreduce
