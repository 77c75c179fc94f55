#include "worker/address.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace gridless {
namespace {

bool ValidHost(absl::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    for (char c : host.substr(1, host.size() - 2)) {
      if (!absl::ascii_isxdigit(c) && c != ':' && c != '.' && c != '%') {
        return false;
      }
    }
    return true;
  }
  for (char c : host) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status ValidateAddress(std::string_view address_in,
                             std::string_view what_in) {
  // Debian's Abseil has its own string_view type.
  const absl::string_view address(address_in.data(), address_in.size());
  const absl::string_view what(what_in.data(), what_in.size());
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": bad address \"", address, "\": ", why,
                     "; expected HOST:PORT, e.g. 127.0.0.1:7070"));
  };
  if (absl::StartsWith(address, "unix:")) {
    if (address.size() == 5) return bad("empty unix socket path");
    return absl::OkStatus();
  }
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return bad("no port");
  const absl::string_view host = address.substr(0, colon);
  const absl::string_view port_text = address.substr(colon + 1);
  if (!ValidHost(host)) return bad("missing or malformed host");
  if (host.front() != '[' && host.find(':') != absl::string_view::npos) {
    return bad("IPv6 addresses need brackets, e.g. [::1]:7070");
  }
  uint32_t port = 0;
  for (char c : port_text) {
    if (!absl::ascii_isdigit(c))
      return bad("port must be a number in 1..65535");
  }
  if (port_text.empty() || !absl::SimpleAtoi(port_text, &port) || port == 0 ||
      port > 65535) {
    return bad("port must be a number in 1..65535");
  }
  return absl::OkStatus();
}

}  // namespace gridless
