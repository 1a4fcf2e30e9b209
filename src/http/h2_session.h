// HTTP/2 server session (RFC 9113) on libnghttp2, over an abstract byte
// transport: the owner feeds the bytes it reads to Receive() and writes what
// TakeOutput() returns. The session accepts the client preface (prior
// knowledge h2c, or h2 after TLS ALPN), serves many concurrent streams,
// assembles each request into an HttpRequest and hands it to the same Handler
// as the HTTP/1.1 server. Knows nothing of sockets, TLS or AWS.
//
// Threading contract:
//  - H2Session itself is NOT thread-safe. Construction, Receive(),
//    TakeOutput(), Shutdown(), Terminate(), the queries and destruction all
//    run on the owner's strand (one at a time). Handlers are called there.
//  - ResponseWriter (and the Responder made from it) is thread-safe and may
//    be used from any thread, before or after the session is gone (it then
//    does nothing and returns false). Answers are queued; the queue is
//    applied by the next TakeOutput().
//  - `wake` is called (from any thread, possibly from inside Receive() or
//    TakeOutput()) when queued answers wait for a TakeOutput(). It is called
//    once per batch, under an internal lock: it must not block and must not
//    call into the session; it should post a flush to the owner's strand.
//    It is never called after the destructor returns, so it may capture the
//    owner by raw pointer if the owner outlives the session.
//
// Owner loop:
//   on bytes read:   if (!session.Receive(p, n).ok()) mark closing;
//                    flush();
//   on wake (posted to the strand): flush();
//   flush():         unless a write is in progress: out = TakeOutput();
//                    if (!out.empty()) async_write(out) then flush() again;
//                    else if (WantsClose()) close the transport.
//   on transport EOF or error: destroy the session (open streams are closed).
// Backpressure toward a slow reader: TakeOutput() returns at most `max_bytes`
// per call and the owner asks again only after the write completes; streamed
// bodies beyond the peer's flow-control window stay queued in the session
// (see ResponseWriter::buffered_bytes()).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/http_message.h"
#include "common/result.h"
#include "http/server.h"

namespace sluice::http {

// The 24-byte client connection preface, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".
inline constexpr std::string_view kH2Preface{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24};

// True when the first min(size, 24) bytes equal the start of the HTTP/2
// client preface, i.e. the connection may be prior-knowledge h2c. No
// HTTP/1.1 method starts with "PR", so three bytes decide in practice; a
// caller with fewer bytes that gets true should read more. False for size 0.
bool LooksLikeH2Preface(const uint8_t* data, size_t size);

struct H2Options {
  // Request header bytes (names and values of every field, pseudo-headers
  // included, plus 4 per field as HTTP/1.1 would count ": " and CRLF). Over
  // it: 431 RequestHeaderFieldsTooLarge. Default: as the HTTP/1.1 server.
  size_t max_header_bytes = 16 * 1024;
  // Request body bytes. Over it (or a larger content-length): 413
  // RequestEntityTooLarge, sent at once, then RST_STREAM(NO_ERROR) stops the
  // upload. Default: as the HTTP/1.1 server.
  size_t max_body_bytes = 16 * 1024 * 1024;
  // SETTINGS_MAX_CONCURRENT_STREAMS advertised to the client. Default: 128.
  uint32_t max_concurrent_streams = 128;
  // Receive windows for request bodies (SETTINGS_INITIAL_WINDOW_SIZE and the
  // connection window). Larger than HTTP/2's 64 KiB default so that uploads
  // are not throttled by round trips. Default: 1 MiB and 16 MiB.
  int32_t stream_window_bytes = 1 << 20;
  int32_t connection_window_bytes = 16 << 20;
  // Copied into every HttpRequest::remote_address.
  std::string remote_address;
  // A request must be complete (its END_STREAM in) within this of its first
  // HEADERS frame, and an answer whose bytes wait for the peer's flow-control
  // window may wait no longer than this for it; ExpireStalledStreams() resets
  // a stream that is late either way. Default: 30 s, as the HTTP/1.1
  // server's read_timeout (for a request, and for each write).
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  // Time source of those deadlines. Default (null): steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> now;
};

namespace detail {
struct H2Shared;
}

// One response stream, handed to a StreamHandler. Thread-safe; every method
// may be called from any thread. Either Respond() once, or Start() once, then
// Write() any number of times, then End(). Calls out of that order, after the
// stream closed, or after the session is gone return false and do nothing.
class ResponseWriter {
 public:
  ~ResponseWriter();
  ResponseWriter(const ResponseWriter&) = delete;
  ResponseWriter& operator=(const ResponseWriter&) = delete;

