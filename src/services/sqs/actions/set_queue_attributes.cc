// SetQueueAttributes: validates every attribute first, then applies all.
#include "services/sqs/queue_attributes.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void SetQueueAttributes(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  if (!in.Find("Attributes")) return done(MissingParameter("Attributes"));
  auto attrs = StringMap(in, "Attributes");
  Status valid = ValidateAttributes(attrs, IsFifoName(q->name), /*creating=*/false);
  if (!valid.ok()) return done(std::move(valid).error());
  Status redrive = ValidateRedrive(sqs, *q, attrs);
  if (!redrive.ok()) return done(std::move(redrive).error());
  storage::QueueMeta meta = std::move(q).value();
  for (auto& [k, v] : attrs) {
    // An empty Policy or RedrivePolicy removes it, as on AWS.
    if (v.empty() && (k == "Policy" || k == "RedrivePolicy" || k == "RedriveAllowPolicy" ||
                      k == "KmsMasterKeyId")) {
      meta.attributes.erase(k);
    } else {
      meta.attributes[k] = v;
    }
  }
  meta.modified_ms = sqs.clock->NowMillis();
  sqs.store->PutQueue(std::move(meta), [done](Result<storage::QueueMeta> r) {
    if (!r.ok()) return done(std::move(r).error());
    done(Value::Map());
  });
}

}  // namespace sluice::sqs
