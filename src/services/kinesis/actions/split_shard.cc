// SplitShard: closes an open shard and opens two children that divide its
// hash key range at NewStartingHashKey. The parent keeps its records until
// they pass retention.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void SplitShard(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  std::string shard_text = in.GetString("ShardToSplit").value_or("");
  std::string key_text = in.GetString("NewStartingHashKey").value_or("");
  auto self = k.shared_from_this();
  Change change = [self, shard_text, key_text](StreamMeta& s, int64_t now) -> Result<Value> {
    auto index = ParseShardId(shard_text);
    ShardMeta* shard = index ? FindShard(s, *index) : nullptr;
    if (!shard || IsExpired(s, *shard, now)) return ShardNotFound(shard_text, s);
    std::string shard_id = ShardIdString(shard->index);
    if (s.mode == "ON_DEMAND") {
      return InvalidArgument("SplitShard is not supported for stream " + s.name + " under account " +
                             s.account_id + " because it is in ON_DEMAND mode.");
    }
    std::string status = StatusOf(*self, s, now);
    if (status != "ACTIVE") return NotActive(s, status);
    if (!IsOpen(*shard)) {
      return InvalidArgument("Shard " + shard_id + " in stream " + s.name + " under account " +
                             s.account_id + " has already been merged or split, and thus is not "
                             "eligible for splitting.");
    }
    int64_t open = AccountOpenShards(*self, s.account_id);
    if (open + 1 > ShardLimit(*self)) return ShardLimitExceeded(*self, s.account_id, open, 1);
    auto key = ParseHashKey(key_text);
    if (!key || *key <= shard->starting_hash_key + 1 || *key >= shard->ending_hash_key) {
      return InvalidArgument("NewStartingHashKey " + key_text + " used in SplitShard() on shard " +
                             shard_id + " in stream " + s.name + " under account " + s.account_id +
                             " is not both greater than one plus the shard's StartingHashKey " +
                             HashKeyString(shard->starting_hash_key) +
                             " and less than the shard's EndingHashKey " +
                             HashKeyString(shard->ending_hash_key) + ".");
    }
    uint32_t parent = shard->index;
    HashKey start = shard->starting_hash_key;
    HashKey end = shard->ending_hash_key;
    CloseShard(*shard, now);  // before AddShard: it may move the vector
    AddShard(s, start, *key - 1, now, parent, std::nullopt);
    AddShard(s, *key, end, now, parent, std::nullopt);
    s.status = "UPDATING";
    s.status_changed_ms = now;
    return Value::Map();
  };
  MutateStream(k, ByInput(k, ctx, in, Need::kAny), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
