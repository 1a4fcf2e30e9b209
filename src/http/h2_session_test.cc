// Tests for the HTTP/2 server session: an nghttp2 client session talks to it
// through memory buffers, so framing, HPACK, flow control and stream states
// are real while nothing touches the network.
#include "http/h2_session.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace sluice::http {
namespace {

using namespace std::chrono_literals;

std::string Pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

HttpResponse RenderError(int status, const std::string& code, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}};
  r.body = R"({"__type":")" + code + R"(","message":")" + message + R"("})";
  return r;
}

std::string_view Find(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

H2Options Options(void (*set)(H2Options&)) {
  H2Options o;
  set(o);
  return o;
}

// ------------------------------------------------------------- test client

struct ClientStream {
  int status = 0;
  int informational = 0;  // 1xx header blocks seen
  HeaderList headers;
  std::string body;
  bool closed = false;
  uint32_t error_code = 0;
  std::string upload;
  size_t upload_offset = 0;
};

struct ClientOptions {
  uint32_t initial_window = 65535;
  bool manual_window = false;  // no automatic WINDOW_UPDATE: the test consumes
};

class Client {
 public:
  explicit Client(ClientOptions o = {}) {
    nghttp2_session_callbacks* cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_header_callback(cbs, &Client::OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &Client::OnData);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &Client::OnClose);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &Client::OnFrame);
    nghttp2_option* opt;
    nghttp2_option_new(&opt);
    if (o.manual_window) nghttp2_option_set_no_auto_window_update(opt, 1);
    nghttp2_session_client_new2(&session_, cbs, this, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                         {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, o.initial_window}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 2);
  }
  ~Client() { nghttp2_session_del(session_); }

  int32_t Request(const std::string& method, const std::string& path, HeaderList headers = {},
                  std::optional<std::string> body = std::nullopt) {
    std::vector<std::pair<std::string, std::string>> all = {
        {":method", method}, {":scheme", "http"}, {":authority", "localhost:4566"}, {":path", path}};
    for (auto& h : headers) all.push_back(h);
    std::vector<nghttp2_nv> nva;
    for (auto& [k, v] : all) {
      nva.push_back({reinterpret_cast<uint8_t*>(k.data()), reinterpret_cast<uint8_t*>(v.data()),
                     k.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
    }
    nghttp2_data_provider provider{};
    provider.read_callback = &Client::ReadUpload;
    int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                        body ? &provider : nullptr, nullptr);
    EXPECT_GT(id, 0);
    if (body) streams[id].upload = std::move(*body);
    return id;
  }

  std::string Output() {
    std::string out;
    for (;;) {
      const uint8_t* p;
      ssize_t n = nghttp2_session_mem_send(session_, &p);
      EXPECT_GE(n, 0);
      if (n <= 0) break;
      out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    }
    return out;
  }
  void Feed(const std::string& bytes) {
    ssize_t n = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(bytes.data()),
                                         bytes.size());
    EXPECT_EQ(n, static_cast<ssize_t>(bytes.size())) << nghttp2_strerror(static_cast<int>(n));
  }
  // Hands received body bytes back to flow control (manual_window only).
  void ConsumeAll() {
    for (auto& [id, n] : unconsumed_) {
      if (n > 0) nghttp2_session_consume(session_, id, n);
      n = 0;
    }
  }

  nghttp2_session* session() { return session_; }
  std::map<int32_t, ClientStream> streams;
  bool goaway = false;
  uint32_t goaway_error = 0;
  bool defer_uploads = false;  // request bodies wait: only HEADERS go out
  size_t received_body_bytes = 0;

 private:
  static Client* Self(void* p) { return static_cast<Client*>(p); }
  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    auto& s = Self(user)->streams[frame->hd.stream_id];
    std::string n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") {
      int status = std::stoi(v);
      if (status < 200) {
        ++s.informational;
      } else {
        s.status = status;
      }
    } else {
      s.headers.emplace_back(n, v);
    }
    return 0;
  }
  static int OnData(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len,
                    void* user) {
    Self(user)->streams[id].body.append(reinterpret_cast<const char*>(data), len);
    Self(user)->unconsumed_[id] += len;
    Self(user)->received_body_bytes += len;
    return 0;
  }
  static int OnClose(nghttp2_session*, int32_t id, uint32_t error_code, void* user) {
    auto& s = Self(user)->streams[id];
    s.closed = true;
    s.error_code = error_code;
    return 0;
  }
  static int OnFrame(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      Self(user)->goaway = true;
      Self(user)->goaway_error = frame->goaway.error_code;
    }
    return 0;
  }
  static ssize_t ReadUpload(nghttp2_session*, int32_t id, uint8_t* buf, size_t length,
                            uint32_t* flags, nghttp2_data_source*, void* user) {
    if (Self(user)->defer_uploads) return NGHTTP2_ERR_DEFERRED;
    auto& s = Self(user)->streams[id];
    size_t n = std::min(length, s.upload.size() - s.upload_offset);
    std::memcpy(buf, s.upload.data() + s.upload_offset, n);
    s.upload_offset += n;
    if (s.upload_offset == s.upload.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  nghttp2_session* session_ = nullptr;
  std::map<int32_t, size_t> unconsumed_;
};

// ----------------------------------------------------------------- harness

// Server session plus client, wired back to back. The test thread is the
// session's owner strand.
class Harness {
 public:
  Harness(StreamHandler handler, H2Options options = {}, ClientOptions client_options = {})
      : client(client_options),
        server(std::move(options), std::move(handler), RenderError, [this] {
          std::lock_guard<std::mutex> lock(mu_);
          ++wakes_;
          cv_.notify_all();
        }) {}

  // Moves bytes both ways until neither side has anything to send.
  void Pump() {
    for (int i = 0; i < 100000; ++i) {
      bool progress = false;
      std::string c = client.Output();
      if (!c.empty()) {
        progress = true;
        last_receive = server.Receive(reinterpret_cast<const uint8_t*>(c.data()), c.size());
      }
      std::string s = server.TakeOutput(64 * 1024);
      if (!s.empty()) {
        progress = true;
        client.Feed(s);
      }
      if (!progress) return;
    }
    ADD_FAILURE() << "pump did not settle";
  }

  // Waits for a wake (or `timeout`), then pumps.
  void WaitAndPump(std::chrono::milliseconds timeout) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, timeout, [this] { return wakes_ != seen_wakes_; });
      seen_wakes_ = wakes_;
    }
    Pump();
  }
  int wakes() {
    std::lock_guard<std::mutex> lock(mu_);
    return wakes_;
  }

  Client client;
  H2Session server;
  Status last_receive;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int wakes_ = 0;  // GUARDED_BY(mu_)
  int seen_wakes_ = 0;
};

