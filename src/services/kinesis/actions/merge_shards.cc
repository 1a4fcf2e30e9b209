// MergeShards: closes two open shards whose hash key ranges touch and opens
// one child covering both; the child names ShardToMerge as its parent and
// AdjacentShardToMerge as its adjacent parent.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void MergeShards(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  std::string first_text = in.GetString("ShardToMerge").value_or("");
  std::string second_text = in.GetString("AdjacentShardToMerge").value_or("");
  auto self = k.shared_from_this();
  Change change = [self, first_text, second_text](StreamMeta& s, int64_t now) -> Result<Value> {
    auto a_index = ParseShardId(first_text);
    ShardMeta* a = a_index ? FindShard(s, *a_index) : nullptr;
    if (!a || IsExpired(s, *a, now)) return ShardNotFound(first_text, s);
    auto b_index = ParseShardId(second_text);
    ShardMeta* b = b_index ? FindShard(s, *b_index) : nullptr;
    if (!b || IsExpired(s, *b, now)) return ShardNotFound(second_text, s);
    std::string a_id = ShardIdString(a->index), b_id = ShardIdString(b->index);
    if (s.mode == "ON_DEMAND") {
      return InvalidArgument("MergeShards is not supported for stream " + s.name + " under account " +
                             s.account_id + " because it is in ON_DEMAND mode.");
    }
    std::string status = StatusOf(*self, s, now);
    if (status != "ACTIVE") return NotActive(s, status);
    for (const ShardMeta* shard : {a, b}) {
      if (!IsOpen(*shard)) {
        return InvalidArgument("Shard " + ShardIdString(shard->index) + " in stream " + s.name +
                               " under account " + s.account_id + " has already been merged or "
                               "split, and thus is not eligible for merging.");
      }
    }
    bool adjacent = a != b && ((a->ending_hash_key != kMaxHashKey && a->ending_hash_key + 1 == b->starting_hash_key) ||
                               (b->ending_hash_key != kMaxHashKey && b->ending_hash_key + 1 == a->starting_hash_key));
    if (!adjacent) {
      return InvalidArgument("Shards " + a_id + " and " + b_id + " in stream " + s.name +
                             " under account " + s.account_id +
                             " are not an adjacent pair of shards eligible for merging");
    }
    uint32_t parent = a->index, adjacent_parent = b->index;
    HashKey start = std::min(a->starting_hash_key, b->starting_hash_key);
    HashKey end = std::max(a->ending_hash_key, b->ending_hash_key);
    CloseShard(*a, now);
    CloseShard(*b, now);
    AddShard(s, start, end, now, parent, adjacent_parent);
    s.status = "UPDATING";
    s.status_changed_ms = now;
    return Value::Map();
  };
  MutateStream(k, ByInput(k, ctx, in, Need::kAny), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
