// The contract between the protocol layer and a service (SQS, Kinesis, ...):
// typed-free Values in, Values or Errors out, never HTTP or wire formats.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/response_stream.h"
#include "common/result.h"
#include "common/value.h"

namespace sluice {

// What a service may know about the caller and the request.
struct CallContext {
  std::string account_id;  // from the signing key in strict mode, else the default
  std::string region;
  std::string access_key;  // empty for unsigned requests
  std::string host;        // the request's Host header, for URLs handed back
  std::string scheme = "http";
  std::string request_id;
  std::string path;        // request path (SQS Query clients post to the queue URL)
  bool authenticated = false;  // signature verified against a known key (strict mode)
};

// Frames the messages of an event-stream output in the request's wire format
// (the protocol layer makes it; a service only calls it).
struct EventEncoder {
  // The first message: the output's members that are not the stream.
  std::function<std::string()> initial_response;
  // One event of the stream's event type, from its shape.
  std::function<std::string(const Value& event)> event;
  // An error that ends the stream, as an exception message.
  std::function<std::string(const Error& error)> exception;
};

class Service {
 public:
  using Done = std::function<void(Result<Value>)>;
  // An event-stream output: the producer of the response body, or the error
  // to answer instead (before anything is streamed).
  using StreamDone = std::function<void(Result<StreamProducer>)>;
  virtual ~Service() = default;
  // Runs operation `op` (an AWS operation name) on a decoded, structurally
  // validated input. `done` is called exactly once, from any thread.
  virtual void Invoke(const CallContext& ctx, std::string_view op, Value input, Done done) = 0;
  // True when `op`'s output is an event stream: the protocol layer then
  // calls InvokeStream instead of Invoke.
  virtual bool StreamsOutput(std::string_view op) const {
    (void)op;
    return false;
  }
  // Runs such an operation; `done` is called exactly once, from any thread.
  virtual void InvokeStream(const CallContext& ctx, std::string_view op, Value input,
                            EventEncoder encoder, StreamDone done) {
    (void)ctx;
    (void)input;
    (void)encoder;
    done(Error{"InternalFailure", "Operation " + std::string(op) + " has no event stream.", 500,
               false});
  }
  // Short state for GET /health ("running", ...).
  virtual std::string HealthState() const { return "running"; }
};

}  // namespace sluice
