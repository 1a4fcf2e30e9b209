// RegisterStreamConsumer: an enhanced fan-out consumer of a stream (at most
// 20), CREATING until the transition time has passed.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

Value ConsumerValue(const Kinesis& k, const ConsumerMeta& c, int64_t now) {
  Value v = Value::Map();
  v.Set("ConsumerName", Value::String(c.name));
  v.Set("ConsumerARN", Value::String(c.arn));
  v.Set("ConsumerStatus", Value::String(ConsumerStatusOf(k, c, now)));
  v.Set("ConsumerCreationTimestamp", Value::Timestamp(c.created_ms));
  return v;
}

void RegisterStreamConsumer(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  std::string name = in.GetString("ConsumerName").value_or("");
  std::string arn = in.GetString("StreamARN").value_or("");
  auto tags = StringMap(in, "Tags");
  auto self = k.shared_from_this();
  CallContext c = ctx;
  Locate locate = [self, c, arn]() { return FindStreamByArn(*self, c, arn, Need::kExisting); };
  Change change = [self, name, tags](StreamMeta& s, int64_t now) -> Result<Value> {
    if (FindConsumer(s, name)) {
      return Error{"ResourceInUseException", "Consumer " + name + " under stream " + s.name +
                                                 " and account " + s.account_id + " already exists."};
    }
    if (s.consumers.size() >= kMaxConsumersPerStream) {
      return Error{"LimitExceededException",
                   "Stream " + s.name + " under account " + s.account_id + " already has " +
                       std::to_string(kMaxConsumersPerStream) + " registered consumers."};
    }
    std::string what = "consumer " + name + " of stream " + s.name + " under account " + s.account_id;
    if (Status st = ValidateTagsToAdd(tags, "add tags to", what); !st.ok()) return std::move(st).error();
    // ARNs carry whole seconds: a consumer registered again after being
    // deregistered in the same second would get the same ARN.
    int64_t created = now;
    ConsumerMeta consumer;
    consumer.name = name;
    consumer.created_ms = created;
    consumer.arn = ConsumerArn(*self, s, name, created);
    consumer.status = "CREATING";
    s.consumers.push_back(consumer);
    if (!tags.empty()) s.extra[ConsumerTagsKey(name)] = EncodeTags(tags);
    Value out = Value::Map();
    out.Set("Consumer", ConsumerValue(*self, consumer, now));
    return out;
  };
  MutateStream(k, std::move(locate), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
