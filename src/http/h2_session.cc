#include "http/h2_session.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sluice::http {

namespace detail {

enum class CommandKind { kRespond, kStart, kData, kEnd, kReset };

struct H2Command {
  int32_t stream_id;
  CommandKind kind;
  HttpResponse response;  // kRespond: all; kStart: status+headers; kData: body
};

// What writers on any thread share with the session on the owner's strand.
struct H2Shared {
  std::mutex mu;
  bool alive = true;                // GUARDED_BY(mu)
  bool wake_pending = false;        // GUARDED_BY(mu)
  std::vector<H2Command> commands;  // GUARDED_BY(mu)
  std::function<void()> wake;
};

}  // namespace detail

using detail::CommandKind;

bool LooksLikeH2Preface(const uint8_t* data, size_t size) {
  if (size == 0) return false;
  size_t n = std::min(size, kH2Preface.size());
  return std::memcmp(data, kH2Preface.data(), n) == 0;
}

// ------------------------------------------------------------- ResponseWriter

ResponseWriter::ResponseWriter(std::shared_ptr<detail::H2Shared> shared, int32_t stream_id)
    : shared_(std::move(shared)), stream_id_(stream_id) {}

ResponseWriter::~ResponseWriter() {
  // A handler that drops its writer without finishing would leave the client
  // waiting forever: reset the stream instead.
  if (state_ != State::kDone && !closed()) {
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (!shared_->alive) return;
    shared_->commands.push_back({stream_id_, CommandKind::kReset, {}});
    if (!shared_->wake_pending) {
      shared_->wake_pending = true;
      if (shared_->wake) shared_->wake();
    }
  }
}

bool ResponseWriter::Enqueue(int kind_value, HttpResponse response) {
  auto kind = static_cast<CommandKind>(kind_value);
  std::lock_guard<std::mutex> lock(mu_);
  if (closed()) return false;
  State next = state_;
  switch (kind) {
    case CommandKind::kRespond:
    case CommandKind::kStart:
      if (state_ != State::kIdle) return false;
      next = kind == CommandKind::kStart ? State::kStarted : State::kDone;
      break;
    case CommandKind::kData:
    case CommandKind::kEnd:
      if (state_ != State::kStarted) return false;
      next = kind == CommandKind::kEnd ? State::kDone : State::kStarted;
      break;
    case CommandKind::kReset:
      next = State::kDone;
      break;
  }
  size_t bytes = response.body.size();
  std::lock_guard<std::mutex> shared_lock(shared_->mu);
  if (!shared_->alive) return false;
  state_ = next;
  // Counted before the owner can see the command, so that its decrement
  // never runs first.
  buffered_.fetch_add(bytes, std::memory_order_acq_rel);
  shared_->commands.push_back({stream_id_, kind, std::move(response)});
  if (!shared_->wake_pending) {
    shared_->wake_pending = true;
    if (shared_->wake) shared_->wake();
  }
  return true;
}

bool ResponseWriter::Respond(HttpResponse response) {
  return Enqueue(static_cast<int>(CommandKind::kRespond), std::move(response));
}

bool ResponseWriter::Start(int status, HeaderList headers) {
  HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  return Enqueue(static_cast<int>(CommandKind::kStart), std::move(r));
}

bool ResponseWriter::Write(std::string chunk) {
  if (chunk.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    return !closed() && state_ == State::kStarted;
  }
  HttpResponse r;
  r.body = std::move(chunk);
  return Enqueue(static_cast<int>(CommandKind::kData), std::move(r));
}

bool ResponseWriter::End() { return Enqueue(static_cast<int>(CommandKind::kEnd), {}); }

bool ResponseWriter::Reset() { return Enqueue(static_cast<int>(CommandKind::kReset), {}); }

void ResponseWriter::OnDrained(size_t low_watermark, std::function<void()> callback) {
  std::lock_guard<std::mutex> lock(mu_);
  low_watermark_ = low_watermark;
  on_drained_ = std::move(callback);
}

