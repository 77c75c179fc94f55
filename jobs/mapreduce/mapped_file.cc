#include "jobs/mapreduce/mapped_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "jobs/mapreduce/file_util.h"

namespace gridless::mapreduce {

absl::StatusOr<std::unique_ptr<MappedFile>> MappedFile::Open(
    const std::string& path) {
  uint64_t size = 0;
  auto fd = OpenRegularFile(path, &size);
  if (!fd.ok()) return fd.status();
  if (size > std::numeric_limits<size_t>::max()) {
    ::close(*fd);
    return absl::ResourceExhaustedError(
        absl::StrCat("\"", path, "\" (", size, " bytes) is too large to map"));
  }
  void* addr = nullptr;
  if (size > 0) {
    addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, *fd, 0);
    if (addr == MAP_FAILED) {
      const int err = errno;
      ::close(*fd);
      return ErrnoStatus(err, "map", path);
    }
  }
  ::close(*fd);  // the mapping keeps the file
  return std::unique_ptr<MappedFile>(
      new MappedFile(addr, static_cast<size_t>(size)));
}

MappedFile::~MappedFile() {
  if (size_ > 0) ::munmap(addr_, size_);
}

}  // namespace gridless::mapreduce
