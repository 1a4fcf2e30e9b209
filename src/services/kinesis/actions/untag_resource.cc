// UntagResource: removes tags by key from a stream or a consumer.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void UntagResource(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  std::string arn = in.GetString("ResourceARN").value_or("");
  auto parts = ParseArn(arn);
  if (!parts) return done(InvalidArgument("Invalid ResourceARN: " + arn));
  std::string consumer = parts->consumer;
  auto keys = StringList(in, "TagKeys");
  Change change = [keys, consumer](StreamMeta& s, int64_t) -> Result<Value> {
    std::map<std::string, std::string> scratch;
    auto* target = ResourceTags(s, consumer, scratch);
    for (const auto& key : keys) target->erase(key);
    if (!consumer.empty()) s.extra[ConsumerTagsKey(consumer)] = EncodeTags(scratch);
    return Value::Map();
  };
  MutateStream(k, ByResource(k, ctx, arn, Need::kExisting), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
