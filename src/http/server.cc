#include "http/server.h"

#include "http/h2_session.h"
#include "http/tls.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <set>
#include <type_traits>
#include <thread>
#include <vector>

namespace sluice::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

// One accepted connection, at whatever stage it is; Stop() closes the idle ones.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  // Closes the connection if it is idle; a busy one closes after its answer.
  virtual void Shutdown() = 0;
};

struct Shared {
  ServerOptions options;
  Handler handler;
  ErrorRenderer error_renderer;
  std::atomic<size_t> active{0};
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::set<std::weak_ptr<Connection>, std::owner_less<std::weak_ptr<Connection>>>
      connections;  // GUARDED_BY(mu)

  void Register(const std::shared_ptr<Connection>& c) {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = connections.begin(); it != connections.end();) {
      it = it->expired() ? connections.erase(it) : std::next(it);
    }
    connections.insert(c);
  }
};

std::string RemoteAddress(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The body of a streamed HTTP/1.1 response, between the producer (any
// thread) and the connection's strand: bytes queue here and `wake` asks the
// strand to write them (as chunks).
class H1ResponseStream : public ResponseStream {
 public:
  explicit H1ResponseStream(std::function<void()> wake) : wake_(std::move(wake)) {}

  bool Write(std::string bytes) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_ || ended_) return false;
      if (bytes.empty()) return true;
      buffered_ += bytes.size();
      queue_.push_back(std::move(bytes));
      if (wake_posted_) return true;
      wake_posted_ = true;
    }
    wake_();
    return true;
  }

  void End() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_ || ended_) return;
      ended_ = true;
      if (wake_posted_) return;
      wake_posted_ = true;
    }
    wake_();
  }

  size_t buffered_bytes() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return buffered_;
  }

  void OnDrained(size_t low_watermark, std::function<void()> callback) override {
    std::lock_guard<std::mutex> lock(mu_);
    low_watermark_ = low_watermark;
    on_drained_ = std::move(callback);
  }

  void OnClosed(std::function<void()> callback) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!closed_) {
        on_closed_ = std::move(callback);
        return;
      }
    }
    callback();
  }

  // Connection side, on its strand. Takes every queued byte; `*end` is true
  // when End() was called and nothing is left.
  std::string Take(bool* end) {
    std::lock_guard<std::mutex> lock(mu_);
    wake_posted_ = false;
    std::string out;
    if (queue_.size() == 1) {
      out = std::move(queue_.front());
    } else {
      for (auto& q : queue_) out += q;
    }
    queue_.clear();
    *end = ended_ && out.empty();
    return out;
  }

  // `n` bytes taken earlier are written.
  void Written(size_t n) {
    std::function<void()> callback;
    {
      std::lock_guard<std::mutex> lock(mu_);
      bool above = buffered_ > low_watermark_;
      buffered_ -= std::min(n, buffered_);
      if (above && buffered_ <= low_watermark_) callback = on_drained_;
    }
    if (callback) callback();
  }

  void MarkClosed() {
    std::function<void()> callback;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return;
      closed_ = true;
      queue_.clear();
      buffered_ = 0;
      on_drained_ = nullptr;
      callback = std::move(on_closed_);
    }
    if (callback) callback();
  }

 private:
  const std::function<void()> wake_;
  mutable std::mutex mu_;
  std::vector<std::string> queue_;       // GUARDED_BY(mu_)
  size_t buffered_ = 0;                  // GUARDED_BY(mu_)
  size_t low_watermark_ = 0;             // GUARDED_BY(mu_)
  bool wake_posted_ = false;             // GUARDED_BY(mu_)
  bool ended_ = false;                   // GUARDED_BY(mu_)
  bool closed_ = false;                  // GUARDED_BY(mu_)
  std::function<void()> on_drained_;     // GUARDED_BY(mu_)
  std::function<void()> on_closed_;      // GUARDED_BY(mu_)
};

