// EnableEnhancedMonitoring: records which shard-level metrics are on ("ALL"
// means all seven); there is no CloudWatch to send them to.
#include <algorithm>

#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

const std::vector<std::string>& AllShardMetrics() {
  static const std::vector<std::string> kAll = {
      "IncomingBytes",   "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
      "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
      "IteratorAgeMilliseconds"};
  return kAll;
}

void ChangeMonitoring(Kinesis& k, const CallContext& ctx, const Value& in, bool enable, Done done) {
  std::vector<std::string> asked = StringList(in, "ShardLevelMetrics");
  bool all = std::find(asked.begin(), asked.end(), "ALL") != asked.end();
  auto self = k.shared_from_this();
  Change change = [self, asked, all, enable](StreamMeta& s, int64_t) -> Result<Value> {
    Value current = Value::List();
    for (const auto& m : s.enhanced_metrics) current.Append(Value::String(m));
    std::vector<std::string> next;
    for (const auto& m : AllShardMetrics()) {
      bool on = std::find(s.enhanced_metrics.begin(), s.enhanced_metrics.end(), m) != s.enhanced_metrics.end();
      bool named = all || std::find(asked.begin(), asked.end(), m) != asked.end();
      if (enable ? (on || named) : (on && !named)) next.push_back(m);
    }
    s.enhanced_metrics = next;
    Value desired = Value::List();
    for (const auto& m : next) desired.Append(Value::String(m));
    Value out = Value::Map();
    out.Set("StreamName", Value::String(s.name));
    out.Set("CurrentShardLevelMetrics", std::move(current));
    out.Set("DesiredShardLevelMetrics", std::move(desired));
    out.Set("StreamARN", Value::String(StreamArn(*self, s)));
    return out;
  };
  MutateStream(k, ByInput(k, ctx, in, Need::kActive), std::move(change), std::move(done));
}

void EnableEnhancedMonitoring(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  ChangeMonitoring(k, ctx, in, true, std::move(done));
}

}  // namespace sluice::kinesis
