// ListQueues: an account's queues by name prefix, paged with MaxResults and
// an opaque NextToken (the last name returned).
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void ListQueues(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  std::string prefix = in.GetString("QueueNamePrefix").value_or("");
  done(QueueUrlPage(sqs, ctx, in, sqs.store->ListQueues(ctx.account_id, prefix),
                    QueuePageRules{"QueueUrls", false, true}));
}

}  // namespace sluice::sqs
