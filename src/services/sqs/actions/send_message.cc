// SendMessage: validates the body and attributes as AWS does, stores the
// message durably, and answers with its id and MD5 digests.
#include "common/crypto.h"
#include "services/sqs/message_attributes.h"
#include "services/sqs/queue_attributes.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void SendMessage(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto body = in.GetString("MessageBody");
  if (!body || body->empty()) return done(MissingParameter("MessageBody"));

  auto delay = OptionalInt(in, "DelaySeconds");
  if (delay && (*delay < 0 || *delay > 900)) {
    return done(Error{"InvalidParameterValue",
                      "Value " + std::to_string(*delay) +
                          " for parameter DelaySeconds is invalid. Reason: DelaySeconds must be "
                          ">= 0 and <= 900."});
  }
  Status chars = ValidateBodyCharacters(*body);
  if (!chars.ok()) return done(std::move(chars).error());

  MessageAttributes attrs;
  if (const Value* a = in.Find("MessageAttributes")) {
    auto parsed = ParseMessageAttributes(*a);
    if (!parsed.ok()) return done(std::move(parsed).error());
    attrs = std::move(parsed).value();
  }
  MessageAttributes system;
  if (const Value* a = in.Find("MessageSystemAttributes")) {
    auto parsed = ParseMessageAttributes(*a, /*system=*/true);
    if (!parsed.ok()) return done(std::move(parsed).error());
    system = std::move(parsed).value();
  }
  int64_t max_size = IntAttribute(q->attributes, "MaximumMessageSize");
  size_t size = body->size() + AttributesSize(attrs);
  if (static_cast<int64_t>(size) > max_size) {
    return done(Error{"InvalidParameterValue",
                      "One or more parameters are invalid. Reason: Message must be shorter than " +
                          std::to_string(max_size) + " bytes."});
  }

  int64_t now = sqs.clock->NowMillis();
  int64_t delay_s = delay ? *delay : IntAttribute(q->attributes, "DelaySeconds");
  storage::StoredMessage m;
  m.message_id = crypto::UuidV4();
  m.body = *body;
  m.attributes = EncodeAttributes(attrs);
  m.system_attributes = EncodeAttributes(system);
  m.sent_ms = now;
  m.visible_at_ms = now + delay_s * 1000;

  Value out = Value::Map();
  out.Set("MD5OfMessageBody", Value::String(crypto::Md5Hex(*body)));
  if (!attrs.empty()) out.Set("MD5OfMessageAttributes", Value::String(Md5OfAttributes(attrs)));
  if (!system.empty()) {
    out.Set("MD5OfMessageSystemAttributes", Value::String(Md5OfAttributes(system)));
  }
  out.Set("MessageId", Value::String(m.message_id));

  std::vector<storage::StoredMessage> batch;
  batch.push_back(std::move(m));
  sqs.store->Send(q->id, std::move(batch),
                  [out = std::move(out), done](Result<std::vector<uint64_t>> r) mutable {
                    if (!r.ok()) return done(std::move(r).error());
                    done(std::move(out));
                  });
}

}  // namespace sluice::sqs
