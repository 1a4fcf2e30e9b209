// A response body written over time (an event stream), shared by the HTTP
// front end, which carries it, and the services that produce one, which need
// not know HTTP.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace sluice {

// The body of a response written over time (an event stream), as the front
// end offers it once the status and headers are on their way: HTTP/1.1
// chunks or HTTP/2 DATA frames. Every method is thread-safe and never blocks.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Appends body bytes. false: the stream is closed and nothing was taken.
  virtual bool Write(std::string bytes) = 0;
  // Ends the body once what was written has gone out.
  virtual void End() = 0;
  // Bytes taken by Write() and not yet handed to the connection: what a
  // producer watches to slow down for a slow reader.
  virtual size_t buffered_bytes() const = 0;
  // `callback` runs (on a connection thread) each time buffered_bytes()
  // falls to `low_watermark` or below after having been above it. Replaces
  // any previous one.
  virtual void OnDrained(size_t low_watermark, std::function<void()> callback) = 0;
  // `callback` runs once when the stream closes: the body ended and was
  // written, or the client went away. At once, on the caller's thread, if
  // the stream is already closed.
  virtual void OnClosed(std::function<void()> callback) = 0;
};

// Called once by the front end with the stream of a response that has one.
// A producer that is destroyed without having been called learns that the
// answer was never sent (the connection closed first).
using StreamProducer = std::function<void(std::shared_ptr<ResponseStream>)>;

}  // namespace sluice