  // A whole response. content-length is added when absent.
  bool Respond(HttpResponse response);
  // Sends the status and headers now; the body follows with Write().
  bool Start(int status, HeaderList headers);
  // Appends body bytes. They leave as the peer's flow-control windows allow;
  // until then they count in buffered_bytes().
  bool Write(std::string chunk);
  // Ends the body (END_STREAM).
  bool End();
  // Abandons the stream with RST_STREAM(INTERNAL_ERROR).
  bool Reset();

  // Body bytes accepted by Write()/Respond() that are not yet framed for the
  // transport: the producer's backpressure signal.
  size_t buffered_bytes() const { return buffered_.load(std::memory_order_acquire); }
  // True once the stream is closed (answered and flushed, reset by the peer,
  // or the session is gone).
  bool closed() const { return closed_.load(std::memory_order_acquire); }

  // `callback` runs on the owner's strand each time buffered_bytes() falls to
  // `low_watermark` or below after having been above it. Replaces any
  // previous one. It may call Write().
  void OnDrained(size_t low_watermark, std::function<void()> callback);
  // `callback` runs once when the stream closes, for whatever reason: on the
  // owner's strand, or at once on the caller's thread if already closed.
  void OnClosed(std::function<void()> callback);

 private:
  friend class H2Session;
  ResponseWriter(std::shared_ptr<detail::H2Shared> shared, int32_t stream_id);
  enum class State { kIdle, kStarted, kDone };
  // `kind` is a detail::CommandKind; checks the call order, then queues.
  bool Enqueue(int kind, HttpResponse response);
  // Owner side.
  void Consumed(size_t n, bool* drained);
  void NotifyDrained();
  void MarkClosed();

  const std::shared_ptr<detail::H2Shared> shared_;
  const int32_t stream_id_;
  std::atomic<size_t> buffered_{0};
  std::atomic<bool> closed_{false};
  mutable std::mutex mu_;
  State state_ = State::kIdle;                   // GUARDED_BY(mu_)
  size_t low_watermark_ = 0;                     // GUARDED_BY(mu_)
  std::function<void()> on_drained_;             // GUARDED_BY(mu_)
  std::function<void()> on_closed_;              // GUARDED_BY(mu_)
};

// A handler that may stream its answer. Called on the owner's strand.
using StreamHandler = std::function<void(HttpRequest, std::shared_ptr<ResponseWriter>)>;

// Adapts the HTTP/1.1 server's Handler: its Responder calls Respond().
StreamHandler AsStreamHandler(Handler handler);

class H2Session {
 public:
  // Queues the server's SETTINGS; the first TakeOutput() returns them.
  H2Session(H2Options options, StreamHandler handler, ErrorRenderer error_renderer,
            std::function<void()> wake);
  // Closes every open stream (their writers see closed() and OnClosed) and
  // stops all wake calls before returning.
  ~H2Session();
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;

  // Consumes bytes read from the transport (the preface included, if the
  // owner sniffed it: feed every byte, in order). Complete requests go to the
  // handler before this returns. On a connection error (bad preface,
  // protocol violation) returns an error and queues GOAWAY: flush
  // TakeOutput(), then close. Bytes after such an error are ignored.
  Status Receive(const uint8_t* data, size_t size);
  // Applies queued answers, then returns up to about `max_bytes` of frames
  // to write (empty when there is nothing to send now).
  std::string TakeOutput(size_t max_bytes = 256 * 1024);
  // True when the session is finished: nothing more to read or write. The
  // owner closes the transport once TakeOutput() is also empty.
  bool WantsClose() const;

  // Graceful close: GOAWAY(NO_ERROR) naming the last stream received; streams
  // in progress finish, new ones are refused, then WantsClose() turns true.
  void Shutdown();
  // Immediate close: GOAWAY with `error_code` (an HTTP/2 error code, 0 for
  // NO_ERROR); open streams are abandoned.
  void Terminate(uint32_t error_code = 0);

  // Streams opened by the peer and not yet closed.
  size_t open_streams() const;

  // Resets (RST_STREAM CANCEL) every stream whose request is still
  // incomplete past its deadline (the handler never sees it), and every
  // stream whose answer has been held up by a closed flow-control window
  // (the stream's or the connection's) for `request_timeout`: a client that
  // stops reading holds nothing for long. Returns the earliest deadline left,
  // when the owner should call again (nullopt: none); the owner calls it
  // after every read and flush too. Flush TakeOutput() afterwards.
  std::optional<std::chrono::steady_clock::time_point> ExpireStalledStreams();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::http
