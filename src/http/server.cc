#include "http/server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

namespace sluice::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session;

struct Shared {
  ServerOptions options;
  Handler handler;
  ErrorRenderer error_renderer;
  std::atomic<size_t> active{0};
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions;  // GUARDED_BY(mu)
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {
    boost::system::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // Closes the connection if it is idle; a busy one closes after its answer.
  void Shutdown() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) {
        boost::system::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
    });
  }

 private:
  void Read() {
    if (shared_->stopping) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(shared_->options.max_header_bytes));
    parser_->body_limit(shared_->options.max_body_bytes);
    // Idle connections close after idle_timeout; once bytes arrive, the whole
    // request must follow within read_timeout (slow-drip clients are cut).
    stream_.expires_after(buffer_.size() > 0 ? shared_->options.read_timeout
                                             : shared_->options.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    stream_.expires_after(shared_->options.read_timeout);
    auto& req = parser_->get();
    if (beast::iequals(req[bhttp::field::expect], "100-continue") && !parser_->is_done()) {
      // The client waits for this before sending its body.
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                        req.version());
      bhttp::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code wec, size_t) {
        if (wec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset) {
      return Close();
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
    stream_.expires_never();
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.headers.reserve(16);
    for (const auto& f : req) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(req.body());
    r.remote_address = remote_;
    version_ = req.version();
    busy_ = true;
    ++shared_->active;
    auto self = shared_from_this();
    auto exec = stream_.get_executor();
    shared_->handler(std::move(r), [self, exec](HttpResponse resp) {
      asio::post(exec, [self, resp = std::move(resp)]() mutable {
        --self->shared_->active;
        self->Write(std::move(resp));
      });
    });
  }

  void Write(HttpResponse resp) {
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
    stream_.expires_after(shared_->options.read_timeout);
    bhttp::async_write(stream_, *msg,
                       [self = shared_from_this(), msg, keep](beast::error_code ec, size_t) {
                         self->busy_ = false;
                         if (ec || !keep) return self->Close();
                         self->Read();
                       });
  }

  void Close() {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Shared> shared_;
  std::string remote_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool busy_ = false;
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
        auto s = std::make_shared<Session>(std::move(socket), shared);
        {
          std::lock_guard<std::mutex> lock(shared->mu);
          for (auto it = shared->sessions.begin(); it != shared->sessions.end();) {
            it = it->expired() ? shared->sessions.erase(it) : std::next(it);
          }
          shared->sessions.insert(s);
        }
        s->Start();
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
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard<std::mutex> lock(impl_->shared->mu);
      for (auto& w : impl_->shared->sessions) {
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
