// Wire codecs driven by the generated model: Query forms and XML, AWS JSON.
//
// Decoders turn untrusted input into a Value shaped like the operation's
// input shape; a malformed value yields an Error, never a crash. Encoders
// render an output Value as the operation's output shape. All functions are
// pure and thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/value.h"
#include "protocol/model.h"

namespace sluice::protocol {

// Query: form parameters (already percent-decoded) to the input Value.
using FormParams = std::map<std::string, std::string>;
Result<Value> DecodeQuery(const model::Service& svc, const model::Operation& op,
                          const FormParams& params);
// Query: the <OpResponse> document for a successful call.
std::string EncodeXmlResponse(const model::Service& svc, const model::Operation& op,
                              const Value& output, std::string_view request_id);

// AWS JSON 1.0/1.1: body to input Value (an empty body is an empty input).
Result<Value> DecodeJson(const model::Service& svc, const model::Operation& op,
                         std::string_view body);
std::string EncodeJson(const model::Service& svc, const model::Operation& op, const Value& output);

// Checks required members (recursively) and, when `constraints` is set, the
// model's length, range, pattern and enum constraints. SQS checks its ranges
// in the service with its own texts, Kinesis-style services use the model's.
enum class ValidationStyle {
  kQuery,       // MissingParameter "The request must contain the parameter X."
  kValidation,  // ValidationException "1 validation error detected: ..."
};
Status Validate(const model::Service& svc, const model::Operation& op, const Value& input,
                ValidationStyle style);

std::string XmlEscape(std::string_view in);

}  // namespace sluice::protocol
