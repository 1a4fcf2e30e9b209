// Wire codecs driven by the generated model: Query forms and XML, AWS JSON,
// AWS CBOR.
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

// AWS CBOR 1.1 (the AWS Java SDKs' default for Kinesis): the same Values as
// AWS JSON under the same model, with blobs as byte strings and timestamps as
// tag 1 + epoch milliseconds (README.md has the rules). An empty body is an
// empty input; malformed CBOR, nesting deeper than 64 and type mismatches are
// SerializationException.
inline constexpr std::string_view kCborContentType = "application/x-amz-cbor-1.1";
// True for `application/x-amz-cbor-1.1`, in any case, with or without parameters.
bool IsCborContentType(std::string_view content_type);
Result<Value> DecodeCbor(const model::Service& svc, const model::Operation& op,
                         std::string_view body);
std::string EncodeCbor(const model::Service& svc, const model::Operation& op, const Value& output);
// An error body: a map of `__type` and `message`.
std::string EncodeCborError(std::string_view type, std::string_view message);

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
