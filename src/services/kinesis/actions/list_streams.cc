// ListStreams: names and summaries in name order, at most Limit (default and
// cap 100) per page, after ExclusiveStartStreamName or a NextToken.
#include <algorithm>

#include "common/strings.h"
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void ListStreams(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  int64_t limit = std::min<int64_t>(OptionalInt(in, "Limit").value_or(100), 100);
  std::string after = in.GetString("ExclusiveStartStreamName").value_or("");
  if (auto token = in.GetString("NextToken")) {
    auto payload = OpenToken(k, *token);
    if (!payload || payload->rfind("streams|", 0) != 0) {
      return done(InvalidArgument("Invalid NextToken."));
    }
    // streams|<issued ms>|<last name>
    size_t bar = payload->find('|', 8);
    if (bar == std::string::npos) return done(InvalidArgument("Invalid NextToken."));
    int64_t issued = strings::ParseInt(payload->substr(8, bar - 8)).value_or(0);
    if (k.Now() - issued > kNextTokenLifetimeMs) {
      return done(Error{"ExpiredNextTokenException", "The NextToken has expired."});
    }
    after = payload->substr(bar + 1);
  }
  int64_t now = k.Now();
  Value names = Value::List();
  Value summaries = Value::List();
  bool more = false;
  std::string last;
  for (const auto& s : k.store->ListStreams(ctx.account_id)) {
    if (IsGone(k, s, now) || (!after.empty() && s.name <= after)) continue;
    if (static_cast<int64_t>(names.items().size()) == limit) {
      more = true;
      break;
    }
    names.Append(Value::String(s.name));
    Value sum = Value::Map();
    sum.Set("StreamName", Value::String(s.name));
    sum.Set("StreamARN", Value::String(StreamArn(k, s)));
    sum.Set("StreamStatus", Value::String(StatusOf(k, s, now)));
    sum.Set("StreamModeDetails", StreamModeValue(s));
    sum.Set("StreamCreationTimestamp", Value::Timestamp(s.created_ms));
    summaries.Append(std::move(sum));
    last = s.name;
  }
  Value out = Value::Map();
  out.Set("StreamNames", std::move(names));
  out.Set("HasMoreStreams", Value::Bool(more));
  if (more) out.Set("NextToken", Value::String(SealToken(k, "streams|" + std::to_string(now) + "|" + last)));
  out.Set("StreamSummaries", std::move(summaries));
  done(std::move(out));
}

}  // namespace sluice::kinesis