// Collects requests; answers nothing by itself.
struct Recorder {
  std::mutex mu;
  std::vector<HttpRequest> requests;
  std::vector<std::shared_ptr<ResponseWriter>> writers;
  StreamHandler Handler() {
    return [this](HttpRequest r, std::shared_ptr<ResponseWriter> w) {
      std::lock_guard<std::mutex> lock(mu);
      requests.push_back(std::move(r));
      writers.push_back(std::move(w));
    };
  }
};

// ------------------------------------------------------------------ preface

TEST(H2Preface, DetectsPrefaceAndPrefixes) {
  auto p = reinterpret_cast<const uint8_t*>(kH2Preface.data());
  EXPECT_TRUE(LooksLikeH2Preface(p, 24));
  EXPECT_TRUE(LooksLikeH2Preface(p, 3));
  std::string more = std::string(kH2Preface) + "\x00\x00\x00\x04";
  EXPECT_TRUE(LooksLikeH2Preface(reinterpret_cast<const uint8_t*>(more.data()), more.size()));
  for (std::string s : {"GET / HTTP/1.1\r\n", "POST / HTTP/1.1\r\n", "PUT /", "PATCH /",
                        "PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n", "\x16\x03\x01"}) {
    EXPECT_FALSE(LooksLikeH2Preface(reinterpret_cast<const uint8_t*>(s.data()), s.size())) << s;
  }
  EXPECT_FALSE(LooksLikeH2Preface(p, 0));
}

// ----------------------------------------------------------------- requests

TEST(H2Session, GetReachesHandlerWithHostFromAuthority) {
  HttpRequest seen;
  Harness h(AsStreamHandler([&](HttpRequest r, Responder respond) {
              seen = std::move(r);
              respond(HttpResponse{200, {{"X-Amzn-RequestId", "abc"}}, "ok"});
            }),
            Options([](H2Options& o) { o.remote_address = "10.0.0.7"; }));
  int32_t id = h.client.Request("GET", "/health?x=1", {{"x-custom", "v1"}});
  h.Pump();
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/health?x=1");
  EXPECT_EQ(seen.Path(), "/health");
  EXPECT_EQ(seen.Header("Host"), "localhost:4566");
  EXPECT_EQ(seen.Header("x-custom"), "v1");
  EXPECT_EQ(seen.remote_address, "10.0.0.7");
  EXPECT_TRUE(seen.body.empty());
  auto& s = h.client.streams[id];
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.error_code, 0u);
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.body, "ok");
  EXPECT_EQ(Find(s.headers, "x-amzn-requestid"), "abc");  // lower-cased on the wire
  EXPECT_EQ(Find(s.headers, "content-length"), "2");
  EXPECT_EQ(Find(s.headers, "server"), "Sluice");
  EXPECT_TRUE(h.last_receive.ok());
  EXPECT_FALSE(h.server.WantsClose());
  EXPECT_EQ(h.server.open_streams(), 0u);
}

