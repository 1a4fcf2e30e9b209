// GetQueueUrl: the URL of a queue by name, optionally in another account.
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void GetQueueUrl(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto name = in.GetString("QueueName");
  if (!name || name->empty()) return done(MissingParameter("QueueName"));
  std::string account = in.GetString("QueueOwnerAWSAccountId").value_or(ctx.account_id);
  if (ctx.authenticated && account != ctx.account_id) {
    return done(QueueDoesNotExist());
  }
  auto q = sqs.store->FindQueue(account, *name);
  if (!q) return done(QueueDoesNotExist());
  Value out = Value::Map();
  out.Set("QueueUrl", Value::String(QueueUrl(sqs, ctx, *q)));
  done(std::move(out));
}

}  // namespace sluice::sqs
