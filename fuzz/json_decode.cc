// Fuzz target: AWS JSON input decoding (SQS over JSON 1.0, Kinesis over 1.1).
//
// Input: the X-Amz-Target value on the first line ("AmazonSQS.SendMessage",
// "Kinesis_20131202.PutRecord"), then the request body. When the first line
// names no known operation, the first two bytes choose the service and the
// operation and the whole input is the body. The decoded Value is validated
// in both styles (SQS uses the Query style, Kinesis the model's constraints).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/codecs.h"
#include "protocol/generated/kinesis_model.h"
#include "protocol/generated/sqs_model.h"

using namespace sluice;

namespace {

const model::Service* const kServices[] = {&model::SqsModel(), &model::KinesisModel()};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const model::Service* svc = nullptr;
  const model::Operation* op = nullptr;
  std::string_view body = in;
  size_t nl = in.find('\n');
  if (nl != std::string_view::npos) {
    std::string_view target = in.substr(0, nl);
    size_t dot = target.find('.');
    for (const model::Service* s : kServices) {
      if (dot != std::string_view::npos && s->target_prefix == target.substr(0, dot)) {
        svc = s;
        op = s->FindOperation(target.substr(dot + 1));
      }
    }
    if (op != nullptr) body = in.substr(nl + 1);
  }
  if (op == nullptr) {
    svc = kServices[data[0] % 2];
    op = &svc->operations[data[1] % svc->operation_count];
  }

  Result<Value> input = protocol::DecodeJson(*svc, *op, body);
  if (!input.ok()) {
    if (input.error().code != "SerializationException") __builtin_trap();
    return 0;
  }
  if (!input->is_map()) __builtin_trap();
  (void)protocol::Validate(*svc, *op, *input, protocol::ValidationStyle::kQuery);
  (void)protocol::Validate(*svc, *op, *input, protocol::ValidationStyle::kValidation);
  return 0;
}
