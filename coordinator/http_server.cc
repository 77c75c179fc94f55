// HttpServer over civetweb's C API (see http_server.h).  The C API rather
// than CivetServer: CivetServer reports a failed start by throwing, and
// mg_start2 returns civetweb's reason as text instead.
#include "coordinator/http_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "coordinator/address.h"

namespace gridless {
namespace {

constexpr char kWhat[] = "--http";

std::string Decode(absl::string_view text) {
  std::string out(text.size() + 1, '\0');
  int n = mg_url_decode(text.data(), static_cast<int>(text.size()), out.data(),
                        static_cast<int>(out.size()),
                        /*is_form_url_encoded=*/1);
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

// The first address `host` resolves to, as civetweb's listening_ports wants
// it: "1.2.3.4" or "[::1]".
// Debian 12's civetweb is built without IPv6 (mg_check_feature(8) is 0), so
// there a name resolves to IPv4 only and an IPv6 literal is refused.
absl::StatusOr<std::string> NumericHost(const HostPort& address) {
  const bool ipv6 = mg_check_feature(8) != 0;
  if (!ipv6 && address.host.find(':') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        kWhat, " \"", FormatHostPort(address.host, address.port),
        "\": this build's HTTP server (civetweb) has no IPv6 support; use an "
        "IPv4 address such as 127.0.0.1 or 0.0.0.0"));
  }
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = ipv6 ? AF_UNSPEC : AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(address.host.c_str(), nullptr, &hints, &res);
      rc != 0 || res == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        kWhat, " \"", FormatHostPort(address.host, address.port),
        "\": cannot resolve host \"", address.host, "\": ", gai_strerror(rc)));
  }
  char text[INET6_ADDRSTRLEN] = {0};
  std::string out;
  if (res->ai_family == AF_INET6) {
    inet_ntop(AF_INET6,
              &reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr, text,
              sizeof text);
    out = absl::StrCat("[", text, "]");
  } else {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr,
              text, sizeof text);
    out = text;
  }
  freeaddrinfo(res);
  return out;
}

int QuietLog(const mg_connection*, const char*) { return 1; }

// Opens and closes a connection to `address` (a loopback or the bound
// address), ignoring errors.
void WakeListener(const sockaddr_storage& address) {
  const socklen_t len = address.ss_family == AF_INET6 ? sizeof(sockaddr_in6)
                                                      : sizeof(sockaddr_in);
  int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  connect(fd, reinterpret_cast<const sockaddr*>(&address), len);
  close(fd);
}

// Where Stop connects to wake civetweb: the bound address, or loopback for
// a wildcard one.
sockaddr_storage WakeAddress(const std::string& numeric_host, int port) {
  sockaddr_storage out;
  std::memset(&out, 0, sizeof out);
  if (!numeric_host.empty() && numeric_host[0] == '[') {
    auto* a = reinterpret_cast<sockaddr_in6*>(&out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    const std::string ip = numeric_host.substr(1, numeric_host.size() - 2);
    if (inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr) != 1 ||
        IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr)) {
      a->sin6_addr = in6addr_loopback;
    }
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&out);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, numeric_host.c_str(), &a->sin_addr) != 1 ||
        a->sin_addr.s_addr == htonl(INADDR_ANY)) {
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
  }
  return out;
}

bool HasLineBreak(absl::string_view s) {
  return s.find_first_of("\r\n") != absl::string_view::npos;
}

void Respond(mg_connection* conn, const HttpResponse& response,
             bool head_only) {
  mg_response_header_start(conn, response.status);
  mg_response_header_add(conn, "Content-Type", response.content_type.c_str(),
                         -1);
  const std::string length = absl::StrCat(response.body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) ||
        absl::EqualsIgnoreCase(name, "Content-Length") ||
        absl::EqualsIgnoreCase(name, "Content-Type")) {
      continue;
    }
    mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(conn);
  if (!head_only && !response.body.empty()) {
    mg_write(conn, response.body.data(), response.body.size());
  }
}

