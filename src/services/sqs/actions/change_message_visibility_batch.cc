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
    if (auto bad = CheckVisibilityTimeout(*timeout)) {
      collector->Failed(id, *bad);
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
        [collector, id, shown, timeout = *timeout](Status st) {
          if (st.ok()) return collector->Succeeded(id);
          Error e = VisibilityChangeError(st.error(), shown, timeout);
          // Batch entries carry the legacy code of this one error, as AWS's do.
          if (e.code == "MessageNotInflight") e.code = "AWS.SimpleQueueService.MessageNotInflight";
          collector->Failed(id, e);
        });
  }
}

}  // namespace sluice::sqs
