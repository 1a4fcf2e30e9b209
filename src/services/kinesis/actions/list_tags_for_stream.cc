// ListTagsForStream: tags in key order after ExclusiveStartTagKey, at most
// Limit (default 50); HasMoreTags when some are left.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void ListTagsForStream(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto s = FindStream(k, ctx, in, Need::kExisting);
  if (!s.ok()) return done(std::move(s).error());
  int64_t limit = OptionalInt(in, "Limit").value_or(50);
  std::string after = in.GetString("ExclusiveStartTagKey").value_or("");
  Value tags = Value::List();
  bool more = false;
  for (const auto& [key, val] : s->tags) {
    if (!after.empty() && key <= after) continue;
    if (static_cast<int64_t>(tags.items().size()) == limit) {
      more = true;
      break;
    }
    Value t = Value::Map();
    t.Set("Key", Value::String(key));
    t.Set("Value", Value::String(val));
    tags.Append(std::move(t));
  }
  Value out = Value::Map();
  out.Set("Tags", std::move(tags));
  out.Set("HasMoreTags", Value::Bool(more));
  done(std::move(out));
}

}  // namespace sluice::kinesis
