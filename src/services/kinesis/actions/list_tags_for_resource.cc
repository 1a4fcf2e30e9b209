// ListTagsForResource: every tag of a stream or a consumer, in key order.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void ListTagsForResource(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto r = FindResource(k, ctx, in.GetString("ResourceARN").value_or(""), Need::kExisting);
  if (!r.ok()) return done(std::move(r).error());
  std::map<std::string, std::string> scratch;
  auto* tags = ResourceTags(r->stream, r->consumer, scratch);
  Value list = Value::List();
  for (const auto& [key, val] : *tags) {
    Value t = Value::Map();
    t.Set("Key", Value::String(key));
    t.Set("Value", Value::String(val));
    list.Append(std::move(t));
  }
  Value out = Value::Map();
  out.Set("Tags", std::move(list));
  done(std::move(out));
}

}  // namespace sluice::kinesis
