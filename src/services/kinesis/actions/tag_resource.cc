// TagResource: tags a stream or a consumer named by its ARN.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

Locate ByResource(const Kinesis& k, const CallContext& ctx, std::string arn, Need need) {
  const Kinesis* kp = &k;
  return [kp, ctx, arn, need]() -> Result<StreamMeta> {
    auto r = FindResource(*kp, ctx, arn, need);
    if (!r.ok()) return std::move(r).error();
    return std::move(r->stream);
  };
}

std::map<std::string, std::string>* ResourceTags(StreamMeta& s, const std::string& consumer,
                                                 std::map<std::string, std::string>& scratch) {
  if (consumer.empty()) return &s.tags;
  auto it = s.extra.find(ConsumerTagsKey(consumer));
  scratch = it == s.extra.end() ? std::map<std::string, std::string>{} : DecodeTags(it->second);
  return &scratch;
}

void TagResource(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  std::string arn = in.GetString("ResourceARN").value_or("");
  auto parts = ParseArn(arn);
  if (!parts) return done(InvalidArgument("Invalid ResourceARN: " + arn));
  std::string consumer = parts->consumer;
  auto tags = StringMap(in, "Tags");
  Change change = [tags, consumer, arn](StreamMeta& s, int64_t) -> Result<Value> {
    std::string what = consumer.empty() ? "stream " + s.name + " under account " + s.account_id
                                        : "consumer " + arn;
    if (Status st = ValidateTagsToAdd(tags, "add tags to", what); !st.ok()) return std::move(st).error();
    std::map<std::string, std::string> scratch;
    auto* target = ResourceTags(s, consumer, scratch);
    if (Status st = AddTags(*target, tags, what); !st.ok()) return std::move(st).error();
    if (!consumer.empty()) s.extra[ConsumerTagsKey(consumer)] = EncodeTags(scratch);
    return Value::Map();
  };
  MutateStream(k, ByResource(k, ctx, arn, Need::kExisting), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
