// Record validation and rendering shared by PutRecord, PutRecords and
// GetRecords.
#include "services/kinesis/kinesis_internal.h"
#include "services/kinesis/sequence_number.h"

namespace sluice::kinesis {

Result<PreparedRecord> PrepareRecord(const StreamMeta& s, const Value& in) {
  PreparedRecord p;
  p.entry.partition_key = in.GetString("PartitionKey").value_or("");
  p.entry.data = in.GetString("Data").value_or("");
  if (auto explicit_key = in.GetString("ExplicitHashKey")) {
    auto key = ParseHashKey(*explicit_key);
    if (!key) {
      return InvalidArgument(
          "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified "
          "value was " + *explicit_key);
    }
    p.entry.hash_key = *key;
  } else {
    p.entry.hash_key = PartitionKeyHash(p.entry.partition_key);
  }
  p.size = static_cast<int64_t>(p.entry.data.size() + p.entry.partition_key.size());
  int64_t max = int64_t{s.max_record_size_kib} * 1024;
  if (p.size > max) {
    return InvalidArgument("Record size of " + std::to_string(p.size) +
                           " bytes (data and partition key) exceeds the maximum record size of " +
                           std::to_string(max) + " bytes (MaxRecordSizeInKiB " +
                           std::to_string(s.max_record_size_kib) + ") of stream " + s.name +
                           " under account " + s.account_id + ".");
  }
  return p;
}

Value RecordValue(const StreamMeta& s, uint32_t shard, const storage::StreamRecord& r) {
  Value v = Value::Map();
  v.Set("SequenceNumber", Value::String(SequenceNumberOf(s, shard, r.seq)));
  v.Set("ApproximateArrivalTimestamp", Value::Timestamp(r.arrival_ms));
  v.Set("Data", Value::Blob(r.data));
  v.Set("PartitionKey", Value::String(r.partition_key));
  // AWS names the encryption only on records written encrypted.
  if (r.encryption_type == "KMS") v.Set("EncryptionType", Value::String("KMS"));
  return v;
}

Status CheckOrderingNumber(const Kinesis& k, const StreamMeta& s, std::string_view number) {
  auto parts = ParseSequenceNumber(number);
  if (!parts || storage::SeqTime(parts->seq) > k.Now()) {
    return InvalidArgument("ExclusiveMinimumSequenceNumber " + std::string(number) +
                           " used in PutRecord on stream " + s.name + " under account " +
                           s.account_id + " is invalid.");
  }
  return {};
}

}  // namespace sluice::kinesis
