// CreateStream: a PROVISIONED stream of ShardCount shards, or an ON_DEMAND
// one starting at four; CREATING until the transition time has passed.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {
namespace {

void Create(std::shared_ptr<Kinesis> k, StreamMeta meta, Done done, MetaQueue::Release release) {
  k->store->PutStream(std::move(meta), [release, done](Result<StreamMeta> r) {
    release();
    if (!r.ok()) return done(std::move(r).error());
    done(Value::Map());
  });
}

}  // namespace

void CreateStream(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  std::string name = in.GetString("StreamName").value_or("");
  auto shard_count = OptionalInt(in, "ShardCount");
  std::string mode;
  if (const Value* details = in.Find("StreamModeDetails"); details && details->is_map()) {
    mode = details->GetString("StreamMode").value_or("");
  }
  // Without a mode, a shard count means PROVISIONED and its absence ON_DEMAND.
  if (mode.empty()) mode = shard_count ? "PROVISIONED" : "ON_DEMAND";
  if (mode == "PROVISIONED" && !shard_count) {
    return done(InvalidArgument("ShardCount cannot be null when creating stream in PROVISIONED StreamMode"));
  }
  int64_t shards = mode == "ON_DEMAND" ? kOnDemandInitialShards : *shard_count;
  if (shards > kMaxShardsPerStream) {
    return done(Error{"LimitExceededException",
                      "Target shard count or number of open shards cannot be greater than " +
                          std::to_string(kMaxShardsPerStream) + "."});
  }
  auto tags = StringMap(in, "Tags");
  std::string what = "stream " + name + " under account " + ctx.account_id;
  if (Status st = ValidateTagsToAdd(tags, "add tags to", what); !st.ok()) return done(std::move(st).error());
  if (tags.size() > kMaxTagsPerResource) {
    return done(InvalidArgument("Failed to add tags to " + what +
                                " because a given stream cannot have more than " +
                                std::to_string(kMaxTagsPerResource) + " tags associated with it."));
  }

  auto self = k.shared_from_this();
  CallContext c = ctx;
  int64_t max_record_kib = OptionalInt(in, "MaxRecordSizeInKiB").value_or(1024);
  k.meta.Submit([self, c, name, mode, shards, tags, max_record_kib, done](MetaQueue::Release release) {
    int64_t now = self->Now();
    auto existing = self->store->FindStream(c.account_id, name);
    if (existing && !IsGone(*self, *existing, now)) {
      release();
      return done(Error{"ResourceInUseException",
                        "Stream " + name + " under account " + c.account_id + " already exists."});
    }
    // AWS: at most five streams of an account may be CREATING at once.
    int64_t creating = 0;
    for (const auto& s : self->store->ListStreams(c.account_id)) {
      if (StatusOf(*self, s, now) == "CREATING") ++creating;
    }
    if (creating >= kMaxCreatingStreams) {
      release();
      return done(Error{"LimitExceededException",
                        "This request would exceed the limit of " + std::to_string(kMaxCreatingStreams) +
                            " streams in the CREATING state for the account " + c.account_id + " in " +
                            self->options.region + "."});
    }
    if (mode == "PROVISIONED") {
      int64_t open = AccountOpenShards(*self, c.account_id, existing ? existing->id : 0);
      if (open + shards > ShardLimit(*self)) {
        release();
        return done(ShardLimitExceeded(*self, c.account_id, open, shards));
      }
    } else {
      int64_t on_demand = 0;
      for (const auto& s : self->store->ListStreams(c.account_id)) {
        if (s.mode == "ON_DEMAND" && !IsGone(*self, s, now)) ++on_demand;
      }
      if (on_demand >= self->options.on_demand_stream_limit) {
        release();
        return done(Error{"LimitExceededException",
                          "This request would exceed the limit of " +
                              std::to_string(self->options.on_demand_stream_limit) +
                              " on-demand streams for the account " + c.account_id + " in " +
                              self->options.region + ". Current on-demand stream count: " +
                              std::to_string(on_demand) + "."});
      }
    }
    StreamMeta meta;
    meta.account_id = c.account_id;
    meta.name = name;
    meta.status = "CREATING";
    meta.status_changed_ms = now;
    meta.created_ms = now;
    meta.mode = mode;
    meta.retention_hours = 24;
    meta.max_record_size_kib = static_cast<int32_t>(max_record_kib);
    meta.tags = tags;
    for (uint32_t i = 0; i < static_cast<uint32_t>(shards); ++i) {
      auto [start, end] = UniformRange(i, static_cast<uint32_t>(shards));
      AddShard(meta, start, end, now, std::nullopt, std::nullopt);
    }
    if (existing) {
      // The name's previous stream finished deleting; its records go first.
      uint64_t old = existing->id;
      self->store->DeleteStream(old, [self, meta = std::move(meta), done, release, old](Status st) mutable {
        if (!st.ok()) {
          release();
          return done(std::move(st).error());
        }
        self->limiter.Forget(old);
        Create(self, std::move(meta), done, release);
      });
      return;
    }
    Create(self, std::move(meta), done, release);
  });
}

}  // namespace sluice::kinesis