void ResponseWriter::OnClosed(std::function<void()> callback) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed()) {
      on_closed_ = std::move(callback);
      return;
    }
  }
  if (callback) callback();
}

void ResponseWriter::Consumed(size_t n, bool* drained) {
  size_t before = buffered_.fetch_sub(n, std::memory_order_acq_rel);
  size_t after = before - n;
  std::lock_guard<std::mutex> lock(mu_);
  if (on_drained_ && before > low_watermark_ && after <= low_watermark_) *drained = true;
}

void ResponseWriter::NotifyDrained() {
  std::function<void()> callback;
  {
    std::lock_guard<std::mutex> lock(mu_);
    callback = on_drained_;
  }
  if (callback) callback();
}

void ResponseWriter::MarkClosed() {
  std::function<void()> callback;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed()) return;
    closed_.store(true, std::memory_order_release);
    callback = std::move(on_closed_);
    on_closed_ = nullptr;
    on_drained_ = nullptr;
  }
  if (callback) callback();
}

namespace {

// A streamed response body over one HTTP/2 stream.
class H2ResponseStream : public ResponseStream {
 public:
  explicit H2ResponseStream(std::shared_ptr<ResponseWriter> writer) : writer_(std::move(writer)) {}
  bool Write(std::string bytes) override { return writer_->Write(std::move(bytes)); }
  void End() override { writer_->End(); }
  size_t buffered_bytes() const override { return writer_->buffered_bytes(); }
  void OnDrained(size_t low_watermark, std::function<void()> callback) override {
    writer_->OnDrained(low_watermark, std::move(callback));
  }
  void OnClosed(std::function<void()> callback) override {
    writer_->OnClosed(std::move(callback));
  }

 private:
  const std::shared_ptr<ResponseWriter> writer_;
};

}  // namespace

StreamHandler AsStreamHandler(Handler handler) {
  return [handler = std::move(handler)](HttpRequest request,
                                        std::shared_ptr<ResponseWriter> writer) {
    handler(std::move(request), [writer = std::move(writer)](HttpResponse response) {
      if (!response.stream) {
        writer->Respond(std::move(response));
        return;
      }
      StreamProducer producer = std::move(response.stream);
      // A stream already gone drops the producer unused, which tells it so.
      if (writer->Start(response.status, std::move(response.headers))) {
        producer(std::make_shared<H2ResponseStream>(writer));
      }
    });
  };
}

// ------------------------------------------------------------------ H2Session

