// DeregisterStreamConsumer: by ConsumerARN, or by StreamARN and
// ConsumerName; the consumer's tags and policy go with it.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void DeregisterStreamConsumer(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto self = k.shared_from_this();
  CallContext c = ctx;
  auto name = std::make_shared<std::string>();
  Value input = in;
  Locate locate = [self, c, input, name]() -> Result<StreamMeta> {
    auto found = FindConsumerOf(*self, c, input);
    if (!found.ok()) return std::move(found).error();
    *name = found->second.name;
    return std::move(found->first);
  };
  Change change = [name](StreamMeta& s, int64_t) -> Result<Value> {
    std::erase_if(s.consumers, [&](const ConsumerMeta& m) { return m.name == *name; });
    s.extra.erase(ConsumerTagsKey(*name));
    s.extra.erase(PolicyKey(*name));
    return Value::Map();
  };
  MutateStream(k, std::move(locate), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
