// DisableEnhancedMonitoring: turns shard-level metrics off ("ALL" for all).
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void DisableEnhancedMonitoring(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  ChangeMonitoring(k, ctx, in, false, std::move(done));
}

}  // namespace sluice::kinesis
