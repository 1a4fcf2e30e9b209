// SubscribeToShard as an event-stream response: starts a subscription and
// writes what it sends to the response body the front end hands over.
#pragma once

#include "common/response_stream.h"
#include "common/result.h"
#include "common/service.h"
#include "common/value.h"
#include "services/kinesis/subscriptions.h"

namespace sluice::kinesis {

struct StreamLimits {
  // A message is held back (the subscription waits) while more than this
  // many bytes of the body are still waiting for the connection...
  size_t high_watermark = 256 * 1024;
  // ...and offered again once they have fallen to this.
  size_t low_watermark = 64 * 1024;
};

// Subscribes as `input` (SubscribeToShard's decoded input) asks. An error is
// the call's answer; otherwise the producer of the response body: messages
// sent before the front end calls it wait for it, a client that goes away
// cancels the subscription, and a producer dropped unused (the connection
// closed before the answer) cancels it too.
Result<StreamProducer> SubscribeToShardStream(SubscriptionManager& manager, const CallContext& ctx,
                                              const Value& input, EventEncoder encoder,
                                              StreamLimits limits = {});

}  // namespace sluice::kinesis
