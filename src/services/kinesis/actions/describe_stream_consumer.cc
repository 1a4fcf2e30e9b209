// DescribeStreamConsumer: by ConsumerARN, or by StreamARN and ConsumerName.
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

// The consumer named by ConsumerARN or by StreamARN + ConsumerName.
Result<std::pair<StreamMeta, ConsumerMeta>> FindConsumerOf(const Kinesis& k, const CallContext& ctx,
                                                         const Value& in) {
  auto consumer_arn = in.GetString("ConsumerARN");
  auto stream_arn = in.GetString("StreamARN");
  auto name = in.GetString("ConsumerName");
  if (consumer_arn) {
    auto parts = ParseArn(*consumer_arn);
    if (!parts || parts->consumer.empty()) {
      return InvalidArgument("ConsumerARN " + *consumer_arn + " is not a valid consumer ARN.");
    }
    auto s = FindStreamByArn(k, ctx, StreamArn(k, parts->account, parts->stream), Need::kExisting);
    if (!s.ok()) return std::move(s).error();
    const ConsumerMeta* c = FindConsumer(*s, parts->consumer);
    if (!c || c->arn != *consumer_arn) {
      return Error{"ResourceNotFoundException", "Consumer " + *consumer_arn + " not found."};
    }
    ConsumerMeta found = *c;
    return std::make_pair(std::move(s).value(), std::move(found));
  }
  if (!stream_arn || !name) {
    return InvalidArgument("Either ConsumerARN or both StreamARN and ConsumerName must be provided.");
  }
  auto s = FindStreamByArn(k, ctx, *stream_arn, Need::kExisting);
  if (!s.ok()) return std::move(s).error();
  const ConsumerMeta* c = FindConsumer(*s, *name);
  if (!c) {
    return Error{"ResourceNotFoundException", "Consumer " + *name + " under stream " + s->name +
                                                  " and account " + s->account_id + " not found."};
  }
  ConsumerMeta found = *c;
  return std::make_pair(std::move(s).value(), std::move(found));
}

void DescribeStreamConsumer(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto found = FindConsumerOf(k, ctx, in);
  if (!found.ok()) return done(std::move(found).error());
  const auto& [s, c] = *found;
  Value d = ConsumerValue(k, c, k.Now());
  d.Set("StreamARN", Value::String(StreamArn(k, s)));
  Value out = Value::Map();
  out.Set("ConsumerDescription", std::move(d));
  done(std::move(out));
}

}  // namespace sluice::kinesis
