// ListDeadLetterSourceQueues: queues whose RedrivePolicy targets this queue.
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void ListDeadLetterSourceQueues(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  std::string arn = QueueArn(sqs, *q);
  std::vector<storage::QueueMeta> sources;
  for (auto& source : sqs.store->ListQueues(q->account_id, "")) {
    auto policy = RedrivePolicyOf(source);
    if (policy && policy->first == arn) sources.push_back(std::move(source));
  }
  done(QueueUrlPage(sqs, ctx, in, sources, QueuePageRules{"queueUrls", true, false}));
}

}  // namespace sluice::sqs