TEST(H2Session, PostBodyAndHeadersReachHandler) {
  HttpRequest seen;
  Harness h(AsStreamHandler([&](HttpRequest r, Responder respond) {
    seen = std::move(r);
    respond(HttpResponse{200, {{"Content-Type", "application/x-amz-json-1.1"}}, "{}"});
  }));
  std::string body = R"({"StreamName":"s1"})";
  int32_t id = h.client.Request("POST", "/",
                                {{"x-amz-target", "Kinesis_20131202.DescribeStream"},
                                 {"content-type", "application/x-amz-json-1.1"},
                                 {"content-length", std::to_string(body.size())}},
                                body);
  h.Pump();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/");
  EXPECT_EQ(seen.body, body);
  EXPECT_EQ(seen.Header("X-Amz-Target"), "Kinesis_20131202.DescribeStream");
  EXPECT_EQ(seen.Header("host"), "localhost:4566");
  EXPECT_EQ(h.client.streams[id].status, 200);
  EXPECT_EQ(h.client.streams[id].body, "{}");
}

TEST(H2Session, HeadAnswerHasLengthButNoBody) {
  Harness h(AsStreamHandler(
      [](HttpRequest, Responder respond) { respond(HttpResponse{200, {}, "twelve bytes"}); }));
  int32_t id = h.client.Request("HEAD", "/");
  h.Pump();
  auto& s = h.client.streams[id];
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(Find(s.headers, "content-length"), "12");
  EXPECT_TRUE(s.body.empty());
}

TEST(H2Session, ExpectContinueGetsInterimResponse) {
  Recorder rec;
  Harness h(rec.Handler());
  int32_t id = h.client.Request("PUT", "/", {{"expect", "100-continue"}}, std::string("body"));
  h.Pump();
  EXPECT_EQ(h.client.streams[id].informational, 1);
  ASSERT_EQ(rec.requests.size(), 1u);
  EXPECT_EQ(rec.requests[0].body, "body");
  rec.writers[0]->Respond(HttpResponse{204, {}, ""});
  h.Pump();
  EXPECT_EQ(h.client.streams[id].status, 204);
}

// ------------------------------------------------------------- concurrency

TEST(H2Session, ManyStreamsAnsweredOutOfOrderFromAnotherThread) {
  constexpr int kStreams = 100;
  Recorder rec;
  Harness h(rec.Handler());
  std::map<int32_t, std::string> expected;
  for (int i = 0; i < kStreams; ++i) {
    std::string path = "/q/" + std::to_string(i);
    expected[h.client.Request("POST", path, {}, Pattern(100 + i, i))] = path;
  }
  h.Pump();
  ASSERT_EQ(rec.requests.size(), static_cast<size_t>(kStreams));
  EXPECT_EQ(h.server.open_streams(), static_cast<size_t>(kStreams));
  for (int i = 0; i < kStreams; ++i) {
    // Requests are whole and in their own stream.
    int n = std::stoi(std::string(rec.requests[i].target.substr(3)));
    EXPECT_EQ(rec.requests[i].body, Pattern(100 + n, n));
  }

  std::thread responder([&] {
    std::vector<size_t> order(kStreams);
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(7));
    for (size_t i : order) {
      std::string target = rec.requests[i].target;
      EXPECT_TRUE(rec.writers[i]->Respond(HttpResponse{200, {}, "answer " + target}));
      if (i % 10 == 0) std::this_thread::sleep_for(1ms);
    }
  });
  auto deadline = std::chrono::steady_clock::now() + 10s;
  auto done = [&] {
    for (auto& [id, path] : expected) {
      if (!h.client.streams[id].closed) return false;
    }
    return true;
  };
  while (!done() && std::chrono::steady_clock::now() < deadline) h.WaitAndPump(100ms);
  responder.join();
  h.Pump();
  ASSERT_TRUE(done());
  for (auto& [id, path] : expected) {
    EXPECT_EQ(h.client.streams[id].status, 200);
    EXPECT_EQ(h.client.streams[id].body, "answer " + path);
  }
  // Wakes are coalesced: at most one per answer, at least one.
  EXPECT_GE(h.wakes(), 1);
  EXPECT_LE(h.wakes(), kStreams);
  EXPECT_EQ(h.server.open_streams(), 0u);
}