// HTTP/1.1 over a plain or a TLS stream. The TLS one starts with the server
// side of the handshake, fed with the bytes already read to tell it apart.
template <typename Stream>
class HttpSession : public Connection {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // `first_deadline`, when set, bounds the wait for the first request header
  // (the time already spent waiting for the connection's first byte counts).
  template <typename... StreamArgs>
  HttpSession(std::shared_ptr<Shared> shared, std::string remote, beast::flat_buffer buffer,
              std::optional<std::chrono::steady_clock::time_point> first_deadline,
              StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        buffer_(std::move(buffer)),
        shared_(std::move(shared)),
        remote_(std::move(remote)),
        first_deadline_(first_deadline),
        exec_(stream_.get_executor()) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = Self()] {
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->Read();
      }
    });
  }

  void Shutdown() override {
    // exec_, not stream_: the stream may have moved to an HTTP/2 connection.
    asio::post(exec_, [self = Self()] {
      if (!self->busy_ && !self->handed_off_) self->HardClose();
    });
  }

 private:
  std::shared_ptr<HttpSession> Self() {
    return std::static_pointer_cast<HttpSession>(shared_from_this());
  }
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void Handshake() {
    if (shared_->stopping) return HardClose();
    // A handshake that stalls (or never was one) is cut here, so neither a
    // thread nor the descriptor is held by it.
    Tcp().expires_after(shared_->options.handshake_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server, buffer_.data(),
                            [self = Self()](beast::error_code ec, size_t used) {
                              self->OnHandshake(ec, used);
                            });
  }

  void OnHandshake(beast::error_code ec, size_t used) {
    if (ec) return HardClose();
    buffer_.consume(used);
    tls_up_ = true;
    if constexpr (kTls) {
      const unsigned char* alpn = nullptr;
      unsigned int alpn_len = 0;
      SSL_get0_alpn_selected(stream_.native_handle(), &alpn, &alpn_len);
      if (alpn_len == 2 && alpn[0] == 'h' && alpn[1] == '2') return HandOffToH2();
    }
    Read();
  }

  void HandOffToH2();

  void Read() {
    if (shared_->stopping) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(shared_->options.max_header_bytes));
    parser_->body_limit(shared_->options.max_body_bytes);
    // Idle connections close after idle_timeout; once bytes arrive, the whole
    // request must follow within read_timeout (slow-drip clients are cut).
    if (first_deadline_) {
      Tcp().expires_at(*first_deadline_);
      first_deadline_.reset();
    } else {
      Tcp().expires_after(buffer_.size() > 0 ? shared_->options.read_timeout
                                             : shared_->options.idle_timeout);
    }
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&HttpSession::OnHeader, Self()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    Tcp().expires_after(shared_->options.read_timeout);
    auto& req = parser_->get();
    if (beast::iequals(req[bhttp::field::expect], "100-continue") && !parser_->is_done()) {
      // The client waits for this before sending its body.
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                        req.version());
      bhttp::async_write(stream_, *cont, [self = Self(), cont](beast::error_code wec, size_t) {
        if (wec) return self->HardClose();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&HttpSession::OnRead, Self()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof) return Close();
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset) {
      return HardClose();
    }
    if constexpr (kTls) {
      // A peer that closes without close_notify, or records that do not
      // decrypt: nothing more can be said on this connection.
      if (ec == asio::ssl::error::stream_truncated ||
          ec.category() == asio::error::get_ssl_category()) {
        return HardClose();
      }
    }
    int status = 400;
    std::string code = "MalformedHTTPRequest";
    std::string message = "The HTTP request could not be parsed: " + ec.message() + ".";
    if (ec == bhttp::error::body_limit) {
      status = 413;
      code = "RequestEntityTooLarge";
      message = "Request body must be no larger than " +
                std::to_string(shared_->options.max_body_bytes) + " bytes.";
    } else if (ec == bhttp::error::header_limit) {
      status = 431;
      code = "RequestHeaderFieldsTooLarge";
      message = "Request headers must be no larger than " +
                std::to_string(shared_->options.max_header_bytes) + " bytes.";
    }
    // The rest of the stream cannot be trusted: answer, then close.
    keep_alive_ = false;
    Write(shared_->error_renderer(status, code, message));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    Tcp().expires_never();
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.headers.reserve(16);
    for (const auto& f : req) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(req.body());
    r.remote_address = remote_;
    r.tls = kTls;
    version_ = req.version();
    busy_ = true;
    ++shared_->active;
    auto self = Self();
    auto exec = stream_.get_executor();
    shared_->handler(std::move(r), [self, exec](HttpResponse resp) {
      asio::post(exec, [self, resp = std::move(resp)]() mutable {
        --self->shared_->active;
        self->Write(std::move(resp));
      });
    });
  }

  void Write(HttpResponse resp) {
    if (resp.stream) return WriteStreamed(std::move(resp));
    busy_ = true;
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>();
    msg->version(version_);
    msg->result(static_cast<unsigned>(resp.status));
    msg->set(bhttp::field::server, "Sluice");
    for (auto& [k, v] : resp.headers) msg->set(k, v);
    msg->body() = std::move(resp.body);
    bool keep = keep_alive_ && !shared_->stopping;
    msg->keep_alive(keep);
    msg->prepare_payload();
    Tcp().expires_after(shared_->options.read_timeout);
    bhttp::async_write(stream_, *msg, [self = Self(), msg, keep](beast::error_code ec, size_t) {
      self->busy_ = false;
      if (ec) return self->HardClose();
      if (!keep) return self->Close();
      self->Read();
    });
  }

  // A streamed answer: the header now, then the body as the producer writes
  // it, in chunks (HTTP/1.0: raw, ended by closing the connection). The
  // connection reads no further request until the body has ended.
  void WriteStreamed(HttpResponse resp) {
    busy_ = true;
    chunked_ = version_ >= 11;
    stream_keep_ = chunked_ && keep_alive_ && !shared_->stopping;
    auto head = std::make_shared<bhttp::response<bhttp::empty_body>>();
    head->version(version_);
    head->result(static_cast<unsigned>(resp.status));
    head->set(bhttp::field::server, "Sluice");
    for (auto& [k, v] : resp.headers) head->set(k, v);
    if (chunked_) head->chunked(true);
    head->keep_alive(stream_keep_);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head);
    Tcp().expires_after(shared_->options.read_timeout);
    bhttp::async_write_header(
        stream_, *serializer,
        [self = Self(), head, serializer, producer = std::move(resp.stream)](
            beast::error_code ec, size_t) mutable {
          // On failure the producer is dropped unused, which tells it so.
          if (ec) return self->HardClose();
          self->Tcp().expires_never();
          // No read or write may be pending while the producer is quiet:
          // the connection keeps itself until the body ends or fails.
          self->streaming_self_ = self;
          std::weak_ptr<Connection> weak = self->weak_from_this();
          self->body_ = std::make_shared<H1ResponseStream>([weak, exec = self->exec_] {
            asio::post(exec, [weak] {
              if (auto c = weak.lock()) std::static_pointer_cast<HttpSession>(c)->Pump();
            });
          });
          producer(self->body_);
        });
  }

  // Writes what the producer queued; after End(), the last chunk.
  void Pump() {
    if (!body_ || body_writing_) return;
    bool end = false;
    auto data = std::make_shared<std::string>(body_->Take(&end));
    if (!data->empty()) {
      body_writing_ = true;
      Tcp().expires_after(shared_->options.read_timeout);
      auto done = [self = Self(), data](beast::error_code ec, size_t) {
        self->body_writing_ = false;
        self->Tcp().expires_never();
        if (ec) return self->StreamFailed();
        self->body_->Written(data->size());
        self->Pump();
      };
      if (chunked_) {
        asio::async_write(stream_, bhttp::make_chunk(asio::buffer(*data)), std::move(done));
      } else {
        asio::async_write(stream_, asio::buffer(*data), std::move(done));
      }
      return;
    }
    if (!end) return;
    auto finish = [self = Self()](beast::error_code ec) {
      auto body = std::move(self->body_);
      self->streaming_self_.reset();
      self->body_writing_ = false;
      self->busy_ = false;
      self->Tcp().expires_never();
      body->MarkClosed();
      if (ec) return self->HardClose();
      if (!self->stream_keep_) return self->Close();
      self->Read();
    };
    if (!chunked_) return finish({});
    body_writing_ = true;
    Tcp().expires_after(shared_->options.read_timeout);
    asio::async_write(stream_, bhttp::make_chunk_last(),
                      [finish](beast::error_code ec, size_t) mutable { finish(ec); });
  }

  // The client went away (or stopped reading) while the body streamed.
  void StreamFailed() {
    auto body = std::move(body_);
    auto keep = std::move(streaming_self_);
    busy_ = false;
    HardClose();
    if (body) body->MarkClosed();
  }

  // Ends the connection in order: over TLS, close_notify first (bounded, as
  // the peer may never answer it), so clients can tell the end from a cut.
  void Close() {
    if constexpr (kTls) {
      if (tls_up_ && !closing_) {
        closing_ = true;
        Tcp().expires_after(std::min<std::chrono::milliseconds>(shared_->options.read_timeout,
                                                                std::chrono::seconds(1)));
        stream_.async_shutdown([self = Self()](beast::error_code) { self->HardClose(); });
        return;
      }
    }
    HardClose();
  }

  void HardClose() {
    boost::system::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    Tcp().close();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Shared> shared_;
  std::string remote_;
  std::optional<std::chrono::steady_clock::time_point> first_deadline_;
  asio::any_io_executor exec_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool busy_ = false;
  bool tls_up_ = false;
  bool closing_ = false;
  bool handed_off_ = false;
  // A streamed answer in progress (WriteStreamed).
  std::shared_ptr<H1ResponseStream> body_;
  std::shared_ptr<HttpSession> streaming_self_;
  bool body_writing_ = false;
  bool chunked_ = true;
  bool stream_keep_ = false;
};

