// Fuzz target: AWS CBOR 1.1 decoding and encoding (Kinesis, as the Java SDKs
// speak it; SQS for a second model).
//
// Input: the X-Amz-Target value on the first line ("Kinesis_20131202.PutRecord"),
// then the CBOR body. When the first line names no known operation, the first
// two bytes choose the service and the operation and the whole input is the
// body. Checked besides "no crash, no sanitizer report":
//  - decoding fails only with SerializationException;
//  - a decoded input is a map, and validates in both styles;
//  - encoding it under the input shape gives well-formed CBOR (libcbor's own
//    decoder reads all of it) that decodes to the same Value, except that a
//    timestamp before 1973 comes back read as seconds (README.md: integers
//    below 1e11 are seconds, and the encoder always writes milliseconds);
//  - error bodies are well-formed CBOR.
#include <cbor.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "protocol/codecs.h"
#include "protocol/generated/kinesis_model.h"
#include "protocol/generated/sqs_model.h"

using namespace sluice;

namespace {

const model::Service* const kServices[] = {&model::KinesisModel(), &model::SqsModel()};

bool Same(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
    case Value::Kind::kInt:
      return a.as_int() == b.as_int();
    case Value::Kind::kDouble: {
      double x = a.as_double(), y = b.as_double();
      return (std::isnan(x) && std::isnan(y)) || std::memcmp(&x, &y, sizeof x) == 0;
    }
    case Value::Kind::kTimestamp: {
      int64_t x = a.as_timestamp_millis(), y = b.as_timestamp_millis();
      return x == y || (x > -100'000'000'000 && x < 100'000'000'000 && y == x * 1000);
    }
    case Value::Kind::kString:
    case Value::Kind::kBlob:
      return a.as_string() == b.as_string();
    case Value::Kind::kList:
      if (a.items().size() != b.items().size()) return false;
      for (size_t i = 0; i < a.items().size(); ++i) {
        if (!Same(a.items()[i], b.items()[i])) return false;
      }
      return true;
    case Value::Kind::kMap:
      // Structures come back in the model's order, not the request's.
      if (a.members().size() != b.members().size()) return false;
      for (const auto& [key, value] : a.members()) {
        const Value* other = b.Find(key);
        if (other == nullptr || !Same(value, *other)) return false;
      }
      return true;
  }
  return false;
}

// libcbor's tree decoder must read all of `bytes` as one item.
void CheckWellFormed(const std::string& bytes) {
  cbor_load_result result;
  cbor_item_t* item = cbor_load(reinterpret_cast<cbor_data>(bytes.data()), bytes.size(), &result);
  if (item == nullptr || result.error.code != CBOR_ERR_NONE || result.read != bytes.size())
    __builtin_trap();
  cbor_decref(&item);
}

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

  Result<Value> input = protocol::DecodeCbor(*svc, *op, body);
  if (!input.ok()) {
    if (input.error().code != "SerializationException") __builtin_trap();
    CheckWellFormed(protocol::EncodeCborError(input.error().code, input.error().message));
    return 0;
  }
  if (!input->is_map()) __builtin_trap();
  (void)protocol::Validate(*svc, *op, *input, protocol::ValidationStyle::kQuery);
  (void)protocol::Validate(*svc, *op, *input, protocol::ValidationStyle::kValidation);

  // Round trip under the input shape: encode as an output, decode as input.
  const model::Operation as_output{op->name, -1, op->input, ""};
  std::string encoded = protocol::EncodeCbor(*svc, as_output, *input);
  CheckWellFormed(encoded);
  Result<Value> again = protocol::DecodeCbor(*svc, *op, encoded);
  if (!again.ok() || !Same(*input, *again)) __builtin_trap();
  return 0;
}
