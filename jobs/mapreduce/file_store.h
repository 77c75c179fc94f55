// FileStore: the shuffle store on a directory ("file:///ABSOLUTE/DIR"), on a
// local disk or a filesystem shared by every worker (NFS, Lustre, GPFS).
//
// Object "a/b/c" is the file DIR/a/b/c.  Put writes a hidden temporary file
// in the same directory and renames it into place, so a reader never sees a
// partial object and concurrent writers of the same name (a task and its
// speculative twin) are safe: the last rename wins and both wrote the same
// bytes.  Intermediate data is not fsynced: a crash that loses it is caught
// by Get's checksum and the map task that made it runs again.
//
// Thread-safe; holds no state besides the root directory.
#ifndef GRIDLESS_JOBS_MAPREDUCE_FILE_STORE_H_
#define GRIDLESS_JOBS_MAPREDUCE_FILE_STORE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/mapreduce/store.h"

namespace gridless::mapreduce {

class FileStore final : public Store {
 public:
  // "file:///ABSOLUTE/DIR"; the directory is created on first Put.
  static absl::StatusOr<std::unique_ptr<Store>> Open(std::string_view url);

  std::string url() const override { return "file://" + root_; }
  absl::StatusOr<ObjectInfo> Put(std::string_view name,
                                 std::string_view data) override;
  absl::StatusOr<std::string> Get(std::string_view name,
                                  const ObjectInfo& expected) override;
  // Maps the file (mapped_file.h) instead of copying it.
  absl::StatusOr<std::unique_ptr<StoreBlob>> GetBlob(
      std::string_view name, const ObjectInfo& expected) override;
  absl::StatusOr<std::vector<std::string>> List(
      std::string_view prefix) override;
  absl::Status Delete(std::string_view name) override;
  // Removes the directory DIR/PREFIX whole, temporary files of killed
  // writers included, then the directories above it left empty.
  absl::Status DeletePrefix(std::string_view prefix) override;

 private:
  explicit FileStore(std::string root) : root_(std::move(root)) {}
  std::string PathOf(std::string_view name) const;
  // DATA_LOSS naming the object unless `data` has the expected size and
  // checksum.
  absl::Status Verify(std::string_view name, std::string_view data,
                      const ObjectInfo& expected) const;
  absl::Status ListInto(const std::string& rel, std::vector<std::string>* out);
  // rmdir of `rel`'s parent directories while they are empty, up to (not
  // including) the root.
  void RemoveEmptyParents(std::string rel) const;

  std::string root_;  // absolute, no trailing '/'
};

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_FILE_STORE_H_
