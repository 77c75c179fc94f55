#include "common/job_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace gridless {

absl::StatusOr<v1::JobSpec> ParseJobSpecJson(std::string_view json,
                                             std::string_view origin) {
  v1::JobSpec spec;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &spec, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(origin),
                     ": not a valid job file: ", std::string(status.message()),
                     " (expected JSON like {\"kind\": \"pi\", \"seed\": 1, "
                     "\"params\": {...}}; see `gridless kinds`)"));
  }
  if (spec.kind().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(origin),
                     ": missing \"kind\" (run `gridless kinds` to list them)"));
  }
  return spec;
}

absl::StatusOr<v1::JobSpec> ReadJobFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot read job file (does it exist?)"));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return ParseJobSpecJson(buf.str(), path);
}

std::string JobSpecToJson(const v1::JobSpec& spec) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(spec, &out, options);
  return out;
}

}  // namespace gridless
