#include "services/sqs/queue_attributes.h"

#include <vector>

#include "common/strings.h"

namespace sluice::sqs {
namespace {

struct IntRange {
  std::string_view name;
  int64_t min, max, def;
};

constexpr IntRange kIntAttributes[] = {
    {"DelaySeconds", 0, 900, 0},
    {"MaximumMessageSize", 1024, 1048576, 1048576},
    {"MessageRetentionPeriod", 60, 1209600, 345600},
    {"ReceiveMessageWaitTimeSeconds", 0, 20, 0},
    {"VisibilityTimeout", 0, 43200, 30},
    {"KmsDataKeyReusePeriodSeconds", 60, 86400, 300},
};

constexpr std::string_view kComputed[] = {
    "All",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
};

constexpr std::string_view kOtherSettable[] = {
    "Policy",        "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId",
    "SqsManagedSseEnabled",
};

constexpr std::string_view kFifoOnly[] = {
    "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"};

const IntRange* FindInt(std::string_view name) {
  for (const auto& r : kIntAttributes) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

Error InvalidValue(std::string_view name) {
  return Error{"InvalidAttributeValue", "Invalid value for the parameter " + std::string(name) + "."};
}

}  // namespace

bool IsKnownAttribute(std::string_view name) {
  if (FindInt(name)) return true;
  for (auto n : kComputed) if (n == name) return true;
  for (auto n : kOtherSettable) if (n == name) return true;
  for (auto n : kFifoOnly) if (n == name) return true;
  return false;
}

bool IsSettableAttribute(std::string_view name, bool fifo) {
  if (FindInt(name)) return true;
  for (auto n : kOtherSettable) if (n == name) return true;
  if (fifo) {
    for (auto n : kFifoOnly) if (n == name) return true;
  }
  return false;
}

Status ValidateAttributes(const AttributeMap& attrs, bool fifo, bool creating) {
  for (const auto& [name, value] : attrs) {
    bool fifo_attr = false;
    for (auto n : kFifoOnly) fifo_attr = fifo_attr || n == name;
    if (!IsKnownAttribute(name) || (!IsSettableAttribute(name, true))) {
      return Error{"InvalidAttributeName", "Unknown Attribute " + name + "."};
    }
    // FIFO attributes do not exist on standard queues, FifoQueue=false included.
    if (fifo_attr && !fifo) {
      return Error{"InvalidAttributeName", "Unknown Attribute " + name + "."};
    }
    if (name == "FifoQueue" && value != "true") {
      if (value == "false" && !creating) {
        return Error{"InvalidAttributeValue",
                     "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is "
                     "not supported."};
      }
      return InvalidValue(name);
    }
    if (const IntRange* r = FindInt(name)) {
      auto n = strings::ParseInt(value);
      if (!n || *n < r->min || *n > r->max) return InvalidValue(name);
    } else if (name == "SqsManagedSseEnabled" || name == "FifoQueue" ||
               name == "ContentBasedDeduplication") {
      if (value != "true" && value != "false") return InvalidValue(name);
    } else if (name == "DeduplicationScope") {
      if (value != "queue" && value != "messageGroup") return InvalidValue(name);
    } else if (name == "FifoThroughputLimit") {
      if (value != "perQueue" && value != "perMessageGroupId") return InvalidValue(name);
    } else if (name == "KmsMasterKeyId") {
      if (value.size() > 2048) return InvalidValue(name);
    } else if (name == "Policy" || name == "RedrivePolicy" || name == "RedriveAllowPolicy") {
      if (value.size() > 20480 || !strings::IsValidUtf8(value)) return InvalidValue(name);
    }
  }
  auto scope = attrs.find("DeduplicationScope");
  auto limit = attrs.find("FifoThroughputLimit");
  if (limit != attrs.end() && limit->second == "perMessageGroupId" && scope != attrs.end() &&
      scope->second == "queue") {
    return Error{"InvalidAttributeValue",
                 "Invalid value for the parameter FifoThroughputLimit. Reason: "
                 "perMessageGroupId is available only when DeduplicationScope is messageGroup."};
  }
  if (attrs.count("KmsMasterKeyId") && !attrs.at("KmsMasterKeyId").empty() &&
      attrs.count("SqsManagedSseEnabled") && attrs.at("SqsManagedSseEnabled") == "true") {
    return Error{"InvalidAttributeName",
                 "You can use one type of server-side encryption (SSE) at one time. You can either "
                 "enable KMS SSE or SQS SSE."};
  }
  return {};
}

std::string EffectiveAttribute(const AttributeMap& stored, std::string_view name) {
  auto it = stored.find(std::string(name));
  if (it != stored.end()) return it->second;
  if (const IntRange* r = FindInt(name)) return std::to_string(r->def);
  if (name == "ContentBasedDeduplication") return "false";
  if (name == "DeduplicationScope") return "queue";
  if (name == "FifoThroughputLimit") return "perQueue";
  if (name == "SqsManagedSseEnabled") {
    // New queues get SSE-SQS unless a KMS key is configured.
    auto kms = stored.find("KmsMasterKeyId");
    return kms != stored.end() && !kms->second.empty() ? "false" : "true";
  }
  return "";
}

int64_t IntAttribute(const AttributeMap& stored, std::string_view name) {
  auto n = strings::ParseInt(EffectiveAttribute(stored, name));
  return n ? *n : 0;
}

const std::vector<std::string>& ReportedAttributeOrder() {
  static const std::vector<std::string> kOrder = {
      "QueueArn",
      "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesNotVisible",
      "ApproximateNumberOfMessagesDelayed",
      "CreatedTimestamp",
      "LastModifiedTimestamp",
      "VisibilityTimeout",
      "MaximumMessageSize",
      "MessageRetentionPeriod",
      "DelaySeconds",
      "ReceiveMessageWaitTimeSeconds",
      "Policy",
      "RedrivePolicy",
      "RedriveAllowPolicy",
      "KmsMasterKeyId",
      "KmsDataKeyReusePeriodSeconds",
      "SqsManagedSseEnabled",
      "FifoQueue",
      "ContentBasedDeduplication",
      "DeduplicationScope",
      "FifoThroughputLimit",
  };
  return kOrder;
}

}  // namespace sluice::sqs
