// HTTP/1.1 front end on Boost.Beast: keep-alive, pipelining (requests on a
// connection are answered in order), header and body limits, idle timeouts;
// HTTP/2 (prior-knowledge h2c, or h2 by ALPN) and optionally TLS on the same
// port, chosen by a connection's first bytes.
// Knows nothing of AWS: complete requests go to a Handler, which answers
// through a callback that may run on any thread.
//
// Threading: one io_context run by `threads` threads (or the caller's
// io_context); each connection is served on its own strand. Handlers must
// not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/http_message.h"
#include "common/result.h"

namespace boost::asio {
class io_context;
}

namespace sluice::http {

class TlsContext;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;  // 0 picks a free port
  int threads = 2;
  // When set, the server runs on this io_context, whose threads belong to the
  // caller (`threads` is then ignored): completions the caller posts there
  // and the answers they write run on the same threads, without a hand-off.
  boost::asio::io_context* context = nullptr;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 16 * 1024 * 1024;
  // A connection waiting for a request header closes after idle_timeout (so a
  // header dribbled byte by byte is cut then); once the header is in, the
  // body and the answer's write each get read_timeout.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  // When set, connections whose first byte opens a TLS handshake record
  // (0x16) are served over TLS (HTTP/2 if ALPN selects "h2", else HTTP/1.1);
  // all others stay plain (h2c or HTTP/1.1), on the same port. Null: plain
  // only.
  std::shared_ptr<const TlsContext> tls;
  // A TLS handshake must complete within this, once its first byte is in
  // (before that, idle_timeout applies as to any quiet connection).
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
};

using Responder = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest, Responder)>;
// Builds the answer to a request the front end rejects itself (too large,
// malformed). `status` is the HTTP status, `code`/`message` AWS-style.
using ErrorRenderer =
    std::function<HttpResponse(int status, const std::string& code, const std::string& message)>;

class Server {
 public:
  Server(ServerOptions options, Handler handler, ErrorRenderer error_renderer);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the I/O threads.
  Status Start();
  uint16_t port() const;
  // Stops accepting, lets requests in progress finish (up to `grace`), closes
  // idle connections and joins the I/O threads (its own, not the caller's).
  void Stop(std::chrono::milliseconds grace);
  size_t active_requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::http
