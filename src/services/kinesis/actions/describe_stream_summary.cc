// DescribeStreamSummary: the stream without its shard list.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void DescribeStreamSummary(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto s = FindStream(k, ctx, in, Need::kAny);
  if (!s.ok()) return done(std::move(s).error());
  int64_t now = k.Now();
  std::string status = StatusOf(k, *s, now);
  Value d = Value::Map();
  d.Set("StreamName", Value::String(s->name));
  d.Set("StreamARN", Value::String(StreamArn(k, *s)));
  d.Set("StreamStatus", Value::String(status));
  d.Set("StreamModeDetails", StreamModeValue(*s));
  d.Set("RetentionPeriodHours", Value::Int(s->retention_hours));
  d.Set("StreamCreationTimestamp", Value::Timestamp(s->created_ms));
  d.Set("EnhancedMonitoring", EnhancedMonitoringValue(*s));
  d.Set("EncryptionType", Value::String(s->encryption_type));
  if (s->encryption_type == "KMS") d.Set("KeyId", Value::String(s->key_id));
  d.Set("OpenShardCount", Value::Int(status == "CREATING" ? 0 : OpenShardCount(*s)));
  d.Set("ConsumerCount", Value::Int(static_cast<int64_t>(s->consumers.size())));
  d.Set("MaxRecordSizeInKiB", Value::Int(s->max_record_size_kib));
  Value out = Value::Map();
  out.Set("StreamDescriptionSummary", std::move(d));
  done(std::move(out));
}

}  // namespace sluice::kinesis
