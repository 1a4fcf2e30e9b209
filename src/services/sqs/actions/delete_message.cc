// DeleteMessage: deletes by receipt handle. A handle from an earlier receive
// succeeds without deleting, as AWS documents; a forged one is rejected.
#include "services/sqs/receipt_handle.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

Error InvalidReceiptHandle(const std::string& handle) {
  return Error{"ReceiptHandleIsInvalid",
               "The input receipt handle \"" + handle + "\" is not a valid receipt handle."};
}

void DeleteMessage(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto text = in.GetString("ReceiptHandle");
  if (!text || text->empty()) return done(MissingParameter("ReceiptHandle"));
  auto handle = DecodeReceiptHandle(*text, sqs.store->Secret());
  if (!handle || handle->queue_id != q->id) return done(InvalidReceiptHandle(*text));
  sqs.store->DeleteMessage(q->id, handle->seq, handle->receive_count,
                           [done](Result<storage::HandleState> r) {
                             if (!r.ok()) return done(std::move(r).error());
                             done(Value::Map());
                           });
}

}  // namespace sluice::sqs