namespace {

struct Stream {
  int32_t id = 0;
  HttpRequest request;
  std::string authority;
  size_t header_bytes = 0;
  int reject_status = 0;         // 413 or 431 once decided
  bool request_ended = false;    // END_STREAM received
  bool dispatched = false;
  bool responded = false;        // response HEADERS submitted
  bool reset_after_response = false;
  std::weak_ptr<ResponseWriter> writer;
  // Response body not yet framed.
  std::deque<std::string> out;
  size_t out_offset = 0;
  bool body_end = false;         // nothing follows `out`
  bool deferred = false;         // the data provider waits for bytes
  // The request must be complete by then (ExpireStalledStreams).
  std::chrono::steady_clock::time_point deadline;
  // Since when answer bytes have waited for a flow-control window.
  std::optional<std::chrono::steady_clock::time_point> blocked_since;
};

bool IsConnectionSpecific(const std::string& lower) {
  return lower == "connection" || lower == "keep-alive" || lower == "proxy-connection" ||
         lower == "transfer-encoding" || lower == "upgrade";
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

nghttp2_nv MakeNv(const std::string& name, const std::string& value) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

struct H2Session::Impl {
  H2Options options;
  StreamHandler handler;
  ErrorRenderer error_renderer;
  std::shared_ptr<detail::H2Shared> shared = std::make_shared<detail::H2Shared>();
  nghttp2_session* session = nullptr;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams;
  // Filled inside nghttp2 callbacks, acted on once the library returns, so
  // that handlers and user callbacks never run inside the library.
  std::vector<int32_t> ready;
  std::vector<std::shared_ptr<ResponseWriter>> drained;
  std::vector<std::shared_ptr<ResponseWriter>> closed;
  bool receive_failed = false;
  bool send_failed = false;

  Stream* Find(int32_t id) {
    auto it = streams.find(id);
    return it == streams.end() ? nullptr : it->second.get();
  }

  static Impl* Self(void* user_data) { return static_cast<Impl*>(user_data); }

  std::chrono::steady_clock::time_point Now() const {
    return options.now ? options.now() : std::chrono::steady_clock::now();
  }

  // ---- nghttp2 callbacks

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    Impl* self = Self(user_data);
    auto s = std::make_unique<Stream>();
    s->id = frame->hd.stream_id;
    s->request.remote_address = self->options.remote_address;
    s->deadline = self->Now() + self->options.request_timeout;
    self->streams[s->id] = std::move(s);
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                      void* user_data) {
    Impl* self = Self(user_data);
    Stream* s = self->Find(frame->hd.stream_id);
    if (!s || frame->hd.type != NGHTTP2_HEADERS) return 0;
    s->header_bytes += namelen + valuelen + 4;
    if (s->header_bytes > self->options.max_header_bytes && s->reject_status == 0) {
      s->reject_status = 431;
      s->request.headers.clear();
      s->request.headers.shrink_to_fit();
    }
    // Trailers are accepted and dropped: no AWS API uses request trailers.
    if (s->reject_status != 0 || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (!n.empty() && n[0] == ':') {
      if (n == ":method") {
        s->request.method = v;
      } else if (n == ":path") {
        s->request.target = v;
      } else if (n == ":authority") {
        s->authority = v;
      }
      return 0;
    }
    s->request.headers.emplace_back(std::string(n), std::string(v));
    return 0;
  }

  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                         size_t len, void* user_data) {
    Impl* self = Self(user_data);
    Stream* s = self->Find(stream_id);
    if (!s || s->reject_status != 0) return 0;
    if (s->request.body.size() + len > self->options.max_body_bytes) {
      s->reject_status = 413;
      std::string().swap(s->request.body);
      self->Reject(s);
      return 0;
    }
    s->request.body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
    Impl* self = Self(user_data);
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    Stream* s = self->Find(frame->hd.stream_id);
    if (!s) return 0;
    bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (end) s->request_ended = true;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      if (s->reject_status == 0) {
        std::string_view length = s->request.Header("content-length");
        if (!length.empty()) {
          // nghttp2 checks that the DATA frames add up to this value.
          size_t declared = 0;
          bool overflow = false;
          for (char c : length) {
            if (c < '0' || c > '9') break;
            if (declared > (SIZE_MAX - 9) / 10) overflow = true;
            declared = overflow ? declared : declared * 10 + static_cast<size_t>(c - '0');
          }
          if (overflow || declared > self->options.max_body_bytes) s->reject_status = 413;
        }
      }
      if (s->reject_status != 0) {
        self->Reject(s);
        return 0;
      }
      if (!end && s->request.Header("expect") == "100-continue") {
        static const std::string kStatus = ":status", k100 = "100";
        nghttp2_nv nv = MakeNv(kStatus, k100);
        nghttp2_submit_headers(session, NGHTTP2_FLAG_NONE, s->id, nullptr, &nv, 1, nullptr);
      }
    }
    if (end && s->reject_status == 0 && !s->dispatched) self->ready.push_back(s->id);
    return 0;
  }

