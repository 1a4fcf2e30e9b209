// Fuzz target: a whole request through the protocol layer.
//
// Input: as for http_parse (the bytes of one connection, optionally after a
// chunk-size byte). Each request the HTTP parser completes goes to a
// protocol::Dispatcher configured as `sluice serve` configures it in open
// mode (SQS over Query and JSON 1.0, Kinesis over JSON 1.1 and CBOR), with a
// stub service that answers with its input. Routing, form parsing, SigV4
// parsing, decoding, validation, response encoding and error rendering all
// run. Every request must be answered exactly once with a status in 200..599.
#include <cstddef>
#include <cstdint>

#include "auth/sigv4.h"
#include "common/service.h"
#include "http_input.h"
#include "protocol/dispatcher.h"
#include "protocol/generated/kinesis_model.h"
#include "protocol/generated/sqs_model.h"

using namespace sluice;

namespace {

class EchoService : public Service {
 public:
  void Invoke(const CallContext&, std::string_view, Value input, Done done) override {
    done(std::move(input));
  }
};

const protocol::Dispatcher& TheDispatcher() {
  static ManualClock clock;
  static auth::SigV4Verifier verifier(auth::AuthMode::kOpen, nullptr, &clock);
  static EchoService service;
  static protocol::Dispatcher* d = [] {
    auto* dispatcher = new protocol::Dispatcher(&verifier, {"000000000000", "us-east-1"});
    protocol::ServiceBinding b;
    b.model = &model::SqsModel();
    b.service = &service;
    b.scope_name = "sqs";
    b.json_protocol = protocol::WireProtocol::kJson10;
    b.query = true;
    b.query_compatible = true;
    b.path_member = "QueueUrl";
    dispatcher->Register(b);
    protocol::ServiceBinding k;
    k.model = &model::KinesisModel();
    k.service = &service;
    k.scope_name = "kinesis";
    k.json_protocol = protocol::WireProtocol::kJson11;
    k.style = protocol::ValidationStyle::kValidation;
    dispatcher->Register(k);
    return dispatcher;
  }();
  return *d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const protocol::Dispatcher& dispatcher = TheDispatcher();
  fuzz::ForEachRequest(data, size, [&](const HttpRequest& req) {
    int answers = 0;
    int status = 0;
    dispatcher.Handle(req, [&](HttpResponse r) {
      ++answers;
      status = r.status;
    });
    if (answers != 1 || status < 200 || status > 599) __builtin_trap();
  });
  return 0;
}
