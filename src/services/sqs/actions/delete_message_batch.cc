// DeleteMessageBatch: deletes up to 10 messages by receipt handle, reporting
// each entry's outcome.
#include "services/sqs/actions/batch_collector.h"
#include "services/sqs/receipt_handle.h"

namespace sluice::sqs {

void DeleteMessageBatch(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto entries = CheckBatch(in, "Entries", "DeleteMessageBatchRequestEntry");
  if (!entries.ok()) return done(std::move(entries).error());
  auto collector = std::make_shared<BatchCollector>((*entries)->size(), std::move(done));
  // The valid entries are deleted in one durable write.
  std::vector<std::string> ids;
  std::vector<std::pair<uint64_t, uint32_t>> receipts;
  for (const Value& e : **entries) {
    std::string id = *e.GetString("Id");
    auto text = e.GetString("ReceiptHandle");
    if (!text || text->empty()) {
      collector->Failed(id, MissingParameter("ReceiptHandle"));
      continue;
    }
    auto handle = DecodeReceiptHandle(*text, sqs.store->Secret());
    if (!handle || handle->queue_id != q->id) {
      collector->Failed(id, InvalidReceiptHandle(*text));
      continue;
    }
    ids.push_back(std::move(id));
    receipts.emplace_back(handle->seq, handle->receive_count);
  }
  if (receipts.empty()) return;
  sqs.store->DeleteMessages(q->id, receipts,
                            [collector, ids](Result<std::vector<storage::HandleState>> r) {
                              for (const auto& id : ids) {
                                if (!r.ok()) {
                                  collector->Failed(id, r.error());
                                } else {
                                  collector->Succeeded(id);
                                }
                              }
                            });
}

}  // namespace sluice::sqs