  static int OnFrameSend(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) return 0;
    Stream* s = Self(user_data)->Find(frame->hd.stream_id);
    // RFC 9113 8.1: a server that answered before the request ended may stop
    // the upload with RST_STREAM(NO_ERROR).
    if (s && s->reset_after_response && !s->request_ended) {
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR);
    }
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user_data) {
    Impl* self = Self(user_data);
    auto it = self->streams.find(stream_id);
    if (it == self->streams.end()) return 0;
    if (auto w = it->second->writer.lock()) self->closed.push_back(std::move(w));
    self->streams.erase(it);
    return 0;
  }

  static ssize_t ReadBody(nghttp2_session*, int32_t stream_id, uint8_t* buf, size_t length,
                          uint32_t* data_flags, nghttp2_data_source*, void* user_data) {
    Impl* self = Self(user_data);
    Stream* s = self->Find(stream_id);
    if (!s) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    size_t n = 0;
    while (n < length && !s->out.empty()) {
      std::string& front = s->out.front();
      size_t take = std::min(length - n, front.size() - s->out_offset);
      std::memcpy(buf + n, front.data() + s->out_offset, take);
      n += take;
      s->out_offset += take;
      if (s->out_offset == front.size()) {
        s->out.pop_front();
        s->out_offset = 0;
      }
    }
    if (n > 0) {
      s->blocked_since.reset();  // the peer's window moved: the wait starts afresh
      if (auto w = s->writer.lock()) {
        bool drained = false;
        w->Consumed(n, &drained);
        if (drained) self->drained.push_back(std::move(w));
      }
    }
    if (s->out.empty() && s->body_end) {
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(n);
    }
    if (n == 0) {
      s->deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    return static_cast<ssize_t>(n);
  }

  // ---- responses

  void Reject(Stream* s) {
    if (s->responded) return;
    HttpResponse r;
    if (s->reject_status == 413) {
      r = error_renderer(413, "RequestEntityTooLarge",
                         "Request body must be no larger than " +
                             std::to_string(options.max_body_bytes) + " bytes.");
    } else {
      r = error_renderer(431, "RequestHeaderFieldsTooLarge",
                         "Request headers must be no larger than " +
                             std::to_string(options.max_header_bytes) + " bytes.");
    }
    s->reset_after_response = true;
    Submit(s, r.status, r.headers, std::move(r.body), /*complete=*/true);
  }

  // Submits the response HEADERS; the body (if any) follows through ReadBody.
  void Submit(Stream* s, int status, const HeaderList& headers, std::string body, bool complete) {
    if (s->responded) return;
    s->responded = true;
    bool head = s->request.method == "HEAD";
    bool bodiless = status == 204 || status == 304 || (status >= 100 && status < 200);
    std::vector<std::string> strings;
    strings.reserve(2 * headers.size() + 6);
    auto add = [&strings](std::string name, std::string value) {
      strings.push_back(std::move(name));
      strings.push_back(std::move(value));
    };
    add(":status", std::to_string(status));
    add("server", "Sluice");
    bool has_length = false;
    for (const auto& [k, v] : headers) {
      std::string name = Lower(k);
      if (name.empty() || name[0] == ':' || IsConnectionSpecific(name) || name == "server") {
        continue;
      }
      if (name == "content-length") {
        if (!complete) continue;  // a streamed body's length is not known
        has_length = true;
      }
      add(std::move(name), v);
    }
    if (complete && !has_length && !bodiless) add("content-length", std::to_string(body.size()));
    std::vector<nghttp2_nv> nva;
    nva.reserve(strings.size() / 2);
    for (size_t i = 0; i < strings.size(); i += 2) nva.push_back(MakeNv(strings[i], strings[i + 1]));

    if (head || bodiless) {
      // No body goes out; keep the producer's accounting straight.
      if (!body.empty()) {
        if (auto w = s->writer.lock()) {
          bool drained = false;
          w->Consumed(body.size(), &drained);
        }
      }
      body.clear();
    }
    int rv;
    if (complete && body.empty()) {
      s->body_end = true;
      rv = nghttp2_submit_response(session, s->id, nva.data(), nva.size(), nullptr);
    } else {
      if (!body.empty()) s->out.push_back(std::move(body));
      s->body_end = complete;
      nghttp2_data_provider provider{};
      provider.read_callback = &Impl::ReadBody;
      rv = nghttp2_submit_response(session, s->id, nva.data(), nva.size(), &provider);
    }
    if (rv != 0) {
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
    }
  }

  void Resume(Stream* s) {
    if (!s->deferred) return;
    s->deferred = false;
    nghttp2_session_resume_data(session, s->id);
  }

  void ApplyCommands() {
    std::vector<detail::H2Command> commands;
    {
      std::lock_guard<std::mutex> lock(shared->mu);
      commands.swap(shared->commands);
      shared->wake_pending = false;
    }
    for (auto& c : commands) {
      Stream* s = Find(c.stream_id);
      if (!s) continue;  // closed meanwhile (reset by the peer)
      switch (c.kind) {
        case CommandKind::kRespond:
          Submit(s, c.response.status, c.response.headers, std::move(c.response.body), true);
          break;
        case CommandKind::kStart:
          Submit(s, c.response.status, c.response.headers, {}, false);
          break;
        case CommandKind::kData:
          if (s->body_end) break;
          s->out.push_back(std::move(c.response.body));
          Resume(s);
          break;
        case CommandKind::kEnd:
          s->body_end = true;
          Resume(s);
          break;
        case CommandKind::kReset:
          nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
          break;
      }
    }
  }

  void Dispatch() {
    std::vector<int32_t> ids;
    ids.swap(ready);
    for (int32_t id : ids) {
      Stream* s = Find(id);
      if (!s || s->dispatched || s->reject_status != 0) continue;
      s->dispatched = true;
      HttpRequest request = std::move(s->request);
      s->request = HttpRequest{};
      s->request.method = request.method;  // Submit() needs it for HEAD
      // SigV4 signs "host"; over HTTP/2 clients send :authority instead.
      if (!s->authority.empty() && request.Header("host").empty()) {
        request.headers.insert(request.headers.begin(), {"host", s->authority});
      }
      std::shared_ptr<ResponseWriter> writer(new ResponseWriter(shared, id));
      s->writer = writer;
      handler(std::move(request), std::move(writer));
    }
  }

  void FireCallbacks() {
    // Callbacks may queue more writes (and wake the owner); they never touch
    // the library directly.
    std::vector<std::shared_ptr<ResponseWriter>> d, c;
    d.swap(drained);
    c.swap(closed);
    for (auto& w : d) w->NotifyDrained();
    for (auto& w : c) w->MarkClosed();
  }
};

