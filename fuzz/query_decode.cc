// Fuzz target: Query-protocol input decoding.
//
// Input: a form body ("Action=SendMessage&QueueUrl=...&MessageBody=..."), as
// boto3 and the AWS CLI post it. It is parsed with strings::ParseForm and
// merged into FormParams the way the dispatcher does (a later value of a name
// wins); the operation is the form's Action when the SQS model knows it, else
// one chosen by the first byte. The decoded Value is then validated in both
// styles (SQS's own Query texts and the model's constraint checks).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/strings.h"
#include "protocol/codecs.h"
#include "protocol/generated/sqs_model.h"

using namespace sluice;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto pairs = strings::ParseForm(in);
  if (!pairs) return 0;
  protocol::FormParams form;
  for (auto& [k, v] : *pairs) {
    form[k] = v;
    (void)strings::IsValidUtf8(v);
  }

  const model::Service& svc = model::SqsModel();
  const model::Operation* op = nullptr;
  if (auto action = form.find("Action"); action != form.end()) op = svc.FindOperation(action->second);
  if (op == nullptr) op = &svc.operations[data[0] % svc.operation_count];

  Result<Value> input = protocol::DecodeQuery(svc, *op, form);
  if (!input.ok()) {
    if (input.error().code.empty()) __builtin_trap();
    return 0;
  }
  if (!input->is_map()) __builtin_trap();
  (void)protocol::Validate(svc, *op, *input, protocol::ValidationStyle::kQuery);
  (void)protocol::Validate(svc, *op, *input, protocol::ValidationStyle::kValidation);
  return 0;
}