// ------------------------------------------------------------- flow control

TEST(H2Session, LargeUploadThroughSmallServerWindow) {
  std::string body = Pattern(6 << 20, 1);
  size_t seen = 0;
  bool same = false;
  Harness h(AsStreamHandler([&](HttpRequest r, Responder respond) {
              seen = r.body.size();
              same = r.body == body;
              respond(HttpResponse{200, {}, std::to_string(r.body.size())});
            }),
            Options([](H2Options& o) {
              o.stream_window_bytes = 16 * 1024;
              o.connection_window_bytes = 32 * 1024;
            }));
  int32_t id = h.client.Request("POST", "/", {}, body);
  h.Pump();
  EXPECT_EQ(seen, body.size());
  EXPECT_TRUE(same);
  EXPECT_EQ(h.client.streams[id].body, std::to_string(body.size()));
}

TEST(H2Session, LargeDownloadThroughSmallClientWindow) {
  std::string body = Pattern(8 << 20, 2);
  Harness h(AsStreamHandler([&](HttpRequest, Responder respond) {
              respond(HttpResponse{200, {}, body});
            }),
            {}, ClientOptions{.initial_window = 16 * 1024});
  int32_t a = h.client.Request("GET", "/a");
  int32_t b = h.client.Request("GET", "/b");
  h.Pump();
  for (int32_t id : {a, b}) {
    auto& s = h.client.streams[id];
    EXPECT_TRUE(s.closed);
    EXPECT_EQ(s.body.size(), body.size());
    EXPECT_TRUE(s.body == body);
    EXPECT_EQ(Find(s.headers, "content-length"), std::to_string(body.size()));
  }
}

TEST(H2Session, StreamedBodyPausesAtClientWindowAndResumes) {
  Recorder rec;
  Harness h(rec.Handler(), {}, ClientOptions{.initial_window = 65535, .manual_window = true});
  int32_t id = h.client.Request("POST", "/subscribe", {}, std::string("{}"));
  h.Pump();
  ASSERT_EQ(rec.writers.size(), 1u);
  auto w = rec.writers[0];
  int drained = 0;
  bool closed = false;
  w->OnDrained(256 * 1024, [&] { ++drained; });
  w->OnClosed([&] { closed = true; });
  ASSERT_TRUE(w->Start(200, {{"content-type", "application/vnd.amazon.eventstream"}}));
  std::string expected;
  for (int i = 0; i < 64; ++i) {
    std::string chunk = Pattern(64 * 1024, 100 + i);
    expected += chunk;
    ASSERT_TRUE(w->Write(std::move(chunk)));
  }
  ASSERT_TRUE(w->End());
  h.Pump();
  auto& s = h.client.streams[id];
  EXPECT_EQ(s.status, 200);
  // Nothing beyond the client's window left; the rest waits in the session.
  EXPECT_LE(s.body.size(), 65535u);
  EXPECT_GE(w->buffered_bytes(), expected.size() - 65535);
  EXPECT_FALSE(s.closed);
  EXPECT_EQ(drained, 0);

  // The reader catches up window by window.
  for (int i = 0; i < 1000 && !s.closed; ++i) {
    size_t before = s.body.size();
    h.client.ConsumeAll();
    h.Pump();
    ASSERT_GT(s.body.size(), before);
  }
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.error_code, 0u);
  EXPECT_TRUE(s.body == expected);
  EXPECT_EQ(w->buffered_bytes(), 0u);
  EXPECT_EQ(drained, 1);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(w->closed());
  EXPECT_FALSE(w->Write("late"));
}

