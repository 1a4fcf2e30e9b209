// CreateQueue: creates a queue, or returns the existing one when every given
// attribute matches (AWS's idempotency rule).
#include "services/sqs/queue_attributes.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {
namespace {

bool ValidQueueName(std::string_view name, bool fifo) {
  std::string_view base = fifo ? name.substr(0, name.size() - 5) : name;
  if (name.empty() || name.size() > 80 || base.empty()) return false;
  for (char c : base) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

void CreateQueue(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto name = in.GetString("QueueName");
  if (!name || name->empty()) return done(MissingParameter("QueueName"));
  auto attrs = StringMap(in, "Attributes");
  auto tags = StringMap(in, "tags");

  bool fifo_name = IsFifoName(*name);
  auto fifo_attr = attrs.find("FifoQueue");
  bool fifo = fifo_attr != attrs.end() && fifo_attr->second == "true";
  if (!ValidQueueName(*name, fifo_name)) {
    return done(Error{"InvalidParameterValue",
                      "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 "
                      "in length"});
  }
  if (fifo_name && !fifo) {
    return done(Error{"InvalidParameterValue",
                      "The name of a FIFO queue can only include alphanumeric characters, "
                      "hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."});
  }
  if (fifo && !fifo_name) {
    return done(Error{"InvalidParameterValue",
                      "The name of a FIFO queue can only include alphanumeric characters, "
                      "hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."});
  }
  Status valid = ValidateAttributes(attrs, fifo, /*creating=*/true);
  if (!valid.ok()) return done(std::move(valid).error());
  {
    storage::QueueMeta probe;
    probe.account_id = ctx.account_id;
    probe.name = *name;
    Status redrive = ValidateRedrive(sqs, probe, attrs);
    if (!redrive.ok()) return done(std::move(redrive).error());
  }
  if (tags.size() > 50) {
    return done(Error{"InvalidParameterValue", "Too many tags added for queue " + *name + "."});
  }

  if (auto existing = sqs.store->FindQueue(ctx.account_id, *name)) {
    // Same name: every attribute given must equal the queue's effective value.
    for (const auto& [k, v] : attrs) {
      if (EffectiveAttribute(existing->attributes, k) != v) {
        return done(Error{"QueueNameExists",
                          "A queue already exists with the same name and a different value for "
                          "attribute " + k});
      }
    }
    Value out = Value::Map();
    out.Set("QueueUrl", Value::String(QueueUrl(sqs, ctx, *existing)));
    return done(std::move(out));
  }

  {
    std::lock_guard<std::mutex> lock(sqs.mu);
    auto it = sqs.deleted_ms.find(ctx.account_id + "/" + *name);
    if (it != sqs.deleted_ms.end() && sqs.clock->NowMillis() - it->second < 60'000) {
      return done(Error{"QueueDeletedRecently",
                        "You must wait 60 seconds after deleting a queue before you can create "
                        "another with the same name."});
    }
  }
  storage::QueueMeta meta;
  meta.account_id = ctx.account_id;
  meta.name = *name;
  meta.attributes = std::move(attrs);
  meta.tags = std::move(tags);
  meta.created_ms = meta.modified_ms = sqs.clock->NowMillis();
  CallContext c = ctx;
  Sqs* s = &sqs;
  sqs.store->PutQueue(std::move(meta), [s, c, done](Result<storage::QueueMeta> r) {
    if (!r.ok()) return done(std::move(r).error());
    Value out = Value::Map();
    out.Set("QueueUrl", Value::String(QueueUrl(*s, c, *r)));
    done(std::move(out));
  });
}

}  // namespace sluice::sqs
