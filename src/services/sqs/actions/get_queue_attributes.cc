// GetQueueAttributes: settable attributes with their effective values and
// the computed ones (counts, ARN, timestamps).
#include <set>

#include "services/sqs/queue_attributes.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void GetQueueAttributes(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto names = StringList(in, "AttributeNames");
  std::set<std::string> wanted;
  bool all = false;
  bool fifo_queue = IsFifoName(q->name);
  for (const auto& n : names) {
    // FIFO-only names are unknown on a standard queue.
    if (!IsKnownAttribute(n) || (!fifo_queue && n != "All" && !IsSettableAttribute(n, false) &&
                                 IsSettableAttribute(n, true))) {
      return done(Error{"InvalidAttributeName", "Unknown Attribute " + n + "."});
    }
    if (n == "All") all = true;
    wanted.insert(n);
  }
  int64_t now = sqs.clock->NowMillis();
  // Expired messages leave the counts even if no receive has come by.
  sqs.store->ExpireMessages(q->id, now, IntAttribute(q->attributes, "MessageRetentionPeriod") * 1000);
  auto counts = sqs.store->Counts(q->id, now);
  if (!counts.ok()) return done(std::move(counts).error());
  bool fifo = IsFifoName(q->name);

  Value attrs = Value::Map();
  for (const std::string& name : ReportedAttributeOrder()) {
    if (!all && !wanted.count(name)) continue;
    std::string value;
    if (name == "QueueArn") {
      value = QueueArn(sqs, *q);
    } else if (name == "ApproximateNumberOfMessages") {
      value = std::to_string(counts->visible);
    } else if (name == "ApproximateNumberOfMessagesNotVisible") {
      value = std::to_string(counts->in_flight);
    } else if (name == "ApproximateNumberOfMessagesDelayed") {
      value = std::to_string(counts->delayed);
    } else if (name == "CreatedTimestamp") {
      value = std::to_string(q->created_ms / 1000);
    } else if (name == "LastModifiedTimestamp") {
      value = std::to_string(q->modified_ms / 1000);
    } else {
      if (!IsSettableAttribute(name, fifo)) continue;
      if (name == "KmsDataKeyReusePeriodSeconds" && !q->attributes.count("KmsMasterKeyId")) continue;
      value = EffectiveAttribute(q->attributes, name);
      if (value.empty()) continue;
    }
    attrs.Set(name, Value::String(value));
  }
  Value out = Value::Map();
  if (!attrs.members().empty()) out.Set("Attributes", std::move(attrs));
  done(std::move(out));
}

}  // namespace sluice::sqs