// HTTP/2 over a plain (prior-knowledge h2c) or a TLS (ALPN "h2") stream: an
// H2Session fed with the bytes read, whose output is written one batch at a
// time. A read is always pending, so the stream's own timeouts (which apply
// only to operations not yet started) are not used; timer_ bounds instead
// an idle connection (no stream open: idle_timeout), a write (read_timeout)
// and the wait for the peer to close after the last write (at most 1 s).
template <typename Stream>
class H2Connection : public Connection {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  static constexpr size_t kReadBytes = 64 * 1024;

 public:
  template <typename... StreamArgs>
  H2Connection(std::shared_ptr<Shared> shared, std::string remote, beast::flat_buffer buffer,
               StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        pending_(std::move(buffer)),
        shared_(std::move(shared)),
        remote_(std::move(remote)),
        exec_(stream_.get_executor()),
        timer_(exec_),
        stall_timer_(exec_) {}

  void Start() {
    asio::dispatch(exec_, [self = Self()] { self->Begin(); });
  }

  // Graceful: GOAWAY(NO_ERROR); streams in progress finish, then the
  // connection closes.
  void Shutdown() override {
    asio::post(exec_, [self = Self()] {
      if (!self->session_ || self->closed_ || self->goaway_sent_) return;
      self->goaway_sent_ = true;
      self->session_->Shutdown();
      self->Flush();
    });
  }

 private:
  std::shared_ptr<H2Connection> Self() {
    return std::static_pointer_cast<H2Connection>(shared_from_this());
  }
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void Begin() {
    Tcp().expires_never();
    const auto& o = shared_->options;
    H2Options h2;
    h2.max_header_bytes = o.max_header_bytes;
    h2.max_body_bytes = o.max_body_bytes;
    h2.remote_address = remote_;
    h2.request_timeout = o.read_timeout;
    // Requests count in `active` as over HTTP/1.1, so that Stop() waits for
    // them; the answer may come from any thread.
    Handler counted = [shared = shared_](HttpRequest r, Responder respond) {
      r.tls = kTls;
      ++shared->active;
      shared->handler(std::move(r), [shared, respond = std::move(respond)](HttpResponse resp) {
        respond(std::move(resp));
        --shared->active;
      });
    };
    std::weak_ptr<Connection> weak = weak_from_this();
    auto wake = [weak, exec = exec_] {
      asio::post(exec, [weak] {
        if (auto s = weak.lock()) std::static_pointer_cast<H2Connection>(s)->Flush();
      });
    };
    session_ = std::make_unique<H2Session>(std::move(h2), AsStreamHandler(std::move(counted)),
                                           shared_->error_renderer, std::move(wake));
    if (pending_.size() > 0) {
      auto data = pending_.data();
      if (!session_->Receive(static_cast<const uint8_t*>(data.data()), data.size()).ok()) {
        closing_ = true;
      }
      pending_.consume(pending_.size());
      ArmStallTimer();
    }
    if (shared_->stopping && !closing_) {
      goaway_sent_ = true;
      session_->Shutdown();
    }
    Flush();
    Read();
  }

  void Read() {
    if (closed_) return;
    stream_.async_read_some(asio::buffer(read_buf_),
                            [self = Self()](beast::error_code ec, size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(beast::error_code ec, size_t n) {
    if (closed_) return;
    if (ec) return HardClose();  // EOF, reset, timeout: open streams are abandoned
    if (!closing_ && !lingering_) {
      if (!session_->Receive(read_buf_.data(), n).ok()) closing_ = true;
      ArmStallTimer();
      Flush();
    }
    if (!writing_ && !lingering_) ArmTimer();
    Read();
  }

  void Flush() {
    if (!session_ || closed_ || writing_ || lingering_) return;
    out_ = session_->TakeOutput();
    if (out_.empty()) {
      if (closing_ || session_->WantsClose()) return Linger();
      // Everything that can go is out: an answer still waiting can only
      // wait for the peer's window.
      ArmStallTimer();
      ArmTimer();
      return;
    }
    writing_ = true;
    SetTimer(shared_->options.read_timeout);
    asio::async_write(stream_, asio::buffer(out_), [self = Self()](beast::error_code ec, size_t) {
      self->writing_ = false;
      if (self->closed_) return;
      if (ec) return self->HardClose();
      self->Flush();
    });
  }

  // Idle (no stream open): idle_timeout; streams open: none, as a long poll
  // or a slow handler may take its time.
  void ArmTimer() {
    if (closed_ || writing_ || lingering_) return;
    if (session_->open_streams() == 0) {
      SetTimer(shared_->options.idle_timeout);
    } else {
      timer_.cancel();
    }
  }

  // Requests whose body stalls, and answers a peer does not read, are reset
  // when their deadline passes (the connection timer does not run while
  // streams are open).
  void ArmStallTimer() {
    if (closed_ || !session_) return;
    auto next = session_->ExpireStalledStreams();
    if (!next) {
      if (stall_timer_armed_) stall_timer_.cancel();
      stall_timer_armed_ = false;
      return;
    }
    if (stall_timer_armed_ && stall_timer_.expiry() == *next) return;
    stall_timer_armed_ = true;
    stall_timer_.expires_at(*next);
    stall_timer_.async_wait([self = Self()](beast::error_code ec) {
      if (ec || self->closed_) return;
      self->stall_timer_armed_ = false;
      self->ArmStallTimer();
      self->Flush();
    });
  }

  void SetTimer(std::chrono::milliseconds after) {
    timer_.expires_after(after);
    timer_.async_wait([self = Self()](beast::error_code ec) {
      if (ec || self->closed_) return;
      if (self->timer_.expiry() > std::chrono::steady_clock::now()) return;  // re-armed
      if (!self->writing_ && !self->lingering_ && !self->closing_ && self->session_ &&
          self->session_->open_streams() == 0) {
        // Idle: say goodbye (GOAWAY NO_ERROR), so the client knows no
        // request was lost, then close as after any GOAWAY.
        self->closing_ = true;
        self->session_->Terminate(0);
        return self->Flush();
      }
      self->HardClose();  // a write that did not finish, or the close lingered long enough
    });
  }

  // Everything is written (a GOAWAY last): send FIN, then wait briefly for
  // the peer to close, reading and discarding, so that closing with unread
  // bytes does not reset the connection before the peer has read the GOAWAY.
  void Linger() {
    lingering_ = true;
    boost::system::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    SetTimer(std::min<std::chrono::milliseconds>(shared_->options.read_timeout,
                                                 std::chrono::seconds(1)));
  }

  void HardClose() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    stall_timer_.cancel();
    boost::system::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().close();
    // On the strand, as the session requires; writers still held by
    // handlers see closed() and do nothing.
    session_.reset();
  }

  Stream stream_;
  beast::flat_buffer pending_;
  std::shared_ptr<Shared> shared_;
  std::string remote_;
  asio::any_io_executor exec_;
  asio::steady_timer timer_;
  asio::steady_timer stall_timer_;
  bool stall_timer_armed_ = false;
  std::unique_ptr<H2Session> session_;
  std::array<uint8_t, kReadBytes> read_buf_{};
  std::string out_;
  bool writing_ = false;
  bool closing_ = false;    // the session failed: flush its GOAWAY, then close
  bool lingering_ = false;  // all written, FIN sent, waiting for the peer's
  bool goaway_sent_ = false;
  bool closed_ = false;
};

template <typename Stream>
void HttpSession<Stream>::HandOffToH2() {
  handed_off_ = true;
  Tcp().expires_never();
  auto h2 = std::make_shared<H2Connection<Stream>>(shared_, remote_, std::move(buffer_),
                                                   std::move(stream_));
  shared_->Register(h2);
  h2->Start();
}

// Waits for a connection's first bytes and hands it on: a TLS connection
// opens with a handshake record (content type 0x16), a prior-knowledge HTTP/2
// one with the client preface ("PRI * HTTP/2.0..."), while an HTTP/1.1
// request opens with a method name (no method starts with "PR").
class Detector : public Connection {
 public:
  Detector(tcp::socket socket, std::shared_ptr<Shared> shared)
      : remote_(RemoteAddress(socket)), stream_(std::move(socket)), shared_(std::move(shared)) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = Self()] { self->Sniff(); });
  }

