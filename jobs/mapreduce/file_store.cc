#include "jobs/mapreduce/file_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/sv.h"
#include "jobs/mapreduce/crc32c.h"
#include "jobs/mapreduce/file_util.h"
#include "jobs/mapreduce/mapped_file.h"

namespace gridless::mapreduce {

absl::StatusOr<std::unique_ptr<Store>> FileStore::Open(std::string_view url) {
  constexpr std::string_view kScheme = "file://";
  if (url.substr(0, kScheme.size()) != kScheme ||
      url.size() <= kScheme.size() || url[kScheme.size()] != '/') {
    return absl::InvalidArgumentError(
        Cat("parameter \"store\": expected file:///ABSOLUTE/DIR, got \"", url,
            "\""));
  }
  std::string root(url.substr(kScheme.size()));
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return std::unique_ptr<Store>(new FileStore(std::move(root)));
}

std::string FileStore::PathOf(std::string_view name) const {
  return Cat(root_, "/", name);
}

absl::StatusOr<ObjectInfo> FileStore::Put(std::string_view name,
                                          std::string_view data) {
  if (auto s = CheckObjectName(name); !s.ok()) return s;
  std::string path = PathOf(name);
  if (auto s = MakeDirs(path.substr(0, path.rfind('/'))); !s.ok()) return s;
  if (auto s = WriteFileAtomically(path, data, /*sync=*/false); !s.ok()) {
    return s;
  }
  return ObjectInfo{data.size(), Crc32c(data)};
}

absl::StatusOr<std::string> FileStore::Get(std::string_view name,
                                           const ObjectInfo& expected) {
  if (auto s = CheckObjectName(name); !s.ok()) return s;
  auto data = ReadWholeFile(PathOf(name));
  if (!data.ok()) {
    if (absl::IsNotFound(data.status())) {
      return absl::NotFoundError(
          Cat("object \"", name, "\" is missing from store ", url()));
    }
    return data.status();
  }
  if (auto s = Verify(name, *data, expected); !s.ok()) return s;
  return data;
}

absl::Status FileStore::Verify(std::string_view name, std::string_view data,
                               const ObjectInfo& expected) const {
  if (data.size() != expected.size) {
    return absl::DataLossError(Cat("object \"", name, "\" in store ", url(),
                                   " has ", data.size(), " bytes, expected ",
                                   expected.size));
  }
  uint32_t crc = Crc32c(data);
  if (crc != expected.crc32c) {
    return absl::DataLossError(absl::StrFormat(
        "object \"%s\" in store %s is corrupt: crc32c %08x, expected %08x",
        name, url(), crc, expected.crc32c));
  }
  return absl::OkStatus();
}

namespace {

class MappedBlob final : public StoreBlob {
 public:
  explicit MappedBlob(std::unique_ptr<MappedFile> file)
      : file_(std::move(file)) {}
  std::string_view data() const override { return file_->data(); }

 private:
  std::unique_ptr<MappedFile> file_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<StoreBlob>> FileStore::GetBlob(
    std::string_view name, const ObjectInfo& expected) {
  if (auto s = CheckObjectName(name); !s.ok()) return s;
  auto file = MappedFile::Open(PathOf(name));
  if (!file.ok()) {
    if (absl::IsNotFound(file.status())) {
      return absl::NotFoundError(
          Cat("object \"", name, "\" is missing from store ", url()));
    }
    return file.status();
  }
  if (auto s = Verify(name, (*file)->data(), expected); !s.ok()) return s;
  return std::unique_ptr<StoreBlob>(new MappedBlob(*std::move(file)));
}

absl::Status FileStore::ListInto(const std::string& rel,
                                 std::vector<std::string>* out) {
  std::string dir = rel.empty() ? root_ : PathOf(rel);
  auto names = ListDirectory(dir);
  if (!names.ok()) {
    if (absl::IsNotFound(names.status())) return absl::OkStatus();
    return names.status();
  }
  for (const auto& n : *names) {
    if (n[0] == '.') continue;  // temporary files
    std::string child = rel.empty() ? n : Cat(rel, "/", n);
    struct stat st;
    if (::lstat(PathOf(child).c_str(), &st) != 0) continue;  // raced a delete
    if (S_ISDIR(st.st_mode)) {
      if (auto s = ListInto(child, out); !s.ok()) return s;
    } else {
      out->push_back(std::move(child));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> FileStore::List(
    std::string_view prefix) {
  std::vector<std::string> out;
  if (!prefix.empty()) {
    if (auto s = CheckObjectName(prefix); !s.ok()) return s;
  }
  if (auto s = ListInto(std::string(prefix), &out); !s.ok()) return s;
  return out;
}

absl::Status FileStore::Delete(std::string_view name) {
  if (auto s = CheckObjectName(name); !s.ok()) return s;
  std::string path = PathOf(name);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, "delete", path);
  }
  RemoveEmptyParents(std::string(name));
  return absl::OkStatus();
}

absl::Status FileStore::DeletePrefix(std::string_view prefix) {
  if (prefix.empty()) {
    return absl::InvalidArgumentError(Cat("refusing to delete the whole store ",
                                          url(),
                                          ": DeletePrefix needs a prefix"));
  }
  if (auto s = CheckObjectName(prefix); !s.ok()) return s;
  const std::string path = PathOf(prefix);
  std::error_code ec;
  // remove_all does not follow symbolic links: a link is removed, not its
  // target.
  std::filesystem::remove_all(path, ec);
  if (ec) return ErrnoStatus(ec.value(), "delete", path);
  RemoveEmptyParents(std::string(prefix));
  return absl::OkStatus();
}

void FileStore::RemoveEmptyParents(std::string rel) const {
  for (size_t slash = rel.rfind('/'); slash != std::string::npos;
       slash = rel.rfind('/')) {
    rel.resize(slash);
    if (::rmdir(PathOf(rel).c_str()) != 0) break;  // not empty, or gone
  }
}

}  // namespace gridless::mapreduce
