// ChangeMessageVisibilityBatch: up to 10 visibility changes, each reported.
#include "services/sqs/actions/batch_collector.h"
#include "services/sqs/receipt_handle.h"

namespace sluice::sqs {

void ChangeMessageVisibilityBatch(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto entries = CheckBatch(in, "Entries", "ChangeMessageVisibilityBatchRequestEntry");
  if (!entries.ok()) return done(std::move(entries).error());
  auto collector = std::make_shared<BatchCollector>((*entries)->size(), std::move(done));
  int64_t now = sqs.clock->NowMillis();
  for (const Value& e : **entries) {
    std::string id = *e.GetString("Id");
    auto text = e.GetString("ReceiptHandle");
    if (!text || text->empty()) {
      collector->Failed(id, MissingParameter("ReceiptHandle"));
      continue;
    }
    auto timeout = OptionalInt(e, "VisibilityTimeout");
    if (!timeout) timeout = 0;
    if (*timeout < 0 || *timeout > 43200) {
      collector->Failed(id, Error{"InvalidParameterValue",
                                  "Value " + std::to_string(*timeout) +
                                      " for parameter VisibilityTimeout is invalid. Reason: Must "
                                      "be between 0 and 43200, if provided."});
      continue;
    }
    auto handle = DecodeReceiptHandle(*text, sqs.store->Secret());
    if (!handle || handle->queue_id != q->id) {
      collector->Failed(id, InvalidReceiptHandle(*text));
      continue;
    }
    std::string shown = *text;
    sqs.store->ChangeVisibility(
        q->id, handle->seq, handle->receive_count, now + *timeout * 1000, now, kMaxVisibilityMs,
        [collector, id, shown, limit_timeout = *timeout](Status st) {
          if (st.ok()) return collector->Succeeded(id);
          const Error& err = st.error();
          if (err.code == "ReceiptHandleStale") {
            return collector->Failed(
                id, Error{"InvalidParameterValue",
                          "Value " + shown +
                              " for parameter ReceiptHandle is invalid. Reason: Message does not "
                              "exist or is not available for visibility timeout change."});
          }
          if (err.code == "VisibilityLimit") {
            return collector->Failed(
                id, Error{"InvalidParameterValue",
                          "Value " + std::to_string(limit_timeout) +
                              " for parameter VisibilityTimeout is invalid. Reason: Total "
                              "VisibilityTimeout for the message is beyond the limit [43200 seconds]"});
          }
          if (err.code == "MessageNotInflight") {
            return collector->Failed(id, Error{"AWS.SimpleQueueService.MessageNotInflight",
                                               "The message referred to isn't in flight."});
          }
          collector->Failed(id, err);
        });
  }
}

}  // namespace sluice::sqs