H2Session::H2Session(H2Options options, StreamHandler handler, ErrorRenderer error_renderer,
                     std::function<void()> wake)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->error_renderer = std::move(error_renderer);
  impl_->shared->wake = std::move(wake);

  nghttp2_session_callbacks* cbs = nullptr;
  SLUICE_CHECK(nghttp2_session_callbacks_new(&cbs) == 0);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &Impl::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &Impl::OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &Impl::OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &Impl::OnFrameRecv);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, &Impl::OnFrameSend);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &Impl::OnStreamClose);
  SLUICE_CHECK(nghttp2_session_server_new(&impl_->session, cbs, impl_.get()) == 0);
  nghttp2_session_callbacks_del(cbs);

  const auto& o = impl_->options;
  nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, o.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(o.stream_window_bytes)},
  };
  SLUICE_CHECK(nghttp2_submit_settings(impl_->session, NGHTTP2_FLAG_NONE, settings,
                                       sizeof(settings) / sizeof(settings[0])) == 0);
  if (o.connection_window_bytes > NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE) {
    SLUICE_CHECK(nghttp2_session_set_local_window_size(impl_->session, NGHTTP2_FLAG_NONE, 0,
                                                       o.connection_window_bytes) == 0);
  }
}

H2Session::~H2Session() {
  {
    std::lock_guard<std::mutex> lock(impl_->shared->mu);
    impl_->shared->alive = false;
    impl_->shared->commands.clear();
  }
  nghttp2_session_del(impl_->session);
  impl_->session = nullptr;
  std::vector<std::shared_ptr<ResponseWriter>> open;
  for (auto& [id, s] : impl_->streams) {
    if (auto w = s->writer.lock()) open.push_back(std::move(w));
  }
  impl_->streams.clear();
  for (auto& w : impl_->closed) open.push_back(std::move(w));
  impl_->closed.clear();
  for (auto& w : open) w->MarkClosed();
}

