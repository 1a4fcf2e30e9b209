// RemovePermission: removes the Policy statement whose Sid is Label.
#include <algorithm>

#include "common/json_doc.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

Result<Value> PolicyOf(const storage::QueueMeta& q, const std::string& arn);

void RemovePermission(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto label = in.GetString("Label");
  if (!label || label->empty()) return done(MissingParameter("Label"));
  auto policy = PolicyOf(*q, QueueArn(sqs, *q));
  if (!policy.ok()) return done(std::move(policy).error());
  Value* statements = policy->Find("Statement");
  auto& items = statements->items();
  size_t before = items.size();
  items.erase(std::remove_if(items.begin(), items.end(),
                             [&](const Value& s) { return s.GetString("Sid") == *label; }),
              items.end());
  if (items.size() == before) {
    return done(Error{"InvalidParameterValue",
                      "Value " + *label + " for parameter Label is invalid. Reason: can't find "
                      "label."});
  }
  storage::QueueMeta meta = std::move(q).value();
  if (items.empty()) {
    meta.attributes.erase("Policy");
  } else {
    meta.attributes["Policy"] = json::Write(*policy);
  }
  meta.modified_ms = sqs.clock->NowMillis();
  sqs.store->PutQueue(std::move(meta), [done](Result<storage::QueueMeta> r) {
    if (!r.ok()) return done(std::move(r).error());
    done(Value::Map());
  });
}

}  // namespace sluice::sqs
