// PurgeQueue: deletes every message; allowed once per 60 seconds per queue.
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void PurgeQueue(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  int64_t now = sqs.clock->NowMillis();
  {
    std::lock_guard<std::mutex> lock(sqs.mu);
    auto it = sqs.last_purge_ms.find(q->id);
    if (it != sqs.last_purge_ms.end() && now - it->second < 60'000) {
      return done(Error{"PurgeQueueInProgress", "Only one PurgeQueue operation on " + q->name +
                                                    " is allowed every 60 seconds."});
    }
    sqs.last_purge_ms[q->id] = now;
  }
  sqs.store->Purge(q->id, [done](Status st) {
    if (!st.ok()) return done(std::move(st).error());
    done(Value::Map());
  });
}

}  // namespace sluice::sqs