Status H2Session::Receive(const uint8_t* data, size_t size) {
  if (impl_->receive_failed) return Error{"H2ProtocolError", "HTTP/2 session already failed"};
  ssize_t rv = nghttp2_session_mem_recv(impl_->session, data, size);
  Status status;
  if (rv < 0) {
    impl_->receive_failed = true;
    // Queue GOAWAY(PROTOCOL_ERROR); the owner flushes it, then closes.
    nghttp2_session_terminate_session(impl_->session, NGHTTP2_PROTOCOL_ERROR);
    status = Error{"H2ProtocolError",
                   std::string("HTTP/2 connection error: ") + nghttp2_strerror(static_cast<int>(rv))};
  }
  impl_->Dispatch();
  impl_->FireCallbacks();
  return status;
}

std::string H2Session::TakeOutput(size_t max_bytes) {
  std::string out;
  if (!impl_->send_failed) {
    impl_->ApplyCommands();
    while (out.size() < max_bytes) {
      const uint8_t* p = nullptr;
      ssize_t n = nghttp2_session_mem_send(impl_->session, &p);
      if (n < 0) {
        impl_->send_failed = true;  // out of memory or a callback failure: give up
        break;
      }
      if (n == 0) break;
      out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    }
  }
  impl_->FireCallbacks();
  return out;
}

bool H2Session::WantsClose() const {
  return impl_->send_failed || (nghttp2_session_want_read(impl_->session) == 0 &&
                                nghttp2_session_want_write(impl_->session) == 0);
}

void H2Session::Shutdown() {
  nghttp2_submit_goaway(impl_->session, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(impl_->session), NGHTTP2_NO_ERROR,
                        nullptr, 0);
}

void H2Session::Terminate(uint32_t error_code) {
  nghttp2_session_terminate_session(impl_->session, error_code);
}

size_t H2Session::open_streams() const { return impl_->streams.size(); }

std::optional<std::chrono::steady_clock::time_point> H2Session::ExpireStalledStreams() {
  const auto now = impl_->Now();
  const auto timeout = impl_->options.request_timeout;
  nghttp2_session* session = impl_->session;
  std::optional<std::chrono::steady_clock::time_point> next;
  auto consider = [&next](std::chrono::steady_clock::time_point t) {
    if (!next || t < *next) next = t;
  };
  const bool connection_blocked = nghttp2_session_get_remote_window_size(session) <= 0;
  for (auto& [id, s] : impl_->streams) {
    if (s->reject_status == 0 && !s->responded && !s->request_ended) {
      if (s->deadline <= now) {
        s->reject_status = 408;  // never dispatched
        std::string().swap(s->request.body);
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
      } else {
        consider(s->deadline);
      }
      continue;
    }
    const bool waiting = s->responded && !s->out.empty() &&
                         (connection_blocked ||
                          nghttp2_session_get_stream_remote_window_size(session, id) <= 0);
    if (!waiting) {
      s->blocked_since.reset();
      continue;
    }
    if (!s->blocked_since) s->blocked_since = now;
    if (*s->blocked_since + timeout <= now) {
      s->out.clear();
      s->out_offset = 0;
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
    } else {
      consider(*s->blocked_since + timeout);
    }
  }
  return next;
}

}  // namespace sluice::http
