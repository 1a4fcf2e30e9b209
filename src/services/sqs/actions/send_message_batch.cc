// SendMessageBatch: up to 10 messages; entries that fail validation are
// reported per entry, the rest are stored in one durable write.
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void SendMessageBatch(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto entries = CheckBatch(in, "Entries", "SendMessageBatchRequestEntry");
  if (!entries.ok()) return done(std::move(entries).error());

  size_t total = 0;
  for (const Value& e : **entries) {
    total += e.GetString("MessageBody").value_or("").size();
    if (const Value* a = e.Find("MessageAttributes"); a && a->is_map()) {
      for (const auto& [name, v] : a->members()) {
        total += name.size() + v.GetString("DataType").value_or("").size() +
                 v.GetString("StringValue").value_or("").size() +
                 v.GetString("BinaryValue").value_or("").size();
      }
    }
  }
  if (total > 1048576) {
    return done(Error{"BatchRequestTooLong",
                      "Batch requests cannot be longer than 1048576 bytes. You have sent " +
                          std::to_string(total) + " bytes."});
  }

  bool fifo = IsFifoName(q->name);
  Value failed = Value::List();
  std::vector<std::string> ids;
  std::vector<PreparedMessage> prepared;
  for (const Value& e : **entries) {
    std::string id = *e.GetString("Id");
    auto p = PrepareMessage(sqs, *q, e);
    if (!p.ok()) {
      failed.Append(BatchError(id, p.error()));
      continue;
    }
    ids.push_back(std::move(id));
    prepared.push_back(std::move(p).value());
  }
  auto finish = [fifo, done](const std::vector<std::string>& ids,
                             const std::vector<PreparedMessage>& prepared,
                             const std::vector<storage::SendOutcome>& outcomes, Value failed) {
    Value ok = Value::List();
    for (size_t i = 0; i < outcomes.size(); ++i) {
      Value entry = SentEntry(prepared[i], outcomes[i], fifo);
      Value with_id = Value::Map();
      with_id.Set("Id", Value::String(ids[i]));
      for (auto& [k, v] : entry.members()) with_id.Set(k, std::move(v));
      ok.Append(std::move(with_id));
    }
    Value out = Value::Map();
    out.Set("Successful", std::move(ok));
    out.Set("Failed", std::move(failed));
    done(std::move(out));
  };
  if (prepared.empty()) return finish(ids, prepared, {}, std::move(failed));
  std::vector<storage::StoredMessage> messages;
  for (const auto& p : prepared) messages.push_back(p.message);
  sqs.store->SendMessages(
      q->id, std::move(messages), SendOptionsFor(sqs, *q),
      [ids = std::move(ids), prepared = std::move(prepared), failed = std::move(failed), finish,
       done](Result<std::vector<storage::SendOutcome>> r) mutable {
        if (!r.ok()) return done(std::move(r).error());
        finish(ids, prepared, *r, std::move(failed));
      });
}

}  // namespace sluice::sqs
