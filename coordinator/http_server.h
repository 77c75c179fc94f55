// A tiny HTTP/1.0 server for /healthz and /metrics: one thread polls the
// listening socket, reads one request per connection (head only, at most
// 8 KiB, 2 s to arrive), answers through a handler and closes.  Enough for
// Prometheus scrapes and liveness probes; not a general web server.
//
// Thread-safety: Start/Stop/address from any thread; the handler is called on
// the server's thread, one request at a time.
#ifndef GRIDLESS_COORDINATOR_HTTP_SERVER_H_
#define GRIDLESS_COORDINATOR_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "coordinator/address.h"

namespace gridless {

struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // "/metrics", without the query string
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// True once `data` holds a whole request head (ends with an empty line).
bool HttpHeadComplete(absl::string_view data);
// Parses the request line of a request head.  INVALID_ARGUMENT saying what
// is wrong.
absl::StatusOr<HttpRequest> ParseHttpRequest(absl::string_view head);
// The bytes of a response: status line, Content-Type, Content-Length,
// Connection: close, body.  `head_only` omits the body (HEAD requests).
std::string FormatHttpResponse(const HttpResponse& response,
                               bool head_only = false);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Listens on `address` (port 0 picks one) and serves until destroyed.
  // Errors as ListenTcp.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HostPort& address, Handler handler);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // "HOST:PORT" with the bound port.
  const std::string& address() const { return address_; }
  // Stops serving and joins the thread.  Idempotent.
  void Stop();

 private:
  HttpServer(int listen_fd, int wake_read, int wake_write, std::string address,
             Handler handler);
  void Loop();
  void Serve(int fd);

  const int listen_fd_;
  const int wake_read_;
  const int wake_write_;
  const std::string address_;
  const Handler handler_;
  std::thread thread_;
  bool stopped_ = false;  // only touched by the owner's thread
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_HTTP_SERVER_H_