TEST(H2Session, StreamingResponseDeliversChunksAsWritten) {
  Recorder rec;
  Harness h(rec.Handler());
  int32_t id = h.client.Request("GET", "/events");
  h.Pump();
  ASSERT_EQ(rec.writers.size(), 1u);
  auto w = rec.writers[0];
  EXPECT_FALSE(w->Write("before start"));
  ASSERT_TRUE(w->Start(200, {{"content-type", "text/event-stream"}, {"Content-Length", "99"}}));
  EXPECT_FALSE(w->Start(200, {}));
  EXPECT_FALSE(w->Respond(HttpResponse{}));
  h.Pump();
  auto& s = h.client.streams[id];
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(Find(s.headers, "content-type"), "text/event-stream");
  EXPECT_EQ(Find(s.headers, "content-length"), "");  // unknown for a stream
  EXPECT_TRUE(s.body.empty());
  EXPECT_FALSE(s.closed);

  ASSERT_TRUE(w->Write("event 1\n"));
  h.Pump();
  EXPECT_EQ(s.body, "event 1\n");
  EXPECT_FALSE(s.closed);
  ASSERT_TRUE(w->Write("event 2\n"));
  ASSERT_TRUE(w->Write(""));
  ASSERT_TRUE(w->End());
  EXPECT_FALSE(w->Write("after end"));
  h.Pump();
  EXPECT_EQ(s.body, "event 1\nevent 2\n");
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.error_code, 0u);
}

TEST(H2Session, ResponseWithAStreamProducerIsStreamed) {
  std::shared_ptr<ResponseStream> body;
  Harness h(AsStreamHandler([&](HttpRequest, Responder respond) {
    HttpResponse r;
    r.headers = {{"Content-Type", "application/vnd.amazon.eventstream"}};
    r.body = "ignored";
    r.stream = [&](std::shared_ptr<ResponseStream> s) { body = std::move(s); };
    respond(std::move(r));
  }));
  int32_t id = h.client.Request("POST", "/");
  h.Pump();
  ASSERT_TRUE(body);
  auto& s = h.client.streams[id];
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(Find(s.headers, "content-type"), "application/vnd.amazon.eventstream");
  EXPECT_EQ(Find(s.headers, "content-length"), "");
  EXPECT_TRUE(s.body.empty());
  bool closed = false;
  body->OnClosed([&] { closed = true; });
  ASSERT_TRUE(body->Write("one "));
  h.Pump();
  EXPECT_EQ(s.body, "one ");
  EXPECT_FALSE(s.closed);
  ASSERT_TRUE(body->Write("two"));
  body->End();
  h.Pump();
  EXPECT_EQ(s.body, "one two");
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.error_code, 0u);
  EXPECT_TRUE(closed);
  EXPECT_FALSE(body->Write("late"));
  EXPECT_EQ(body->buffered_bytes(), 0u);
}

