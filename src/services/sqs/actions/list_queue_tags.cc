// ListQueueTags: the queue's tags.
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void ListQueueTags(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  Value out = Value::Map();
  if (!q->tags.empty()) {
    Value tags = Value::Map();
    for (const auto& [k, v] : q->tags) tags.Set(k, Value::String(v));
    out.Set("Tags", std::move(tags));
  }
  done(std::move(out));
}

}  // namespace sluice::sqs
