// A read-only memory mapping of a whole regular file, for reading shuffle
// runs without copying them (the sort kind's reduce reads every byte of its
// runs once for the checksum and once to merge).
//
// The mapping is private and populated up front (MAP_POPULATE), and stays
// valid when the file is renamed over or unlinked.  Only for files nobody
// truncates while they are mapped (shuffle store objects, which are only
// ever replaced by rename): touching a page past a truncated end raises
// SIGBUS.  User input files are read with pread instead.
//
// Thread-compatible: a MappedFile is owned by one task; data() may be read
// from any thread while it lives.
#ifndef GRIDLESS_JOBS_MAPREDUCE_MAPPED_FILE_H_
#define GRIDLESS_JOBS_MAPREDUCE_MAPPED_FILE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace gridless::mapreduce {

class MappedFile {
 public:
  // Maps `path` (a regular file; errors as OpenRegularFile, or UNAVAILABLE
  // when mmap fails).  An empty file gives an empty view.
  static absl::StatusOr<std::unique_ptr<MappedFile>> Open(
      const std::string& path);
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::string_view data() const {
    return {static_cast<const char*>(addr_), size_};
  }

 private:
  MappedFile(void* addr, size_t size) : addr_(addr), size_(size) {}
  void* addr_;
  size_t size_;
};

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_MAPPED_FILE_H_
