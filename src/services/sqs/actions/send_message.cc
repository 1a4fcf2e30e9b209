// SendMessage: validates the body and attributes as AWS does, stores the
// message durably, and answers with its id and MD5 digests.
#include "common/crypto.h"
#include "services/sqs/message_attributes.h"
#include "services/sqs/queue_attributes.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

Result<PreparedMessage> PrepareMessage(const Sqs& sqs, const storage::QueueMeta& q,
                                       const Value& in) {
  auto body = in.GetString("MessageBody");
  if (!body || body->empty()) return MissingParameter("MessageBody");
  bool fifo = IsFifoName(q.name);

  auto delay = OptionalInt(in, "DelaySeconds");
  if (delay && (*delay < 0 || *delay > 900)) {
    return Error{"InvalidParameterValue",
                 "Value " + std::to_string(*delay) +
                     " for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 "
                     "and <= 900."};
  }
  if (delay && fifo && *delay != 0) {
    return Error{"InvalidParameterValue",
                 "Value " + std::to_string(*delay) +
                     " for parameter DelaySeconds is invalid. Reason: The request include "
                     "parameter that is not valid for this queue type."};
  }
  Status chars = ValidateBodyCharacters(*body);
  if (!chars.ok()) return std::move(chars).error();

  MessageAttributes attrs;
  if (const Value* a = in.Find("MessageAttributes")) {
    auto parsed = ParseMessageAttributes(*a);
    if (!parsed.ok()) return std::move(parsed).error();
    attrs = std::move(parsed).value();
  }
  MessageAttributes system;
  if (const Value* a = in.Find("MessageSystemAttributes")) {
    auto parsed = ParseMessageAttributes(*a, /*system=*/true);
    if (!parsed.ok()) return std::move(parsed).error();
    system = std::move(parsed).value();
  }
  int64_t max_size = IntAttribute(q.attributes, "MaximumMessageSize");
  size_t size = body->size() + AttributesSize(attrs);
  if (static_cast<int64_t>(size) > max_size) {
    return Error{"InvalidParameterValue",
                 "One or more parameters are invalid. Reason: Message must be shorter than " +
                     std::to_string(max_size) + " bytes."};
  }

  auto group = in.GetString("MessageGroupId");
  auto dedup = in.GetString("MessageDeduplicationId");
  auto check_id = [](const std::string& name, const std::string& v) -> Status {
    if (v.empty() || v.size() > 128) {
      return Error{"InvalidParameterValue",
                   "Value " + v + " for parameter " + name +
                       " is invalid. Reason: " + name + " can only include alphanumeric and "
                       "punctuation characters. 1 to 128 in length."};
    }
    for (char c : v) {
      if (c < 0x21 || c > 0x7E) {
        return Error{"InvalidParameterValue",
                     "Value " + v + " for parameter " + name + " is invalid. Reason: " + name +
                         " can only include alphanumeric and punctuation characters. 1 to 128 in "
                         "length."};
      }
    }
    return {};
  };
  if (group) {
    Status st = check_id("MessageGroupId", *group);
    if (!st.ok()) return std::move(st).error();
  }
  if (dedup) {
    Status st = check_id("MessageDeduplicationId", *dedup);
    if (!st.ok()) return std::move(st).error();
  }
  if (fifo) {
    if (!group) {
      return Error{"MissingParameter", "The request must contain the parameter MessageGroupId."};
    }
    if (!dedup && EffectiveAttribute(q.attributes, "ContentBasedDeduplication") != "true") {
      return Error{"InvalidParameterValue",
                   "The queue should either have ContentBasedDeduplication enabled or "
                   "MessageDeduplicationId provided explicitly"};
    }
  } else if (dedup) {
    return Error{"InvalidParameterValue",
                 "The request include parameter MessageDeduplicationId which is not valid for "
                 "this queue type"};
  }

  int64_t now = sqs.clock->NowMillis();
  int64_t delay_s = delay ? *delay : IntAttribute(q.attributes, "DelaySeconds");
  PreparedMessage p;
  p.message.message_id = crypto::UuidV4();
  p.message.body = *body;
  p.message.attributes = EncodeAttributes(attrs);
  p.message.system_attributes = EncodeAttributes(system);
  p.message.sent_ms = now;
  p.message.visible_at_ms = now + delay_s * 1000;
  if (group) p.message.group_id = *group;
  if (fifo) {
    p.message.dedup_id = dedup ? *dedup : crypto::Sha256Hex(*body);
  }
  p.md5_body = crypto::Md5Hex(*body);
  if (!attrs.empty()) p.md5_attributes = Md5OfAttributes(attrs);
  if (!system.empty()) p.md5_system = Md5OfAttributes(system);
  return p;
}

Value SentEntry(const PreparedMessage& p, const storage::SendOutcome& outcome, bool fifo) {
  Value out = Value::Map();
  out.Set("MD5OfMessageBody", Value::String(p.md5_body));
  if (!p.md5_attributes.empty()) out.Set("MD5OfMessageAttributes", Value::String(p.md5_attributes));
  if (!p.md5_system.empty()) out.Set("MD5OfMessageSystemAttributes", Value::String(p.md5_system));
  out.Set("MessageId", Value::String(outcome.message_id));
  if (fifo) out.Set("SequenceNumber", Value::String(SequenceNumber(outcome.seq)));
  return out;
}

void SendMessage(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto prepared = PrepareMessage(sqs, *q, in);
  if (!prepared.ok()) return done(std::move(prepared).error());
  bool fifo = IsFifoName(q->name);
  std::vector<storage::StoredMessage> batch;
  batch.push_back(prepared->message);
  storage::SendOptions options = SendOptionsFor(sqs, *q);
  sqs.store->SendMessages(q->id, std::move(batch), options,
                          [p = std::move(prepared).value(), fifo,
                           done](Result<std::vector<storage::SendOutcome>> r) {
                            if (!r.ok()) return done(std::move(r).error());
                            done(SentEntry(p, r->front(), fifo));
                          });
}

}  // namespace sluice::sqs
