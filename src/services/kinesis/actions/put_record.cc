// PutRecord: one record, routed by the MD5 of its partition key (or its
// ExplicitHashKey) to the open shard covering that hash key.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void PutRecord(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto s = FindStream(k, ctx, in, Need::kData);
  if (!s.ok()) return done(std::move(s).error());
  auto p = PrepareRecord(*s, in);
  if (!p.ok()) return done(std::move(p).error());
  if (auto ordering = in.GetString("SequenceNumberForOrdering")) {
    // Sequence numbers grow per shard on their own; the number is only checked.
    if (Status st = CheckOrderingNumber(k, *s, *ordering); !st.ok()) return done(std::move(st).error());
  }
  int64_t now = k.Now();
  if (k.options.enforce_limits) {
    if (const ShardMeta* shard = RouteShard(*s, p->entry.hash_key)) {
      if (!k.limiter.AdmitWrite(s->id, shard->index, p->size, int64_t{s->max_record_size_kib} * 1024, now)) {
        return done(RateExceeded(*s, shard->index));
      }
    }
  }
  std::vector<storage::AppendEntry> entries;
  entries.push_back(std::move(p->entry));
  StreamMeta stream = std::move(s).value();
  k.store->Append(stream.id, std::move(entries), now,
                  [stream, done](Result<std::vector<storage::AppendOutcome>> r) {
                    if (!r.ok()) return done(std::move(r).error());
                    if (r->empty()) return done(Error{"InternalFailureException", "Internal service failure.", 500, false});
                    const auto& o = r->front();
                    Value out = Value::Map();
                    out.Set("ShardId", Value::String(ShardIdString(o.shard)));
                    out.Set("SequenceNumber", Value::String(SequenceNumberOf(stream, o.shard, o.seq)));
                    if (stream.encryption_type == "KMS") out.Set("EncryptionType", Value::String("KMS"));
                    done(std::move(out));
                  });
}

}  // namespace sluice::kinesis
