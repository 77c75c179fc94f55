// The coordinator's HTTP endpoint: /healthz and /metrics now, the dashboard
// and its JSON API under /api/ later.  HTTP/1.1 is spoken by civetweb (Debian
// libcivetweb); this class adapts it to one handler that takes an HttpRequest
// and returns an HttpResponse, and bounds what a client can make it hold:
//
//   - A pool of `num_threads` threads serves connections; a connection holds
//     one thread while its request arrives, the handler runs and the answer
//     is written.  Keep-alive is off: one request per connection, and an
//     unread request body is not drained after the answer.
//   - The request head (at most 16 KiB, 64 headers) must arrive within
//     `request_timeout` of a thread taking the connection, in total: a
//     client that sends a byte a second, or nothing, is cut off then.
//   - POST bodies: at most `max_body_bytes` (413; at once when
//     Content-Length says so), read by at most a quarter of the threads at
//     once (503 beyond), because civetweb's per-read timeout restarts with
//     every byte and a trickled body can hold its thread; the other threads
//     stay free for requests without a body, such as /healthz.
//   - Methods other than GET, HEAD and POST get 405 without calling the
//     handler.  HEAD gets the handler's headers without the body.
//
// Connections beyond `num_threads` wait in civetweb's accept queue, then the
// kernel's backlog, until a thread is free.
//
// Thread-safety: Start, Stop and address from any thread.  The handler is
// called on civetweb's threads, up to `num_threads` at once: it must be
// thread-safe, and must not call Stop.  Stop waits for running handlers.
#ifndef GRIDLESS_COORDINATOR_HTTP_SERVER_H_
#define GRIDLESS_COORDINATOR_HTTP_SERVER_H_

#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/address.h"

struct mg_context;
struct mg_connection;

namespace gridless {

struct HttpRequest {
  std::string method;  // "GET", "HEAD" or "POST"
  // URL-decoded, without the query string and with "." and ".." segments
  // resolved: "/api/jobs".
  std::string path;
  std::string query;  // the raw text after '?', "" when there is none
  // `query` split at '&' and '=' and URL-decoded ('+' is a space), in order.
  std::vector<std::pair<std::string, std::string>> query_params;
  // Request headers as received (at most 64).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;            // POST only; at most max_body_bytes
  std::string remote_address;  // the client's IP address

  // The first value of query parameter `name`; nullopt when absent.
  std::optional<std::string> Param(absl::string_view name) const;
  // The first header called `name` (any case); nullopt when absent.
  std::optional<std::string> Header(absl::string_view name) const;
};

struct HttpResponse {
  int status = 200;  // 100..599
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra headers, e.g. {"WWW-Authenticate", "Bearer"}.  A header whose name
  // or value holds CR or LF, and Content-Length or Content-Type (use the
  // fields above), are dropped.
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpServerOptions {
  int num_threads = 64;  // 1..1024
  absl::Duration request_timeout = absl::Seconds(5);
  size_t max_body_bytes = size_t{1} << 20;
};

// Splits a raw query string ("a=1&b=x+y&c") into decoded pairs
// ({"a","1"}, {"b","x y"}, {"c",""}); empty segments are skipped.
std::vector<std::pair<std::string, std::string>> ParseQueryString(
    absl::string_view query);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Listens on `address` (port 0 picks one; a host name is resolved to its
  // first address; IPv6 only when civetweb was built with it, which Debian
  // 12's is not) and serves until Stop.  A null handler answers 404.
  // INVALID_ARGUMENT for an unresolvable host, an IPv6 address without IPv6
  // support, or out-of-range options; UNAVAILABLE naming "--http", the
  // address and the reason when it cannot listen there (e.g. the port is
  // taken).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HostPort& address, Handler handler,
      const HttpServerOptions& options = {});
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // "HOST:PORT" with the bound port.
  const std::string& address() const { return address_; }
  // Stops accepting, cuts off waiting clients and returns once every
  // civetweb thread (and so every running handler) has finished: at once
  // when idle, up to 2 s while a client is stalling (civetweb polls in 2 s
  // steps).  Idempotent.
  void Stop();

 private:
  HttpServer(Handler handler, const HttpServerOptions& options);
  static int OnRequest(mg_connection* conn, void* self);
  int Serve(mg_connection* conn);
  // Reads a POST body into *body; false with the answer in *refusal when it
  // is too big (413), too slow (408), short (400) or too many bodies are
  // being read at once (503).
  bool ReadBody(mg_connection* conn, long long content_length,
                std::string* body, HttpResponse* refusal);

  const Handler handler_;
  const HttpServerOptions options_;
  std::string address_;  // set by Start, then constant
  std::mutex mu_;
  mg_context* context_ = nullptr;      // guarded by mu_; null once stopped
  std::atomic<int> body_readers_ = 0;  // threads in ReadBody
  sockaddr_storage wake_;              // set by Start; see Stop
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_HTTP_SERVER_H_
