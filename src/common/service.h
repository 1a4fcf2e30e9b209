// The contract between the protocol layer and a service (SQS, Kinesis, ...):
// typed-free Values in, Values or Errors out, never HTTP or wire formats.
#pragma once

#include <functional>
#include <string>
#include <string_view>

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

class Service {
 public:
  using Done = std::function<void(Result<Value>)>;
  virtual ~Service() = default;
  // Runs operation `op` (an AWS operation name) on a decoded, structurally
  // validated input. `done` is called exactly once, from any thread.
  virtual void Invoke(const CallContext& ctx, std::string_view op, Value input, Done done) = 0;
  // Short state for GET /health ("running", ...).
  virtual std::string HealthState() const { return "running"; }
};

}  // namespace sluice
