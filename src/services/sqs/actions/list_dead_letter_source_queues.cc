// ListDeadLetterSourceQueues: queues whose RedrivePolicy targets this queue.
#include "common/crypto.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void ListDeadLetterSourceQueues(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto max = OptionalInt(in, "MaxResults");
  if (max && (*max < 1 || *max > 1000)) {
    return done(Error{"InvalidParameterValue",
                      "Value " + std::to_string(*max) +
                          " for parameter MaxResults is invalid. Reason: MaxResults must be an "
                          "integer between 1 and 1000."});
  }
  auto token = in.GetString("NextToken");
  std::string after;
  if (token && !token->empty()) {
    auto decoded = crypto::Base64UrlDecode(*token);
    if (!decoded || decoded->rfind("v1:", 0) != 0) {
      return done(Error{"InvalidParameterValue", "Invalid NextToken value."});
    }
    after = decoded->substr(3);
  }
  std::string arn = QueueArn(sqs, *q);
  Value urls = Value::List();
  size_t limit = max ? static_cast<size_t>(*max) : 1000;
  std::string last;
  bool more = false;
  for (const auto& source : sqs.store->ListQueues(q->account_id, "")) {
    auto policy = RedrivePolicyOf(source);
    if (!policy || policy->first != arn) continue;
    if (!after.empty() && source.name <= after) continue;
    if (urls.items().size() == limit) {
      more = true;
      break;
    }
    urls.Append(Value::String(QueueUrl(sqs, ctx, source)));
    last = source.name;
  }
  Value out = Value::Map();
  out.Set("queueUrls", std::move(urls));
  if (more && max) out.Set("NextToken", Value::String(crypto::Base64UrlEncode("v1:" + last)));
  done(std::move(out));
}

}  // namespace sluice::sqs
