// UpdateShardCount (UNIFORM_SCALING): reshapes the open shards into
// TargetShardCount shards of equal hash key ranges the way AWS does, by
// splits and then merges, so every shard's lineage stays exact. Shards only
// needed on the way are created closed (AWS's short-lived shards).
#include <algorithm>

#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {
namespace {

struct Piece {
  uint32_t index;
  HashKey start;
  HashKey end;
};

// A shard that exists only between a split and a merge of this same change:
// it never took a record.
void CloseNew(StreamMeta& s, uint32_t index, int64_t now) {
  ShardMeta* shard = FindShard(s, index);
  CloseShard(*shard, now);
  shard->ending_seq = shard->starting_seq;
}

void Reshape(StreamMeta& s, uint32_t target, int64_t now) {
  std::vector<Piece> open;
  for (const auto& shard : s.shards) {
    if (IsOpen(shard)) open.push_back({shard.index, shard.starting_hash_key, shard.ending_hash_key});
  }
  std::sort(open.begin(), open.end(), [](const Piece& a, const Piece& b) { return a.start < b.start; });
  std::vector<HashKey> bounds;  // starts of target ranges 1..target-1
  for (uint32_t j = 1; j < target; ++j) bounds.push_back(UniformRange(j, target).first);

  uint32_t first_new = s.next_shard_index;
  auto is_new = [first_new](uint32_t index) { return index >= first_new; };
  auto close = [&](uint32_t index) {
    if (is_new(index)) {
      CloseNew(s, index, now);
    } else {
      CloseShard(*FindShard(s, index), now);
    }
  };

  // 1. Split every open shard at the target boundaries inside it.
  std::vector<Piece> pieces;
  for (Piece cur : open) {
    for (HashKey b : bounds) {
      if (b <= cur.start || b > cur.end) continue;
      close(cur.index);
      uint32_t left = AddShard(s, cur.start, b - 1, now, cur.index, std::nullopt).index;
      uint32_t right = AddShard(s, b, cur.end, now, cur.index, std::nullopt).index;
      pieces.push_back({left, cur.start, b - 1});
      cur = {right, b, cur.end};
    }
    pieces.push_back(cur);
  }
  // 2. Merge the pieces inside each target range, left to right.
  size_t i = 0;
  for (uint32_t j = 0; j < target; ++j) {
    HashKey end = UniformRange(j, target).second;
    Piece acc = pieces[i++];
    while (i < pieces.size() && pieces[i].end <= end) {
      Piece next = pieces[i++];
      close(acc.index);
      close(next.index);
      uint32_t merged = AddShard(s, acc.start, next.end, now, acc.index, next.index).index;
      acc = {merged, acc.start, next.end};
    }
  }
}

}  // namespace

void UpdateShardCount(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  int64_t target = OptionalInt(in, "TargetShardCount").value_or(0);
  auto self = k.shared_from_this();
  Change change = [self, target](StreamMeta& s, int64_t now) -> Result<Value> {
    std::string status = StatusOf(*self, s, now);
    if (status != "ACTIVE") return NotActive(s, status);
    if (s.mode == "ON_DEMAND") {
      return InvalidArgument("UpdateShardCount is not supported for stream " + s.name +
                             " under account " + s.account_id + " because it is in ON_DEMAND mode.");
    }
    int64_t current = OpenShardCount(s);
    auto counts = ". Current open shard count: " + std::to_string(current) +
                  ", Target shard count: " + std::to_string(target);
    int64_t limit = std::min(ShardLimit(*self), kMaxShardsPerStream);
    if (target > limit || AccountOpenShards(*self, s.account_id, s.id) + target > ShardLimit(*self)) {
      return Error{"LimitExceededException",
                   "Target shard count or number of open shards cannot be greater than " +
                       std::to_string(limit) + counts};
    }
    if (target > current * 2) {
      return Error{"LimitExceededException",
                   "UpdateShardCount cannot scale up over double your current open shard count" + counts};
    }
    if (target * 2 < current) {
      return Error{"LimitExceededException",
                   "UpdateShardCount cannot scale down below half your current open shard count" + counts};
    }
    Reshape(s, static_cast<uint32_t>(target), now);
    s.status = "UPDATING";
    s.status_changed_ms = now;
    Value out = Value::Map();
    out.Set("StreamName", Value::String(s.name));
    out.Set("CurrentShardCount", Value::Int(current));
    out.Set("TargetShardCount", Value::Int(target));
    out.Set("StreamARN", Value::String(StreamArn(*self, s)));
    return out;
  };
  MutateStream(k, ByInput(k, ctx, in, Need::kExisting), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
