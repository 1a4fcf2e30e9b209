// AddTagsToStream: adds or replaces tags; a stream holds at most 50.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void AddTagsToStream(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto tags = StringMap(in, "Tags");
  Change change = [tags](StreamMeta& s, int64_t) -> Result<Value> {
    std::string what = "stream " + s.name + " under account " + s.account_id;
    if (Status st = ValidateTagsToAdd(tags, "add tags to", what); !st.ok()) return std::move(st).error();
    if (Status st = AddTags(s.tags, tags, what); !st.ok()) return std::move(st).error();
    return Value::Map();
  };
  MutateStream(k, ByInput(k, ctx, in, Need::kExisting), std::move(change), std::move(done));
}

}  // namespace sluice::kinesis
