// ListStreamConsumers: a stream's consumers in registration order, paged by
// MaxResults (default and cap 100) and NextToken.
#include <algorithm>

#include "common/strings.h"
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void ListStreamConsumers(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto s = FindStream(k, ctx, in, Need::kExisting);
  if (!s.ok()) return done(std::move(s).error());
  int64_t max = std::min<int64_t>(OptionalInt(in, "MaxResults").value_or(100), 100);
  int64_t now = k.Now();
  size_t start = 0;
  if (auto token = in.GetString("NextToken")) {
    auto payload = OpenToken(k, *token);
    // consumers|<stream id>|<issued ms>|<offset>
    std::vector<std::string> f;
    if (payload) {
      size_t pos = 0;
      for (;;) {
        size_t bar = payload->find('|', pos);
        f.push_back(payload->substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
        if (bar == std::string::npos) break;
        pos = bar + 1;
      }
    }
    if (f.size() != 4 || f[0] != "consumers" || strings::ParseInt(f[1]).value_or(-1) != static_cast<int64_t>(s->id)) {
      return done(InvalidArgument("Invalid NextToken."));
    }
    if (now - strings::ParseInt(f[2]).value_or(0) > kNextTokenLifetimeMs) {
      return done(Error{"ExpiredNextTokenException", "The NextToken has expired."});
    }
    start = static_cast<size_t>(strings::ParseInt(f[3]).value_or(0));
  }
  Value list = Value::List();
  size_t i = start;
  for (; i < s->consumers.size() && static_cast<int64_t>(list.items().size()) < max; ++i) {
    list.Append(ConsumerValue(k, s->consumers[i], now));
  }
  Value out = Value::Map();
  out.Set("Consumers", std::move(list));
  if (i < s->consumers.size()) {
    out.Set("NextToken", Value::String(SealToken(k, "consumers|" + std::to_string(s->id) + "|" +
                                                        std::to_string(now) + "|" + std::to_string(i))));
  }
  done(std::move(out));
}

}  // namespace sluice::kinesis