TEST(H2Session, StreamProducerOfAResetStreamIsDroppedUnused) {
  Responder answer;
  Harness h(AsStreamHandler([&](HttpRequest, Responder respond) { answer = std::move(respond); }));
  int32_t id = h.client.Request("POST", "/");
  h.Pump();
  ASSERT_TRUE(answer);
  nghttp2_submit_rst_stream(h.client.session(), NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  h.Pump();
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  bool called = false;
  HttpResponse r;
  r.stream = [token, &called](std::shared_ptr<ResponseStream>) { called = true; };
  token.reset();
  answer(std::move(r));
  EXPECT_FALSE(called);
  EXPECT_TRUE(watch.expired());  // the producer is gone: its owner learns nobody listens
}

// Options whose deadlines run on `*now` (the tests move it), 30 s each.
H2Options ClockedOptions(const std::shared_ptr<std::chrono::steady_clock::time_point>& now) {
  H2Options o;
  o.request_timeout = std::chrono::seconds(30);
  o.now = [now] { return *now; };
  return o;
}

TEST(H2Session, StalledRequestBodyIsResetAtItsDeadline) {
  using namespace std::chrono;
  auto now = std::make_shared<steady_clock::time_point>(steady_clock::time_point{} + hours(1));
  Recorder rec;
  Harness h(rec.Handler(), ClockedOptions(now));
  // Headers without END_STREAM: a body is announced and never sent.
  std::vector<std::pair<std::string, std::string>> all = {
      {":method", "POST"}, {":scheme", "http"}, {":authority", "localhost"}, {":path", "/"}};
  std::vector<nghttp2_nv> nva;
  for (auto& [k, v] : all) {
    nva.push_back({reinterpret_cast<uint8_t*>(k.data()), reinterpret_cast<uint8_t*>(v.data()),
                   k.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
  }
  int32_t stalled =
      nghttp2_submit_headers(h.client.session(), NGHTTP2_FLAG_NONE, -1, nullptr, nva.data(),
                             nva.size(), nullptr);
  ASSERT_GT(stalled, 0);
  h.Pump();
  *now += seconds(20);
  // A complete request that arrives later and is answered slowly is not at risk.
  int32_t slow = h.client.Request("GET", "/slow");
  h.Pump();
  ASSERT_EQ(rec.writers.size(), 1u);
  auto next = h.server.ExpireStalledStreams();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, *now + seconds(10));
  h.Pump();
  EXPECT_FALSE(h.client.streams[stalled].closed);

  *now += seconds(10);
  EXPECT_FALSE(h.server.ExpireStalledStreams().has_value());
  h.Pump();
  EXPECT_TRUE(h.client.streams[stalled].closed);
  EXPECT_EQ(h.client.streams[stalled].error_code, static_cast<uint32_t>(NGHTTP2_CANCEL));
  EXPECT_EQ(rec.requests.size(), 1u);  // the stalled one never reached the handler
  *now += minutes(5);
  EXPECT_FALSE(h.server.ExpireStalledStreams().has_value());
  ASSERT_TRUE(rec.writers[0]->Respond(HttpResponse{200, {}, "late but fine"}));
  h.Pump();
  EXPECT_EQ(h.client.streams[slow].status, 200);
  EXPECT_EQ(h.client.streams[slow].body, "late but fine");
  EXPECT_EQ(h.server.open_streams(), 0u);
}

TEST(H2Session, AnswerThePeerDoesNotReadIsResetAfterTheTimeout) {
  using namespace std::chrono;
  auto now = std::make_shared<steady_clock::time_point>(steady_clock::time_point{} + hours(1));
  Recorder rec;
  ClientOptions c;
  c.initial_window = 1024;
  c.manual_window = true;
  Harness h(rec.Handler(), ClockedOptions(now), c);
  int32_t id = h.client.Request("GET", "/events");
  h.Pump();
  ASSERT_EQ(rec.writers.size(), 1u);
  auto w = rec.writers[0];
  bool closed = false;
  w->OnClosed([&] { closed = true; });
  ASSERT_TRUE(w->Start(200, {}));
  ASSERT_TRUE(w->Write(std::string(4096, 'e')));
  h.Pump();
  auto& s = h.client.streams[id];
  EXPECT_EQ(s.body.size(), 1024u);  // the window's worth; the rest waits

  auto first = h.server.ExpireStalledStreams();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, *now + seconds(30));
  // A reader that makes progress starts the wait afresh.
  *now += seconds(20);
  h.client.ConsumeAll();
  h.Pump();
  EXPECT_EQ(s.body.size(), 2048u);
  h.server.ExpireStalledStreams();  // progress seen: blocked from now on
  *now += seconds(20);
  auto second = h.server.ExpireStalledStreams();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(*second, *now + seconds(10));
  EXPECT_FALSE(closed);

  // Then it stops reading: 30 s later the stream is reset and the writer closed.
  *now += seconds(10);
  EXPECT_FALSE(h.server.ExpireStalledStreams().has_value());
  h.Pump();
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.error_code, static_cast<uint32_t>(NGHTTP2_CANCEL));
  EXPECT_TRUE(closed);
  EXPECT_FALSE(w->Write("more"));
  EXPECT_EQ(h.server.open_streams(), 0u);
}

TEST(H2Session, WriterResetSendsRstStream) {
  Recorder rec;
  Harness h(rec.Handler());
  int32_t id = h.client.Request("GET", "/events");
  h.Pump();
  ASSERT_TRUE(rec.writers[0]->Start(200, {}));
  ASSERT_TRUE(rec.writers[0]->Write("partial"));
  ASSERT_TRUE(rec.writers[0]->Reset());
  h.Pump();
  EXPECT_TRUE(h.client.streams[id].closed);
  EXPECT_EQ(h.client.streams[id].error_code, static_cast<uint32_t>(NGHTTP2_INTERNAL_ERROR));
}

// ------------------------------------------------------------------- limits

TEST(H2Session, OversizedHeaderGets431AndNoHandlerCall) {
  int calls = 0;
  Harness h(AsStreamHandler([&](HttpRequest, Responder respond) {
    ++calls;
    respond(HttpResponse{200, {}, "ok"});
  }));
  int32_t big = h.client.Request("GET", "/", {{"x-big", std::string(20 * 1024, 'a')}});
  h.Pump();
  auto& s = h.client.streams[big];
  EXPECT_EQ(s.status, 431);
  EXPECT_NE(s.body.find("RequestHeaderFieldsTooLarge"), std::string::npos);
  EXPECT_EQ(Find(s.headers, "content-type"), "application/x-amz-json-1.0");
  EXPECT_EQ(calls, 0);
  // The connection stays usable.
  int32_t ok = h.client.Request("GET", "/", {{"x-small", std::string(1024, 'a')}});
  h.Pump();
  EXPECT_EQ(h.client.streams[ok].status, 200);
  EXPECT_EQ(calls, 1);
}