HttpResponse Error(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

std::optional<std::string> HttpRequest::Param(absl::string_view name) const {
  for (const auto& [k, v] : query_params) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> ParseQueryString(
    absl::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = part.find('=');
    if (eq == absl::string_view::npos) {
      out.emplace_back(Decode(part), "");
    } else {
      out.emplace_back(Decode(part.substr(0, eq)), Decode(part.substr(eq + 1)));
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HostPort& address, Handler handler,
    const HttpServerOptions& options) {
  const std::string text = FormatHostPort(address.host, address.port);
  if (options.num_threads < 1 || options.num_threads > 1024 ||
      options.request_timeout < absl::Milliseconds(1) ||
      options.request_timeout > absl::Hours(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        kWhat, " \"", text, "\": num_threads must be in [1, 1024] (got ",
        options.num_threads, ") and request_timeout in [1ms, 1h] (got ",
        absl::FormatDuration(options.request_timeout), ")"));
  }
  auto host = NumericHost(address);
  if (!host.ok()) return host.status();
  static std::once_flag library_once;
  std::call_once(library_once, [] { mg_init_library(0); });

  const std::string ports = absl::StrCat(*host, ":", address.port);
  const std::string threads = absl::StrCat(options.num_threads);
  const std::string timeout =
      absl::StrCat(absl::ToInt64Milliseconds(options.request_timeout));
  // clang-format off
  const char* config[] = {
      "listening_ports", ports.c_str(),
      "num_threads", threads.c_str(),
      "request_timeout_ms", timeout.c_str(),
      "enable_keep_alive", "no",
      "max_request_size", "16384",  // the request head
      nullptr};
  // clang-format on
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof callbacks);
  callbacks.log_message = QuietLog;
  std::unique_ptr<HttpServer> server(
      new HttpServer(std::move(handler), options));
  mg_init_data init;
  std::memset(&init, 0, sizeof init);
  init.callbacks = &callbacks;
  init.user_data = server.get();
  init.configuration_options = config;
  char reason[256] = {0};
  unsigned code = 0;
  mg_error_data error;
  std::memset(&error, 0, sizeof error);
  error.code = &code;
  error.text = reason;
  error.text_buffer_size = sizeof reason;
  mg_context* context = mg_start2(&init, &error);
  if (context == nullptr) {
    // Our own bind gives the system's words for the common case (the port
    // is taken); otherwise civetweb's.
    if (absl::Status s = CheckBindable(address, kWhat); !s.ok()) return s;
    return absl::UnavailableError(
        absl::StrCat(kWhat, " \"", text, "\": cannot serve HTTP there: ",
                     reason[0] != '\0' ? reason : "civetweb failed to start"));
  }
  mg_set_request_handler(context, "/", &HttpServer::OnRequest, server.get());
  mg_server_port bound;
  std::memset(&bound, 0, sizeof bound);
  if (mg_get_server_ports(context, 1, &bound) != 1 || bound.port <= 0) {
    mg_stop(context);
    return absl::InternalError(absl::StrCat(
        kWhat, " \"", text, "\": civetweb did not report the bound port"));
  }
  server->address_ = FormatHostPort(address.host, bound.port);
  server->wake_ = WakeAddress(*host, bound.port);
  server->context_ = context;
  return server;
}

HttpServer::HttpServer(Handler handler, const HttpServerOptions& options)
    : handler_(std::move(handler)), options_(options) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (context_ == nullptr) return;
  // civetweb's accept loop polls in 2 s steps and looks at the stop flag
  // between them; a connection wakes it at once.  Connections made before
  // the flag is set are served as empty requests.
  std::atomic<bool> stopped = false;
  std::thread stopper([this, &stopped] {
    mg_stop(context_);
    stopped = true;
  });
  while (!stopped) {
    WakeListener(wake_);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stopper.join();
  context_ = nullptr;
}

bool HttpServer::ReadBody(mg_connection* conn, long long content_length,
                          std::string* body, HttpResponse* refusal) {
  // civetweb bounds each read by request_timeout after the last byte, not
  // the whole body, so a client trickling its body holds its thread.  At
  // most a quarter of the threads read bodies at once; the rest stay free
  // for requests without one (/healthz).
  const int max_readers = std::max(1, options_.num_threads / 4);
  if (body_readers_.fetch_add(1) >= max_readers) {
    body_readers_.fetch_sub(1);
    *refusal = Error(503, absl::StrCat("too many request bodies (", max_readers,
                                       ") are being received; retry\n"));
    refusal->headers.emplace_back("Retry-After", "1");
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        absl::ToChronoMilliseconds(options_.request_timeout);
  bool ok = true;
  char buf[16384];
  for (;;) {
    const int n = mg_read(conn, buf, sizeof buf);
    if (n <= 0) break;
    if (body->size() + static_cast<size_t>(n) > options_.max_body_bytes) {
      *refusal = Error(413, absl::StrCat("request body is over the limit of ",
                                         options_.max_body_bytes, " bytes\n"));
      ok = false;
      break;
    }
    body->append(buf, static_cast<size_t>(n));
    if (std::chrono::steady_clock::now() > deadline) {
      *refusal = Error(408, "request body did not arrive in time\n");
      ok = false;
      break;
    }
  }
  body_readers_.fetch_sub(1);
  if (ok && content_length >= 0 &&
      body->size() != static_cast<unsigned long long>(content_length)) {
    *refusal =
        Error(400, absl::StrCat("request body ended after ", body->size(),
                                " of ", content_length, " bytes\n"));
    ok = false;
  }
  return ok;
}

int HttpServer::OnRequest(mg_connection* conn, void* self) {
  return static_cast<HttpServer*>(self)->Serve(conn);
}

int HttpServer::Serve(mg_connection* conn) {
  // must_close: also makes civetweb skip draining an unread body after the
  // handler, which a client could trickle forever.
  mg_disable_keep_alive(conn);
  const mg_request_info* info = mg_get_request_info(conn);
  const std::string method =
      info->request_method != nullptr ? info->request_method : "";
  const bool head_only = method == "HEAD";
  HttpResponse response;
  if (method != "GET" && method != "HEAD" && method != "POST") {
    response = Error(405, absl::StrCat("method ", method.substr(0, 20),
                                       " not allowed; use GET, HEAD or "
                                       "POST\n"));
    response.headers.emplace_back("Allow", "GET, HEAD, POST");
  } else if (info->local_uri == nullptr || info->local_uri[0] != '/') {
    response = Error(400, "the request target must be a path on this server\n");
  } else if (method == "POST" && info->content_length >= 0 &&
             static_cast<unsigned long long>(info->content_length) >
                 options_.max_body_bytes) {
    response = Error(413, absl::StrCat("request body of ", info->content_length,
                                       " bytes is over the limit of ",
                                       options_.max_body_bytes, " bytes\n"));
  } else {
    HttpRequest request;
    request.method = method;
    request.path = info->local_uri;
    if (info->query_string != nullptr) {
      request.query = info->query_string;
      request.query_params = ParseQueryString(request.query);
    }
    const int num_headers = std::clamp(info->num_headers, 0, MG_MAX_HEADERS);
    for (int i = 0; i < num_headers; ++i) {
      const mg_header& h = info->http_headers[i];
      request.headers.emplace_back(h.name != nullptr ? h.name : "",
                                   h.value != nullptr ? h.value : "");
    }
    request.remote_address = info->remote_addr;
    bool ok = true;
    if (method == "POST" && info->content_length != 0) {
      ok = ReadBody(conn, info->content_length, &request.body, &response);
    }
    if (ok) {
      response =
          handler_ != nullptr
              ? handler_(request)
              : Error(404, absl::StrCat("no such page: ",
                                        request.path.substr(0, 100), "\n"));
    }
  }
  response.status = std::clamp(response.status, 100, 599);
  Respond(conn, response, head_only);
  return response.status;
}

}  // namespace gridless
