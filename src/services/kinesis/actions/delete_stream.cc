// DeleteStream: the stream turns DELETING (still readable and writable, as
// AWS allows) and is gone once the transition time has passed; its records
// are removed then. Registered consumers need EnforceConsumerDeletion.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void DeleteStream(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  bool enforce = OptionalBool(in, "EnforceConsumerDeletion").value_or(false);
  auto self = k.shared_from_this();
  auto deleted = std::make_shared<uint64_t>(0);
  Change change = [self, enforce, deleted](StreamMeta& s, int64_t now) -> Result<Value> {
    if (!s.consumers.empty() && !enforce) {
      return Error{"ResourceInUseException",
                   "DeleteStream can't delete " + StreamArn(*self, s) +
                       " because there are consumers associated with this data stream. To delete " +
                       s.name + " anyway, set the EnforceConsumerDeletion parameter to true to "
                       "force the deletion of all the consumers that are associated with it."};
    }
    s.consumers.clear();
    s.status = "DELETING";
    s.status_changed_ms = now;
    *deleted = s.id;
    return Value::Map();
  };
  MutateStream(k, ByInput(k, ctx, in, Need::kExisting), std::move(change),
               [self, deleted, done](Result<Value> r) {
                 if (r.ok() && *deleted) {
                   uint64_t id = *deleted;
                   std::weak_ptr<Kinesis> weak = self;
                   self->executor->RunAt(self->Now() + self->options.transition_ms, [weak, id] {
                     if (auto s = weak.lock()) FinishDeletion(s, id);
                   });
                 }
                 done(std::move(r));
               });
}

}  // namespace sluice::kinesis