TEST(H2Session, OversizedBodyGets413AndUploadIsStopped) {
  int calls = 0;
  Harness h(AsStreamHandler([&](HttpRequest, Responder respond) {
              ++calls;
              respond(HttpResponse{200, {}, "ok"});
            }),
            Options([](H2Options& o) {
              o.max_body_bytes = 64 * 1024;
              o.stream_window_bytes = 64 * 1024;
            }));
  int32_t id = h.client.Request("POST", "/", {}, Pattern(4 << 20, 3));
  h.Pump();
  auto& s = h.client.streams[id];
  EXPECT_EQ(s.status, 413);
  EXPECT_NE(s.body.find("RequestEntityTooLarge"), std::string::npos);
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.error_code, 0u);  // RST_STREAM(NO_ERROR): stop sending, not a failure
  EXPECT_LT(s.upload_offset, s.upload.size());
  EXPECT_EQ(calls, 0);
  int32_t ok = h.client.Request("POST", "/", {}, std::string(64 * 1024, 'x'));
  h.Pump();
  EXPECT_EQ(h.client.streams[ok].status, 200);
  EXPECT_EQ(calls, 1);
}

TEST(H2Session, DeclaredContentLengthOverLimitGets413AtOnce) {
  Recorder rec;
  Harness h(rec.Handler());
  // Only HEADERS go out: the answer must not wait for the body.
  h.client.defer_uploads = true;
  int32_t id = h.client.Request("POST", "/", {{"content-length", "20000000"}}, std::string("x"));
  h.Pump();
  auto& s = h.client.streams[id];
  EXPECT_EQ(s.status, 413);
  EXPECT_NE(s.body.find("RequestEntityTooLarge"), std::string::npos);
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.error_code, 0u);
  EXPECT_EQ(s.upload_offset, 0u);
  EXPECT_TRUE(rec.requests.empty());
}

// ------------------------------------------------------------ stream errors

TEST(H2Session, PeerResetBeforeAnswerClosesWriter) {
  Recorder rec;
  Harness h(rec.Handler());
  int32_t id = h.client.Request("GET", "/slow");
  h.Pump();
  ASSERT_EQ(rec.writers.size(), 1u);
  bool closed = false;
  rec.writers[0]->OnClosed([&] { closed = true; });
  nghttp2_submit_rst_stream(h.client.session(), NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  h.Pump();
  EXPECT_TRUE(closed);
  EXPECT_TRUE(rec.writers[0]->closed());
  EXPECT_FALSE(rec.writers[0]->Respond(HttpResponse{200, {}, "late"}));
  bool again = false;
  rec.writers[0]->OnClosed([&] { again = true; });  // already closed: runs at once
  EXPECT_TRUE(again);
  h.Pump();
  EXPECT_EQ(h.server.open_streams(), 0u);
}

TEST(H2Session, DroppedWriterResetsStream) {
  Harness h([](HttpRequest, std::shared_ptr<ResponseWriter>) {});
  int32_t id = h.client.Request("GET", "/");
  h.Pump();
  auto& s = h.client.streams[id];
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.error_code, static_cast<uint32_t>(NGHTTP2_INTERNAL_ERROR));
}

TEST(H2Session, WriterOutlivesSession) {
  Recorder rec;
  bool closed = false;
  {
    Harness h(rec.Handler());
    h.client.Request("GET", "/");
    h.Pump();
    ASSERT_EQ(rec.writers.size(), 1u);
    rec.writers[0]->OnClosed([&] { closed = true; });
  }
  EXPECT_TRUE(closed);
  EXPECT_TRUE(rec.writers[0]->closed());
  EXPECT_FALSE(rec.writers[0]->Respond(HttpResponse{}));
  rec.writers.clear();  // destroying it after the session must be harmless
}

// ---------------------------------------------------------------- lifecycle