  void Shutdown() override {
    asio::post(stream_.get_executor(), [self = Self()] {
      if (self->handed_off_) return;
      self->handed_off_ = true;
      boost::system::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.close();
    });
  }

 private:
  // A ClientHello rarely exceeds this; the rest stays in the socket for the
  // handshake to read.
  static constexpr size_t kSniffBytes = 4096;

  std::shared_ptr<Detector> Self() {
    return std::static_pointer_cast<Detector>(shared_from_this());
  }

  void Sniff() {
    if (shared_->stopping || handed_off_) return Shutdown();
    deadline_ = std::chrono::steady_clock::now() + shared_->options.idle_timeout;
    ReadSome();
  }

  void ReadSome() {
    stream_.expires_at(deadline_);
    stream_.async_read_some(buffer_.prepare(kSniffBytes),
                            [self = Self()](beast::error_code ec, size_t n) { self->OnSniff(ec, n); });
  }

  void OnSniff(beast::error_code ec, size_t n) {
    if (handed_off_) return;
    if (ec || n == 0) {
      handed_off_ = true;
      boost::system::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.close();
      return;
    }
    buffer_.commit(n);
    const auto* data = static_cast<const uint8_t*>(buffer_.data().data());
    const size_t size = buffer_.size();
    if (data[0] == 0x16 && shared_->options.tls) {
      handed_off_ = true;
      auto s = std::make_shared<HttpSession<TlsStream>>(shared_, remote_, std::move(buffer_),
                                                        std::nullopt, std::move(stream_),
                                                        shared_->options.tls->native());
      shared_->Register(s);
      s->Start();
      return;
    }
    if (LooksLikeH2Preface(data, size)) {
      // "P" alone may be POST or PUT: read on until the preface is whole or
      // the bytes part from it.
      if (size < kH2Preface.size()) return ReadSome();
      handed_off_ = true;
      auto s = std::make_shared<H2Connection<PlainStream>>(shared_, remote_, std::move(buffer_),
                                                           std::move(stream_));
      shared_->Register(s);
      s->Start();
      return;
    }
    handed_off_ = true;
    auto s = std::make_shared<HttpSession<PlainStream>>(shared_, remote_, std::move(buffer_),
                                                        deadline_, std::move(stream_));
    shared_->Register(s);
    s->Start();
  }

