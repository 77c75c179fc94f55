// `gridless verify-manifest FILE`: re-checks the tape a loan-mc result was
// computed from against the result's run manifest (manifest.h).  FILE is the
// job's summary.json (under "out") or the `--json` output of run/result.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "google/protobuf/util/json_util.h"
#include "jobs/loan/loan_commands.h"
#include "jobs/loan/manifest.h"

namespace gridless {
namespace {

using google::protobuf::Struct;

// The manifest in `doc`: at the top (summary.json) or under "result" (the
// CLI's --json object).
const Struct* FindManifest(const Struct& doc) {
  auto it = doc.fields().find("manifest");
  if (it != doc.fields().end() && it->second.has_struct_value()) {
    return &it->second.struct_value();
  }
  auto result = doc.fields().find("result");
  if (result != doc.fields().end() && result->second.has_struct_value()) {
    return FindManifest(result->second.struct_value());
  }
  return nullptr;
}

}  // namespace

int VerifyManifestCommand(const std::vector<std::string>& args) {
  FlagSet flags("gridless verify-manifest",
                "Checks that the loan tape a loan-mc result names still has "
                "the size and SHA-256 recorded in its manifest.");
  std::string tape;
  flags.String("tape", &tape,
               "check this file instead of the path in the manifest (a moved "
               "or copied tape)");
  if (auto s = flags.Parse(args); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (flags.help()) {
    std::printf("%s", flags.Usage("RESULT.json").c_str());
    return 0;
  }
  if (flags.positional().size() != 1) {
    std::fprintf(stderr,
                 "verify-manifest: give one file: a loan-mc summary.json or "
                 "the output of `gridless run --json` (see --help)\n");
    return 2;
  }
  const std::string& path = flags.positional()[0];
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "verify-manifest: cannot open \"%s\"\n", path.c_str());
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  Struct doc;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (auto s = google::protobuf::util::JsonStringToMessage(text.str(), &doc,
                                                           options);
      !s.ok()) {
    std::fprintf(stderr, "verify-manifest: %s is not a JSON object: %s\n",
                 path.c_str(), std::string(s.message()).c_str());
    return 2;
  }
  const Struct* found = FindManifest(doc);
  if (found == nullptr) {
    std::fprintf(stderr,
                 "verify-manifest: %s has no \"manifest\" (only loan-mc "
                 "results carry one; results from builds before the manifest "
                 "do not)\n",
                 path.c_str());
    return 2;
  }
  Struct manifest = *found;
  if (!tape.empty()) {
    (*(*manifest.mutable_fields())["tape"]
          .mutable_struct_value()
          ->mutable_fields())["path"]
        .set_string_value(tape);
  }
  std::vector<std::string> notes;
  absl::Status s = loan::VerifyManifest(manifest, &notes);
  for (const auto& note : notes) {
    std::fprintf(stderr, "verify-manifest: note: %s\n", note.c_str());
  }
  if (!s.ok()) {
    std::fprintf(stderr, "verify-manifest: %s\n",
                 std::string(s.message()).c_str());
    return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  const auto& t = manifest.fields().at("tape").struct_value().fields();
  std::printf("manifest ok: tape %s, %.0f bytes, sha256 %s\n",
              t.at("path").string_value().c_str(), t.at("bytes").number_value(),
              t.at("sha256").string_value().c_str());
  return 0;
}

}  // namespace gridless
