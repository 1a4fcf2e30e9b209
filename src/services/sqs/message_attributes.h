// SQS message attributes: validation with AWS's texts, the stored encoding,
// and MD5OfMessageAttributes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/value.h"

namespace sluice::sqs {

struct MessageAttribute {
  std::string name;
  std::string data_type;  // "String", "Number", "Binary", optionally ".custom"
  std::string value;      // text for String/Number, raw bytes for Binary
  bool binary() const { return data_type.rfind("Binary", 0) == 0; }
};
using MessageAttributes = std::vector<MessageAttribute>;  // sorted by name

// Parses the MessageAttributes map (name -> MessageAttributeValue).
// `system` selects the MessageSystemAttributes rules (only AWSTraceHeader).
Result<MessageAttributes> ParseMessageAttributes(const Value& map, bool system = false);
// Bytes counted against MaximumMessageSize: name, type and value of each.
size_t AttributesSize(const MessageAttributes& attrs);
std::string EncodeAttributes(const MessageAttributes& attrs);
bool DecodeAttributes(std::string_view in, MessageAttributes& out);
// MD5 hex over attrs in name order, as AWS computes it.
std::string Md5OfAttributes(const MessageAttributes& attrs);
// The MessageAttributes map for a response.
Value AttributesToValue(const MessageAttributes& attrs);

// The body character rule: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF.
// Returns an error naming the first invalid character.
Status ValidateBodyCharacters(std::string_view body);

}  // namespace sluice::sqs