TEST(H2Session, ShutdownLetsStreamsInProgressFinish) {
  Recorder rec;
  Harness h(rec.Handler());
  int32_t a = h.client.Request("GET", "/a");
  int32_t b = h.client.Request("GET", "/b");
  h.Pump();
  ASSERT_EQ(rec.writers.size(), 2u);
  h.server.Shutdown();
  h.Pump();
  EXPECT_TRUE(h.client.goaway);
  EXPECT_EQ(h.client.goaway_error, 0u);
  EXPECT_FALSE(h.server.WantsClose());
  rec.writers[1]->Respond(HttpResponse{200, {}, "b"});
  h.Pump();
  EXPECT_FALSE(h.server.WantsClose());
  rec.writers[0]->Respond(HttpResponse{200, {}, "a"});
  h.Pump();
  EXPECT_EQ(h.client.streams[a].body, "a");
  EXPECT_EQ(h.client.streams[b].body, "b");
  EXPECT_TRUE(h.server.WantsClose());
}

TEST(H2Session, TerminateSendsGoawayAndWantsClose) {
  Recorder rec;
  Harness h(rec.Handler());
  h.client.Request("GET", "/a");
  h.Pump();
  h.server.Terminate(NGHTTP2_INTERNAL_ERROR);
  h.Pump();
  EXPECT_TRUE(h.client.goaway);
  EXPECT_EQ(h.client.goaway_error, static_cast<uint32_t>(NGHTTP2_INTERNAL_ERROR));
  EXPECT_TRUE(h.server.WantsClose());
}

// ------------------------------------------------------------ bad input

TEST(H2Session, Http1RequestIsAConnectionError) {
  Recorder rec;
  H2Session s({}, rec.Handler(), RenderError, [] {});
  std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  Status st = s.Receive(reinterpret_cast<const uint8_t*>(req.data()), req.size());
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "H2ProtocolError");
  std::string out = s.TakeOutput();
  EXPECT_FALSE(out.empty());  // SETTINGS, then GOAWAY
  EXPECT_TRUE(s.WantsClose());
  EXPECT_FALSE(s.Receive(reinterpret_cast<const uint8_t*>(req.data()), req.size()).ok());
  EXPECT_TRUE(rec.requests.empty());
}

TEST(H2Session, ProtocolViolationAfterPrefaceClosesConnection) {
  Recorder rec;
  H2Session s({}, rec.Handler(), RenderError, [] {});
  std::string in(kH2Preface);
  // SETTINGS frame on stream 1: a connection error (PROTOCOL_ERROR).
  in += std::string("\x00\x00\x00\x04\x00\x00\x00\x00\x01", 9);
  (void)s.Receive(reinterpret_cast<const uint8_t*>(in.data()), in.size());
  std::string out = s.TakeOutput();
  EXPECT_FALSE(out.empty());
  EXPECT_TRUE(s.WantsClose());
}

// Random frames after a valid preface: the session must neither crash nor
// dispatch garbage; whatever it decides, it must end or keep going sanely.
TEST(H2Session, RandomInputAfterPrefaceIsSurvived) {
  std::string settings("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9);
  for (uint32_t seed = 0; seed < 500; ++seed) {
    std::mt19937 rng(seed);
    Recorder rec;
    H2Session s({}, rec.Handler(), RenderError, [] {});
    std::string in = std::string(kH2Preface) + settings;
    for (int f = 0; f < 20; ++f) {
      if (seed % 2 == 0) {
        // Well-framed, random type/flags/stream/payload: reaches deeper code.
        size_t len = rng() % 64;
        uint8_t type = static_cast<uint8_t>(rng() % 11);
        uint8_t flags = static_cast<uint8_t>(rng());
        uint32_t stream = rng() % 3 == 0 ? 0 : (rng() % 8) * 2 + 1;
        in += static_cast<char>(0);
        in += static_cast<char>(len >> 8);
        in += static_cast<char>(len);
        in += static_cast<char>(type);
        in += static_cast<char>(flags);
        in += static_cast<char>(stream >> 24);
        in += static_cast<char>(stream >> 16);
        in += static_cast<char>(stream >> 8);
        in += static_cast<char>(stream);
        for (size_t i = 0; i < len; ++i) in += static_cast<char>(rng());
      } else {
        for (int i = 0; i < 50; ++i) in += static_cast<char>(rng());
      }
    }
    size_t pos = 0;
    while (pos < in.size()) {
      size_t n = std::min<size_t>(in.size() - pos, 1 + rng() % 100);
      Status st = s.Receive(reinterpret_cast<const uint8_t*>(in.data()) + pos, n);
      pos += n;
      (void)s.TakeOutput();
      if (!st.ok()) break;
    }
    for (auto& w : rec.writers) w->Respond(HttpResponse{200, {}, "x"});
    (void)s.TakeOutput();
    (void)s.WantsClose();
  }
}

}  // namespace
}  // namespace sluice::http
