// Dispatcher: the AWS protocol layer. Finds the service and operation of an
// HTTP request (X-Amz-Target, form Action, SigV4 credential scope), checks
// the signature, decodes the input, calls the service and renders its answer
// or error in the request's protocol. Every error reaches the wire here.
//
// Thread safety: Handle() may be called concurrently from any thread once
// all services are registered.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "auth/sigv4.h"
#include "common/http_message.h"
#include "common/service.h"
#include "protocol/codecs.h"
#include "protocol/model.h"

namespace sluice::protocol {

// kCbor11 is never a binding's json_protocol: a request to a JSON binding
// whose Content-Type is application/x-amz-cbor-1.1 is read and answered in it.
enum class WireProtocol { kQuery, kJson10, kJson11, kCbor11 };

struct ServiceBinding {
  const model::Service* model = nullptr;
  Service* service = nullptr;
  std::string scope_name;           // SigV4 credential-scope service ("sqs")
  WireProtocol json_protocol = WireProtocol::kJson10;
  bool query = false;               // also reachable over the Query protocol
  bool query_compatible = false;    // JSON errors carry x-amzn-query-error
  ValidationStyle style = ValidationStyle::kQuery;
  // An input member the request path may stand in for when absent (SQS Query
  // clients post to "/<account>/<queue>" and may leave out QueueUrl).
  std::string path_member;
  // Frames event-stream outputs (operations the service StreamsOutput) for a
  // request in the given protocol. Unset: the service streams nothing.
  std::function<EventEncoder(WireProtocol)> event_encoder;
};

struct DispatcherOptions {
  std::string default_account_id = "000000000000";
  std::string default_region = "us-east-1";
};

class Dispatcher {
 public:
  Dispatcher(const auth::SigV4Verifier* verifier, DispatcherOptions options);
  void Register(ServiceBinding binding);

  using Respond = std::function<void(HttpResponse)>;
  // Answers exactly once, possibly from another thread.
  void Handle(const HttpRequest& request, Respond respond) const;

  // Renders an error the HTTP layer raises before a request is complete.
  HttpResponse RenderTransportError(int status, const std::string& code,
                                    const std::string& message) const;

  // Renders `error` in the given protocol for the given service (may be null).
  static HttpResponse RenderError(WireProtocol protocol, const ServiceBinding* binding,
                                  const Error& error, const std::string& request_id);

 private:
  const ServiceBinding* ByTarget(std::string_view prefix) const;
  const ServiceBinding* ByAction(std::string_view action, std::string_view scope) const;

  const auth::SigV4Verifier* verifier_;
  DispatcherOptions options_;
  std::vector<ServiceBinding> bindings_;
};

}  // namespace sluice::protocol
