// HOST:PORT parsing (see address.h): one split of the text into host and
// port, and one port check, under the coordinator's and the worker's rules.
#include "common/address.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace gridless {
namespace {

// Why a text could not be split into HOST and PORT.
enum class SplitError {
  kNone,
  kNoColon,              // "host"
  kUnclosedBracket,      // "[::1"
  kNoColonAfterBracket,  // "[::1]80"
  kUnbracketedColon,     // "::1:80"
};

struct HostPortText {
  SplitError error = SplitError::kNone;
  bool bracketed = false;
  absl::string_view host;  // without brackets; may be empty
  absl::string_view port;  // may be empty or not a number
};

// "[HOST]:PORT" when `text` starts with '[' (PORT is all after the ':' that
// follows the first ']'), else "HOST:PORT" split at the last ':'.  Neither
// part is checked beyond that.
HostPortText SplitHostPort(absl::string_view text) {
  HostPortText out;
  if (!text.empty() && text.front() == '[') {
    out.bracketed = true;
    const size_t close = text.find(']');
    if (close == absl::string_view::npos) {
      out.error = SplitError::kUnclosedBracket;
      return out;
    }
    out.host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      out.error = SplitError::kNoColonAfterBracket;
      return out;
    }
    out.port = text.substr(close + 2);
    return out;
  }
  const size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos) {
    out.error = SplitError::kNoColon;
    return out;
  }
  out.host = text.substr(0, colon);
  if (out.host.find(':') != absl::string_view::npos) {
    out.error = SplitError::kUnbracketedColon;
    return out;
  }
  out.port = text.substr(colon + 1);
  return out;
}

// Decimal digits only (no sign, no space) and at most 65535.
bool ParsePort(absl::string_view text, int* port) {
  return !text.empty() && text.find_first_not_of("0123456789") == text.npos &&
         absl::SimpleAtoi(text, port) && *port <= 65535;
}

// The worker's host rule (see address.h).
bool ValidTargetHost(absl::string_view host, bool bracketed) {
  if (host.empty()) return false;
  for (char c : host) {
    const bool ok =
        bracketed ? absl::ascii_isxdigit(c) || c == ':' || c == '.' || c == '%'
                  : absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(absl::string_view text,
                                       absl::string_view what) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", text, "\": ", why,
                     "; expected HOST:PORT such as 127.0.0.1:7070"));
  };
  const HostPortText parts = SplitHostPort(text);
  switch (parts.error) {
    case SplitError::kNone:
      break;
    case SplitError::kNoColon:
      return bad("missing ':PORT'");
    case SplitError::kUnclosedBracket:
      return bad("missing ']'");
    case SplitError::kNoColonAfterBracket:
      return bad("missing ':PORT' after ']'");
    case SplitError::kUnbracketedColon:
      return bad("an IPv6 host must be in brackets, e.g. [::1]:7070");
  }
  if (parts.host.empty()) return bad("missing HOST");
  HostPort out;
  if (!ParsePort(parts.port, &out.port)) {
    return bad(absl::StrCat("port \"", parts.port,
                            "\" is not a number in [0, 65535]"));
  }
  out.host = std::string(parts.host);
  return out;
}

std::string FormatHostPort(absl::string_view host, int port) {
  if (host.find(':') != absl::string_view::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

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
  if (address.find(':') == absl::string_view::npos) return bad("no port");
  // Every way the split can fail leaves a malformed host, and so does a
  // second ':' after "[HOST]:" (the host runs to the last ':').
  const HostPortText parts = SplitHostPort(address);
  if (parts.error != SplitError::kNone ||
      (parts.bracketed && parts.port.find(':') != absl::string_view::npos) ||
      !ValidTargetHost(parts.host, parts.bracketed)) {
    return bad("missing or malformed host");
  }
  int port = 0;
  if (!ParsePort(parts.port, &port) || port == 0) {
    return bad("port must be a number in 1..65535");
  }
  return absl::OkStatus();
}

}  // namespace gridless
