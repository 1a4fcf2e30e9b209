// UntagQueue: removes tags by key; unknown keys are ignored, as on AWS.
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void UntagQueue(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto keys = StringList(in, "TagKeys");
  if (keys.empty()) return done(MissingParameter("TagKeys"));
  storage::QueueMeta meta = std::move(q).value();
  for (const auto& k : keys) meta.tags.erase(k);
  sqs.store->PutQueue(std::move(meta), [done](Result<storage::QueueMeta> r) {
    if (!r.ok()) return done(std::move(r).error());
    done(Value::Map());
  });
}

}  // namespace sluice::sqs
