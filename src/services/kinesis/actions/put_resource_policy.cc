// PutResourcePolicy: attaches a policy document (JSON) to a stream or a
// consumer. Policies are kept and returned, not evaluated.
#include "common/json_doc.h"
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void PutResourcePolicy(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  std::string arn = in.GetString("ResourceARN").value_or("");
  std::string policy = in.GetString("Policy").value_or("");
  auto parts = ParseArn(arn);
  if (!parts) return done(InvalidArgument("Invalid ResourceARN: " + arn));
  auto doc = json::Parse(policy);
  if (!doc.ok() || !doc->is_map()) {
    return done(InvalidArgument("Policy is not a valid JSON policy document."));
  }
  std::string consumer = parts->consumer;
  Change change = [consumer, policy](StreamMeta& s, int64_t) -> Result<Value> {
    if (consumer.empty()) {
      s.resource_policy = policy;
    } else {
      s.extra[PolicyKey(consumer)] = policy;
    }
    return Value::Map();
  };
  MutateStream(k, ByResource(k, ctx, arn, Need::kExisting), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
