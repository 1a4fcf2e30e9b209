// JSON documents that are data, not wire format: SQS policies, redrive
// policies, stored task records. Parsed into and written from Value.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "common/value.h"

namespace sluice::json {

// Numbers become Int when integral, else Double; objects keep member order.
// Error code "InvalidJson" with a short reason.
Result<Value> Parse(std::string_view text);
std::string Write(const Value& v);

}  // namespace sluice::json
