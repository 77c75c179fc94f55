// The shuffle store: where map tasks leave their runs for the reduce tasks.
//
// An object is a named byte string.  Names are relative paths of
// [A-Za-z0-9._-] components separated by '/', e.g. "job-7/map-00003/run-00001";
// the job kinds choose them.  Put is atomic (a reader sees the whole object
// or none) and returns the object's size and CRC-32C; Get is given what Put
// returned and verifies it, so corruption and truncation are caught:
//   * NOT_FOUND  naming the object when it does not exist,
//   * DATA_LOSS  naming the object when its size or checksum differ,
//   * a retryable code (UNAVAILABLE, RESOURCE_EXHAUSTED) for I/O trouble.
//
// Stores are chosen by URL scheme through OpenStore, so an object store
// (S3-compatible) is one more StoreFactory registered under "s3", with no
// change to the kinds.  Built in: "file:///ABSOLUTE/DIR" (FileStore: a local
// disk or a shared filesystem such as NFS or Lustre).
//
// Thread-safety: a Store is shared by all the task slots of a worker; every
// method may be called concurrently.
#ifndef GRIDLESS_JOBS_MAPREDUCE_STORE_H_
#define GRIDLESS_JOBS_MAPREDUCE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gridless::mapreduce {

struct ObjectInfo {
  uint64_t size = 0;
  uint32_t crc32c = 0;
  bool operator==(const ObjectInfo&) const = default;
};

// An object's bytes, read-only, valid while the blob lives (a copy in
// memory, or a read-only mapping of the object's file).
class StoreBlob {
 public:
  virtual ~StoreBlob() = default;
  virtual std::string_view data() const = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // The URL the store was opened with, for messages.
  virtual std::string url() const = 0;
  // Writes the object atomically (replacing any object of that name).
  virtual absl::StatusOr<ObjectInfo> Put(std::string_view name,
                                         std::string_view data) = 0;
  // Reads the object and checks it against `expected`.
  virtual absl::StatusOr<std::string> Get(std::string_view name,
                                          const ObjectInfo& expected) = 0;
  // As Get (same checks and errors), but a store may hand out the bytes
  // without copying them (FileStore maps the file).  The default wraps Get.
  virtual absl::StatusOr<std::unique_ptr<StoreBlob>> GetBlob(
      std::string_view name, const ObjectInfo& expected);
  // Names of the objects whose name starts with `prefix` + "/" (or every
  // object when prefix is empty), sorted.  Empty when there is none.
  virtual absl::StatusOr<std::vector<std::string>> List(
      std::string_view prefix) = 0;
  // Removes the object; OK when it did not exist.
  virtual absl::Status Delete(std::string_view name) = 0;
  // Deletes every object under `prefix`, and whatever writers killed
  // mid-Put left there (a store's temporary files, abandoned uploads).
  // Call it only when no writer of the prefix is alive.  The default lists
  // and deletes the objects.
  virtual absl::Status DeletePrefix(std::string_view prefix);
};

// INVALID_ARGUMENT unless `name` is a valid object name (see above).
absl::Status CheckObjectName(std::string_view name);

// Opens "SCHEME://..." with the factory registered for SCHEME.
// INVALID_ARGUMENT for a malformed URL, UNIMPLEMENTED for a scheme with no
// factory (the message lists the known schemes).
using StoreFactory =
    std::function<absl::StatusOr<std::unique_ptr<Store>>(std::string_view url)>;
absl::StatusOr<std::unique_ptr<Store>> OpenStore(std::string_view url);
// Adds a scheme (before any job runs; not thread-safe with OpenStore).
// ALREADY_EXISTS when the scheme is taken.
absl::Status RegisterStoreScheme(std::string_view scheme, StoreFactory factory);

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_STORE_H_
