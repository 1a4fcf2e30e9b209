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
  if (*timeout < 0 || *timeout > 43200) {
    return done(Error{"InvalidParameterValue",
                      "Value " + std::to_string(*timeout) +
                          " for parameter VisibilityTimeout is invalid. Reason: Must be between 0 "
                          "and 43200, if provided."});
  }
  auto handle = DecodeReceiptHandle(*text, sqs.store->Secret());
  if (!handle || handle->queue_id != q->id) return done(InvalidReceiptHandle(*text));
  int64_t now = sqs.clock->NowMillis();
  std::string shown = *text;
  sqs.store->ChangeVisibility(
      q->id, handle->seq, handle->receive_count, now + *timeout * 1000, now, kMaxVisibilityMs,
      [done, shown, timeout = *timeout](Status st) {
        if (st.ok()) return done(Value::Map());
        const Error& e = st.error();
        if (e.code == "ReceiptHandleStale") {
          return done(Error{"InvalidParameterValue",
                            "Value " + shown +
                                " for parameter ReceiptHandle is invalid. Reason: Message does not "
                                "exist or is not available for visibility timeout change."});
        }
        if (e.code == "VisibilityLimit") {
          return done(Error{"InvalidParameterValue",
                            "Value " + std::to_string(timeout) +
                                " for parameter VisibilityTimeout is invalid. Reason: Total "
                                "VisibilityTimeout for the message is beyond the limit [43200 seconds]"});
        }
        if (e.code == "MessageNotInflight") {
          return done(Error{"MessageNotInflight", "The message referred to isn't in flight."});
        }
        done(std::move(st).error());
      });
}

}  // namespace sluice::sqs
