#include "jobs/params.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace gridless {
namespace {

using google::protobuf::Value;

std::string Describe(const Value& v) {
  switch (v.kind_case()) {
    case Value::kNullValue:
      return "null";
    case Value::kNumberValue:
      return absl::StrCat(v.number_value());
    case Value::kStringValue:
      return absl::StrCat("\"", v.string_value(), "\"");
    case Value::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case Value::kStructValue:
      return "an object";
    case Value::kListValue:
      return "a list";
    default:
      return "nothing";
  }
}

absl::Status Bad(std::string_view name, std::string_view expected,
                 const Value& got) {
  return absl::InvalidArgumentError(
      absl::StrCat("parameter \"", std::string(name), "\": expected ",
                   std::string(expected), ", got ", Describe(got)));
}

bool IsWhole(double x) { return std::isfinite(x) && std::floor(x) == x; }

}  // namespace

const Value* Params::Find(std::string_view name) const {
  auto it = params_->fields().find(std::string(name));
  if (it == params_->fields().end()) return nullptr;
  if (it->second.kind_case() == Value::kNullValue) return nullptr;
  return &it->second;
}

bool Params::Has(std::string_view name) const { return Find(name) != nullptr; }

absl::StatusOr<double> Params::Double(std::string_view name, double def,
                                      double min, double max) const {
  const Value* v = Find(name);
  if (v == nullptr) return def;
  std::string expected = absl::StrCat("a number in [", min, ", ", max, "]");
  if (v->kind_case() != Value::kNumberValue) return Bad(name, expected, *v);
  double x = v->number_value();
  if (!std::isfinite(x) || x < min || x > max) return Bad(name, expected, *v);
  return x;
}

absl::StatusOr<int64_t> Params::Int(std::string_view name, int64_t def,
                                    int64_t min, int64_t max) const {
  const Value* v = Find(name);
  if (v == nullptr) return def;
  std::string expected = absl::StrCat("an integer in [", min, ", ", max, "]");
  if (v->kind_case() != Value::kNumberValue) return Bad(name, expected, *v);
  double x = v->number_value();
  if (!IsWhole(x) || x < static_cast<double>(min) ||
      x > static_cast<double>(max)) {
    return Bad(name, expected, *v);
  }
  return static_cast<int64_t>(x);
}

absl::StatusOr<bool> Params::Bool(std::string_view name, bool def) const {
  const Value* v = Find(name);
  if (v == nullptr) return def;
  if (v->kind_case() != Value::kBoolValue) {
    return Bad(name, "true or false", *v);
  }
  return v->bool_value();
}

absl::StatusOr<std::string> Params::String(
    std::string_view name, std::string_view def,
    std::initializer_list<std::string_view> allowed) const {
  const Value* v = Find(name);
  std::string expected =
      allowed.size() == 0
          ? std::string("a string")
          : absl::StrCat("one of \"",
                         absl::StrJoin(std::vector<std::string>(allowed.begin(),
                                                                allowed.end()),
                                       "\", \""),
                         "\"");
  if (v == nullptr) return std::string(def);
  if (v->kind_case() != Value::kStringValue) return Bad(name, expected, *v);
  if (allowed.size() == 0) return v->string_value();
  for (std::string_view a : allowed) {
    if (a == v->string_value()) return v->string_value();
  }
  return Bad(name, expected, *v);
}

absl::StatusOr<std::vector<int64_t>> Params::IntList(std::string_view name,
                                                     int64_t min,
                                                     int64_t max) const {
  std::vector<int64_t> out;
  const Value* v = Find(name);
  if (v == nullptr) return out;
  std::string expected =
      absl::StrCat("a list of integers in [", min, ", ", max, "]");
  if (v->kind_case() != Value::kListValue) return Bad(name, expected, *v);
  for (const Value& e : v->list_value().values()) {
    if (e.kind_case() != Value::kNumberValue || !IsWhole(e.number_value()) ||
        e.number_value() < static_cast<double>(min) ||
        e.number_value() > static_cast<double>(max)) {
      return Bad(name, expected, e);
    }
    out.push_back(static_cast<int64_t>(e.number_value()));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> Params::StringList(
    std::string_view name) const {
  std::vector<std::string> out;
  const Value* v = Find(name);
  if (v == nullptr) return out;
  if (v->kind_case() != Value::kListValue) {
    return Bad(name, "a list of strings", *v);
  }
  for (const Value& e : v->list_value().values()) {
    if (e.kind_case() != Value::kStringValue) {
      return Bad(name, "a list of strings", e);
    }
    out.push_back(e.string_value());
  }
  return out;
}

absl::Status Params::CheckKnown(
    std::initializer_list<std::string_view> known) const {
  std::vector<std::string> k(known.begin(), known.end());
  return CheckKnown(k);
}

absl::Status Params::CheckKnown(const std::vector<std::string>& known) const {
  for (const auto& [name, value] : params_->fields()) {
    bool found = false;
    for (const auto& k : known) found = found || k == name;
    if (!found) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown parameter \"", name,
                       "\"; this kind takes: ", absl::StrJoin(known, ", ")));
    }
  }
  return absl::OkStatus();
}

}  // namespace gridless
