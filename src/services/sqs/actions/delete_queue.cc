// DeleteQueue: removes the queue and all of its messages.
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void DeleteQueue(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  std::string key = q->account_id + "/" + q->name;
  Sqs* s = &sqs;
  sqs.store->DeleteQueue(q->id, [s, key, done](Status st) {
    if (!st.ok()) return done(std::move(st).error());
    {
      // AWS refuses to reuse a name for 60 seconds (QueueDeletedRecently).
      std::lock_guard<std::mutex> lock(s->mu);
      s->deleted_ms[key] = s->clock->NowMillis();
    }
    done(Value::Map());
  });
}

}  // namespace sluice::sqs
