// PutRecords: up to 500 records and 10 MiB in one request. Records refused by
// a shard's throughput limit fail alone, inside an HTTP 200 answer that counts
// them in FailedRecordCount; the others are written in one durable batch.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void PutRecords(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto s = FindStream(k, ctx, in, Need::kData);
  if (!s.ok()) return done(std::move(s).error());
  const Value* records = in.Find("Records");
  if (!records || !records->is_list() || records->items().empty()) {
    return done(InvalidArgument("Records must contain at least one record."));
  }
  std::vector<PreparedRecord> prepared;
  int64_t total = 0;
  for (const Value& r : records->items()) {
    auto p = PrepareRecord(*s, r);
    if (!p.ok()) return done(std::move(p).error());
    total += p->size;
    prepared.push_back(std::move(p).value());
  }
  if (total > kMaxPutRecordsBytes) {
    return done(InvalidArgument("Records size exceeds the limit of " +
                                std::to_string(kMaxPutRecordsBytes) +
                                " bytes for a PutRecords request: " + std::to_string(total) +
                                " bytes of data and partition keys."));
  }

  int64_t now = k.Now();
  size_t n = prepared.size();
  // Index in the request of each record written; errors of the others.
  std::vector<size_t> written;
  std::vector<std::optional<Error>> failed(n);
  std::vector<storage::AppendEntry> entries;
  for (size_t i = 0; i < n; ++i) {
    if (k.options.enforce_limits) {
      const ShardMeta* shard = RouteShard(*s, prepared[i].entry.hash_key);
      if (shard && !k.limiter.AdmitWrite(s->id, shard->index, prepared[i].size,
                                         int64_t{s->max_record_size_kib} * 1024, now)) {
        failed[i] = RateExceeded(*s, shard->index);
        continue;
      }
    }
    written.push_back(i);
    entries.push_back(std::move(prepared[i].entry));
  }

  StreamMeta stream = std::move(s).value();
  auto finish = [stream, n, done, written, failed](const std::vector<storage::AppendOutcome>& outcomes) {
    Value list = Value::List();
    std::vector<Value> results(n);
    int64_t failures = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!failed[i]) continue;
      ++failures;
      Value e = Value::Map();
      e.Set("ErrorCode", Value::String(failed[i]->code));
      e.Set("ErrorMessage", Value::String(failed[i]->message));
      results[i] = std::move(e);
    }
    for (size_t j = 0; j < written.size(); ++j) {
      Value e = Value::Map();
      if (j < outcomes.size()) {
        e.Set("SequenceNumber", Value::String(SequenceNumberOf(stream, outcomes[j].shard, outcomes[j].seq)));
        e.Set("ShardId", Value::String(ShardIdString(outcomes[j].shard)));
      } else {
        ++failures;
        e.Set("ErrorCode", Value::String("InternalFailure"));
        e.Set("ErrorMessage", Value::String("Internal service failure."));
      }
      results[written[j]] = std::move(e);
    }
    for (auto& r : results) list.Append(std::move(r));
    Value out = Value::Map();
    out.Set("FailedRecordCount", Value::Int(failures));
    out.Set("Records", std::move(list));
    if (stream.encryption_type == "KMS") out.Set("EncryptionType", Value::String("KMS"));
    done(std::move(out));
  };
  if (entries.empty()) return finish({});
  k.store->Append(stream.id, std::move(entries), now,
                  [finish, done](Result<std::vector<storage::AppendOutcome>> r) {
                    if (!r.ok()) return done(std::move(r).error());
                    finish(*r);
                  });
}

}  // namespace sluice::kinesis
