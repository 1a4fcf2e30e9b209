// SQS queue attributes: names, defaults, validation with AWS's texts.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sluice::sqs {

using AttributeMap = std::map<std::string, std::string>;

// Every attribute name GetQueueAttributes knows, settable or computed.
bool IsKnownAttribute(std::string_view name);
bool IsSettableAttribute(std::string_view name, bool fifo);

// Validates attributes given to CreateQueue / SetQueueAttributes.
Status ValidateAttributes(const AttributeMap& attrs, bool fifo, bool creating);

// The effective value of a settable attribute (given or default), or "" when
// it has no value (Policy, RedrivePolicy, ...).
std::string EffectiveAttribute(const AttributeMap& stored, std::string_view name);
int64_t IntAttribute(const AttributeMap& stored, std::string_view name);

// The settable attributes with their defaults, in AWS's reporting order.
const std::vector<std::string>& ReportedAttributeOrder();

}  // namespace sluice::sqs
