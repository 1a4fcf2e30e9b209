// ChangeMessageVisibility: moves an in-flight message's visibility deadline
// to now + VisibilityTimeout (0 makes it visible at once).
#include "services/sqs/receipt_handle.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

Error InvalidReceiptHandle(const std::string& handle);

void ChangeMessageVisibility(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto text = in.GetString("ReceiptHandle");
  if (!text || text->empty()) return done(MissingParameter("ReceiptHandle"));
  auto timeout = OptionalInt(in, "VisibilityTimeout");
  if (!timeout) return done(MissingParameter("VisibilityTimeout"));
  if (auto bad = CheckVisibilityTimeout(*timeout)) return done(std::move(*bad));
  auto handle = DecodeReceiptHandle(*text, sqs.store->Secret());
  if (!handle || handle->queue_id != q->id) return done(InvalidReceiptHandle(*text));
  int64_t now = sqs.clock->NowMillis();
  std::string shown = *text;
  sqs.store->ChangeVisibility(
      q->id, handle->seq, handle->receive_count, now + *timeout * 1000, now, kMaxVisibilityMs,
      [done, shown, timeout = *timeout](Status st) {
        if (st.ok()) return done(Value::Map());
        done(VisibilityChangeError(st.error(), shown, timeout));
      });
}

}  // namespace sluice::sqs
