// UpdateMaxRecordSize: the largest record (data + partition key) the stream
// takes, 1024..10240 KiB (the range is checked by the model).
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void UpdateMaxRecordSize(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  int64_t kib = OptionalInt(in, "MaxRecordSizeInKiB").value_or(1024);
  Change change = [kib](StreamMeta& s, int64_t now) -> Result<Value> {
    s.max_record_size_kib = static_cast<int32_t>(kib);
    s.status = "UPDATING";
    s.status_changed_ms = now;
    return Value::Map();
  };
  MutateStream(k, ByInput(k, ctx, in, Need::kActive), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
