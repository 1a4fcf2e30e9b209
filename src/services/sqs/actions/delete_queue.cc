// DeleteQueue: removes the queue and all of its messages.
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void DeleteQueue(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  sqs.store->DeleteQueue(q->id, [done](Status st) {
    if (!st.ok()) return done(std::move(st).error());
    done(Value::Map());
  });
}

}  // namespace sluice::sqs
