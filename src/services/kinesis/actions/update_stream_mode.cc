// UpdateStreamMode: switches between PROVISIONED and ON_DEMAND (StreamARN
// only); the shards stay as they are and the stream is UPDATING meanwhile.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void UpdateStreamMode(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  std::string mode;
  if (const Value* d = in.Find("StreamModeDetails"); d && d->is_map()) {
    mode = d->GetString("StreamMode").value_or("");
  }
  std::string arn = in.GetString("StreamARN").value_or("");
  auto self = k.shared_from_this();
  CallContext c = ctx;
  Locate locate = [self, c, arn]() { return FindStreamByArn(*self, c, arn, Need::kActive); };
  Change change = [self, mode](StreamMeta& s, int64_t now) -> Result<Value> {
    if (s.mode == mode) {
      return InvalidArgument("Stream " + s.name + " under account " + s.account_id +
                             " is already in " + mode + " mode.");
    }
    if (mode == "PROVISIONED") {
      int64_t open = AccountOpenShards(*self, s.account_id, s.id);
      int64_t shards = OpenShardCount(s);
      if (open + shards > ShardLimit(*self)) return ShardLimitExceeded(*self, s.account_id, open, shards);
    }
    s.mode = mode;
    s.status = "UPDATING";
    s.status_changed_ms = now;
    return Value::Map();
  };
  MutateStream(k, std::move(locate), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
