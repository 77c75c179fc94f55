#include "jobs/mapreduce/store.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/sv.h"
#include "jobs/mapreduce/file_store.h"

namespace gridless::mapreduce {
namespace {

std::map<std::string, StoreFactory, std::less<>>& Schemes() {
  static auto* schemes = new std::map<std::string, StoreFactory, std::less<>>{
      {"file", [](std::string_view url) { return FileStore::Open(url); }}};
  return *schemes;
}

bool ValidComponentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

class StringBlob final : public StoreBlob {
 public:
  explicit StringBlob(std::string data) : data_(std::move(data)) {}
  std::string_view data() const override { return data_; }

 private:
  std::string data_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<StoreBlob>> Store::GetBlob(
    std::string_view name, const ObjectInfo& expected) {
  auto data = Get(name, expected);
  if (!data.ok()) return data.status();
  return std::unique_ptr<StoreBlob>(new StringBlob(*std::move(data)));
}

absl::Status CheckObjectName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        Cat("bad store object name \"", name, "\": ", why));
  };
  if (name.empty()) return bad("empty");
  for (absl::string_view part : absl::StrSplit(Sv(name), '/')) {
    if (part.empty()) return bad("empty path component");
    if (part == "." || part == "..") return bad("'.' or '..' component");
    if (part[0] == '.') return bad("component starts with '.'");
    for (char c : part) {
      if (!ValidComponentChar(c)) {
        return bad("use only letters, digits, '.', '_', '-' and '/'");
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Store::DeletePrefix(std::string_view prefix) {
  auto names = List(prefix);
  if (!names.ok()) return names.status();
  for (const auto& name : *names) {
    if (auto s = Delete(name); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return absl::InvalidArgumentError(
        Cat("parameter \"store\": expected a URL such as file:///shared/dir, "
            "got \"",
            url, "\""));
  }
  std::string_view scheme = url.substr(0, sep);
  auto& schemes = Schemes();
  auto it = schemes.find(scheme);
  if (it == schemes.end()) {
    std::vector<std::string> known;
    for (const auto& [k, v] : schemes) known.push_back(k + "://");
    return absl::UnimplementedError(
        Cat("parameter \"store\": no store for scheme \"", scheme, "\" in \"",
            url, "\"; supported: ", absl::StrJoin(known, ", ")));
  }
  return it->second(url);
}

absl::Status RegisterStoreScheme(std::string_view scheme,
                                 StoreFactory factory) {
  auto [it, inserted] =
      Schemes().emplace(std::string(scheme), std::move(factory));
  if (!inserted) {
    return absl::AlreadyExistsError(
        Cat("store scheme \"", scheme, "\" is already registered"));
  }
  return absl::OkStatus();
}

}  // namespace gridless::mapreduce
