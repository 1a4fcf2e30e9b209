// DecreaseStreamRetentionPeriod: down to 24 hours; never longer than now.
// Records older than the new period stop being served at once.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void DecreaseStreamRetentionPeriod(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  int64_t hours = OptionalInt(in, "RetentionPeriodHours").value_or(0);
  if (Status st = CheckRetentionRange(hours); !st.ok()) return done(std::move(st).error());
  Change change = [hours](StreamMeta& s, int64_t) -> Result<Value> {
    if (hours > s.retention_hours) {
      return InvalidArgument("Requested retention period (" + std::to_string(hours) +
                             " hours) for stream " + s.name +
                             " can not be longer than existing retention period (" +
                             std::to_string(s.retention_hours) +
                             " hours). Use IncreaseRetentionPeriod API.");
    }
    s.retention_hours = static_cast<int32_t>(hours);
    return Value::Map();
  };
  MutateStream(k, ByInput(k, ctx, in, Need::kActive), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
