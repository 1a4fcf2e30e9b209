// DeleteResourcePolicy: removes the policy of a stream or consumer.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void DeleteResourcePolicy(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  std::string arn = in.GetString("ResourceARN").value_or("");
  auto parts = ParseArn(arn);
  if (!parts) return done(InvalidArgument("Invalid ResourceARN: " + arn));
  std::string consumer = parts->consumer;
  Change change = [consumer, arn](StreamMeta& s, int64_t) -> Result<Value> {
    bool had;
    if (consumer.empty()) {
      had = !s.resource_policy.empty();
      s.resource_policy.clear();
    } else {
      had = s.extra.erase(PolicyKey(consumer)) > 0;
    }
    if (!had) {
      return Error{"ResourceNotFoundException", "No resource policy found for resource " + arn + "."};
    }
    return Value::Map();
  };
  MutateStream(k, ByResource(k, ctx, arn, Need::kExisting), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
