// RemoveTagsFromStream: removes tags by key; absent keys are ignored.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void RemoveTagsFromStream(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto keys = StringList(in, "TagKeys");
  Change change = [keys](StreamMeta& s, int64_t) -> Result<Value> {
    std::map<std::string, std::string> probe;
    for (const auto& key : keys) probe[key] = "";
    std::string what = "stream " + s.name + " under account " + s.account_id;
    if (Status st = ValidateTagsToAdd(probe, "remove tags from", what); !st.ok()) {
      return std::move(st).error();
    }
    for (const auto& key : keys) s.tags.erase(key);
    return Value::Map();
  };
  MutateStream(k, ByInput(k, ctx, in, Need::kExisting), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
