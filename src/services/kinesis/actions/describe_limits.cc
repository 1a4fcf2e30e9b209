// DescribeLimits: the account's shard limit and use, and its on-demand
// stream limit and use.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void DescribeLimits(Kinesis& k, const CallContext& ctx, const Value&, Done done) {
  int64_t now = k.Now();
  int64_t on_demand = 0;
  for (const auto& s : k.store->ListStreams(ctx.account_id)) {
    if (s.mode == "ON_DEMAND" && !IsGone(k, s, now)) ++on_demand;
  }
  Value out = Value::Map();
  out.Set("ShardLimit", Value::Int(ShardLimit(k)));
  out.Set("OpenShardCount", Value::Int(AccountOpenShards(k, ctx.account_id)));
  out.Set("OnDemandStreamCount", Value::Int(on_demand));
  out.Set("OnDemandStreamCountLimit", Value::Int(k.options.on_demand_stream_limit));
  done(std::move(out));
}

}  // namespace sluice::kinesis
