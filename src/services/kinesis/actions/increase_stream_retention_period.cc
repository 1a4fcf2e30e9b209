// IncreaseStreamRetentionPeriod: up to 8760 hours; never shorter than now.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

Status CheckRetentionRange(int64_t hours) {
  if (hours < kMinRetentionHours) {
    return InvalidArgument("Minimum allowed retention period is " + std::to_string(kMinRetentionHours) +
                           " hours. Requested retention period (" + std::to_string(hours) +
                           " hours) is too short.");
  }
  if (hours > kMaxRetentionHours) {
    return InvalidArgument("Maximum allowed retention period is " + std::to_string(kMaxRetentionHours) +
                           " hours. Requested retention period (" + std::to_string(hours) +
                           " hours) is too long.");
  }
  return {};
}

void IncreaseStreamRetentionPeriod(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  int64_t hours = OptionalInt(in, "RetentionPeriodHours").value_or(0);
  if (Status st = CheckRetentionRange(hours); !st.ok()) return done(std::move(st).error());
  Change change = [hours](StreamMeta& s, int64_t) -> Result<Value> {
    if (hours < s.retention_hours) {
      return InvalidArgument("Requested retention period (" + std::to_string(hours) +
                             " hours) for stream " + s.name +
                             " can not be shorter than existing retention period (" +
                             std::to_string(s.retention_hours) +
                             " hours). Use DecreaseRetentionPeriod API.");
    }
    s.retention_hours = static_cast<int32_t>(hours);
    return Value::Map();
  };
  MutateStream(k, ByInput(k, ctx, in, Need::kActive), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
