// ListQueues: an account's queues by name prefix, paged with MaxResults and
// an opaque NextToken (the last name returned).
#include "common/crypto.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void ListQueues(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  std::string prefix = in.GetString("QueueNamePrefix").value_or("");
  auto max = OptionalInt(in, "MaxResults");
  auto token = in.GetString("NextToken");
  if (max && (*max < 1 || *max > 1000)) {
    return done(Error{"InvalidParameterValue",
                      "Value " + std::to_string(*max) +
                          " for parameter MaxResults is invalid. Reason: MaxResults must be an "
                          "integer between 1 and 1000."});
  }
  if (token && !max) {
    return done(Error{"InvalidParameterValue",
                      "MaxResults is a mandatory parameter when you provide a value for NextToken."});
  }
  std::string after;
  if (token && !token->empty()) {
    auto decoded = crypto::Base64UrlDecode(*token);
    if (!decoded || decoded->rfind("v1:", 0) != 0) {
      return done(Error{"InvalidParameterValue", "Invalid NextToken value."});
    }
    after = decoded->substr(3);
  }
  auto queues = sqs.store->ListQueues(ctx.account_id, prefix);
  Value urls = Value::List();
  size_t limit = max ? static_cast<size_t>(*max) : 1000;
  std::string last;
  bool more = false;
  for (const auto& q : queues) {
    if (!after.empty() && q.name <= after) continue;
    if (urls.items().size() == limit) {
      more = true;
      break;
    }
    urls.Append(Value::String(QueueUrl(sqs, ctx, q)));
    last = q.name;
  }
  Value out = Value::Map();
  if (!urls.items().empty()) out.Set("QueueUrls", std::move(urls));
  if (more && max) out.Set("NextToken", Value::String(crypto::Base64UrlEncode("v1:" + last)));
  done(std::move(out));
}

}  // namespace sluice::sqs