  std::string remote_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<Shared> shared_;
  std::chrono::steady_clock::time_point deadline_;
  bool handed_off_ = false;
};

}  // namespace

struct Server::Impl {
  explicit Impl(asio::io_context* external) : ioc(external ? *external : own) {}
  asio::io_context own;
  asio::io_context& ioc;
  bool started = false;
  std::optional<tcp::acceptor> acceptor;
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  std::vector<std::thread> threads;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  uint16_t port = 0;

  void Accept() {
    acceptor->async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
        // Out of file descriptors (or another transient failure): retrying
        // at once would spin; try again shortly.
        if (!shared->stopping) {
          auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(50));
          timer->async_wait([this, timer](beast::error_code) {
            if (!shared->stopping) Accept();
          });
        }
        return;
      } else if (!shared->stopping) {
        socket.set_option(tcp::no_delay(true), ec);
        auto d = std::make_shared<Detector>(std::move(socket), shared);
        shared->Register(d);
        d->Start();
      }
      if (!shared->stopping) Accept();
    });
  }
};

Server::Server(ServerOptions options, Handler handler, ErrorRenderer error_renderer)
    : impl_(std::make_unique<Impl>(options.context)) {
  impl_->shared->options = std::move(options);
  impl_->shared->handler = std::move(handler);
  impl_->shared->error_renderer = std::move(error_renderer);
}

