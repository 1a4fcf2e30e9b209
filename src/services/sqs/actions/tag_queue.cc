// TagQueue: adds or replaces cost-allocation tags (at most 50 per queue).
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

Status ValidateTags(const std::map<std::string, std::string>& tags, size_t existing_after) {
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128) {
      return Error{"InvalidParameterValue", "Tag keys must be between 1 and 128 characters in length."};
    }
    if (v.size() > 256) {
      return Error{"InvalidParameterValue", "Tag values must be between 0 and 256 characters in length."};
    }
  }
  if (existing_after > 50) {
    return Error{"InvalidParameterValue", "Too many tags added for queue. A queue can have at most 50 tags."};
  }
  return {};
}

void TagQueue(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto tags = StringMap(in, "Tags");
  if (tags.empty()) return done(MissingParameter("Tags"));
  storage::QueueMeta meta = std::move(q).value();
  for (auto& [k, v] : tags) meta.tags[k] = v;
  Status valid = ValidateTags(tags, meta.tags.size());
  if (!valid.ok()) return done(std::move(valid).error());
  sqs.store->PutQueue(std::move(meta), [done](Result<storage::QueueMeta> r) {
    if (!r.ok()) return done(std::move(r).error());
    done(Value::Map());
  });
}

}  // namespace sluice::sqs
