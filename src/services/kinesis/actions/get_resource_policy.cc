// GetResourcePolicy: the policy of a stream or consumer, "{}" when none.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void GetResourcePolicy(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto r = FindResource(k, ctx, in.GetString("ResourceARN").value_or(""), Need::kExisting);
  if (!r.ok()) return done(std::move(r).error());
  std::string policy;
  if (r->consumer.empty()) {
    policy = r->stream.resource_policy;
  } else if (auto it = r->stream.extra.find(PolicyKey(r->consumer)); it != r->stream.extra.end()) {
    policy = it->second;
  }
  Value out = Value::Map();
  out.Set("Policy", Value::String(policy.empty() ? "{}" : policy));
  done(std::move(out));
}

}  // namespace sluice::kinesis