Server::~Server() { Stop(std::chrono::milliseconds(0)); }

Status Server::Start() {
  const auto& o = impl_->shared->options;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(o.host, ec);
  if (ec) {
    // Resolve names such as "localhost".
    tcp::resolver resolver(impl_->ioc);
    auto results = resolver.resolve(o.host, std::to_string(o.port), ec);
    if (ec || results.empty()) {
      return Error{"InvalidConfig", "cannot resolve host '" + o.host + "': " + ec.message()};
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint ep(address, o.port);
  impl_->acceptor.emplace(impl_->ioc);
  impl_->acceptor->open(ep.protocol(), ec);
  if (!ec) impl_->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor->bind(ep, ec);
  if (!ec) impl_->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error{"InvalidConfig", "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                      ": " + ec.message()};
  }
  impl_->port = impl_->acceptor->local_endpoint().port();
  impl_->started = true;
  impl_->Accept();
  if (!o.context) {
    impl_->work.emplace(asio::make_work_guard(impl_->ioc));
    for (int i = 0; i < std::max(1, o.threads); ++i) {
      impl_->threads.emplace_back([this] { impl_->ioc.run(); });
    }
  }
  return {};
}

uint16_t Server::port() const { return impl_->port; }

size_t Server::active_requests() const { return impl_->shared->active.load(); }

void Server::Stop(std::chrono::milliseconds grace) {
  if (!impl_->started) return;
  impl_->started = false;
  impl_->shared->stopping = true;
  asio::post(impl_->ioc, [this] {
    boost::system::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
  });
  auto close_idle = [this] {
    std::vector<std::shared_ptr<Connection>> live;
    {
      std::lock_guard<std::mutex> lock(impl_->shared->mu);
      for (auto& w : impl_->shared->connections) {
        if (auto s = w.lock()) live.push_back(s);
      }
    }
    for (auto& s : live) s->Shutdown();
  };
  close_idle();
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (impl_->shared->active.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Give answers just completed a moment to be written.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  close_idle();
  if (impl_->threads.empty()) return;  // the caller's io_context runs on
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace sluice::http
