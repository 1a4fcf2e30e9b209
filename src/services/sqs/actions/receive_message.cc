// ReceiveMessage: claims up to MaxNumberOfMessages messages. With a wait
// time, an empty answer is held back until a send (or a visibility or delay
// deadline) makes a message available, or the wait ends; nothing polls.
#include <set>

#include "common/crypto.h"
#include "services/sqs/message_attributes.h"
#include "services/sqs/queue_attributes.h"
#include "services/sqs/receipt_handle.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {
namespace {

constexpr int64_t kAttemptWindowMs = 5 * 60 * 1000;

constexpr std::string_view kSystemAttributes[] = {
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
};

struct Receive {
  storage::QueueMeta queue;
  bool fifo = false;
  std::string attempt_id;  // FIFO ReceiveRequestAttemptId
  CallContext ctx;
  storage::ReceiveOptions options;
  int64_t deadline_ms = 0;
  bool all_system = false;
  std::set<std::string> system;
  bool all_attrs = false;
  std::vector<std::string> attr_names;  // exact names or "prefix.*"
  Done done;
};

Error Range(std::string_view param, int64_t v, const char* rule) {
  return Error{"InvalidParameterValue", "Value " + std::to_string(v) + " for parameter " +
                                            std::string(param) + " is invalid. Reason: " + rule};
}

bool WantAttribute(const Receive& r, const std::string& name) {
  if (r.all_attrs) return true;
  for (const auto& n : r.attr_names) {
    if (n == name) return true;
    // "prefix.*" selects names starting with the prefix ("Hel.*" matches "Hello").
    if (n.size() >= 2 && n.compare(n.size() - 2, 2, ".*") == 0 &&
        name.compare(0, n.size() - 2, n, 0, n.size() - 2) == 0) {
      return true;
    }
  }
  return false;
}

Value Render(const Sqs& sqs, const Receive& r, std::vector<storage::Delivery>& got) {
  Value list = Value::List();
  for (auto& d : got) {
    Value m = Value::Map();
    m.Set("MessageId", Value::String(d.message.message_id));
    m.Set("ReceiptHandle", Value::String(EncodeReceiptHandle(
                               ReceiptHandle{r.queue.id, d.seq, d.receive_count}, sqs.store->Secret())));
    m.Set("MD5OfBody", Value::String(crypto::Md5Hex(d.message.body)));
    m.Set("Body", Value::String(std::move(d.message.body)));

    Value sys = Value::Map();
    auto want = [&](std::string_view n) { return r.all_system || r.system.count(std::string(n)); };
    if (want("SenderId")) {
      sys.Set("SenderId", Value::String(r.ctx.access_key.empty() ? r.queue.account_id : r.ctx.access_key));
    }
    if (want("ApproximateFirstReceiveTimestamp")) {
      sys.Set("ApproximateFirstReceiveTimestamp", Value::String(std::to_string(d.first_receive_ms)));
    }
    if (want("ApproximateReceiveCount")) {
      sys.Set("ApproximateReceiveCount", Value::String(std::to_string(d.receive_count)));
    }
    if (want("SentTimestamp")) {
      sys.Set("SentTimestamp", Value::String(std::to_string(d.message.sent_ms)));
    }
    if (r.fifo && want("SequenceNumber")) {
      sys.Set("SequenceNumber", Value::String(SequenceNumber(d.seq)));
    }
    if (r.fifo && want("MessageDeduplicationId")) {
      sys.Set("MessageDeduplicationId", Value::String(d.message.dedup_id));
    }
    if (!d.message.group_id.empty() && want("MessageGroupId")) {
      sys.Set("MessageGroupId", Value::String(d.message.group_id));
    }
    if (!d.message.dead_letter_source_arn.empty() && want("DeadLetterQueueSourceArn")) {
      sys.Set("DeadLetterQueueSourceArn", Value::String(d.message.dead_letter_source_arn));
    }
    MessageAttributes system_attrs;
    if (DecodeAttributes(d.message.system_attributes, system_attrs)) {
      for (const auto& a : system_attrs) {
        if (a.name == "AWSTraceHeader" && want("AWSTraceHeader")) {
          sys.Set("AWSTraceHeader", Value::String(a.value));
        }
      }
    }
    if (!sys.members().empty()) m.Set("Attributes", std::move(sys));

    MessageAttributes attrs, returned;
    if (DecodeAttributes(d.message.attributes, attrs)) {
      for (auto& a : attrs) {
        if (WantAttribute(r, a.name)) returned.push_back(std::move(a));
      }
    }
    if (!returned.empty()) {
      m.Set("MD5OfMessageAttributes", Value::String(Md5OfAttributes(returned)));
      m.Set("MessageAttributes", AttributesToValue(returned));
    }
    list.Append(std::move(m));
  }
  Value out = Value::Map();
  if (!list.items().empty()) out.Set("Messages", std::move(list));
  return out;
}

void Attempt(Sqs& sqs, std::shared_ptr<Receive> r) {
  uint64_t generation = sqs.polls.Generation(r->queue.id);
  Sqs* s = &sqs;
  sqs.executor->Post([s, r, generation] {
    r->options.now_ms = s->clock->NowMillis();
    s->store->Receive(r->queue.id, r->options,
                      [s, r, generation](Result<std::vector<storage::Delivery>> got) {
      if (!got.ok()) return r->done(std::move(got).error());
      int64_t now = s->clock->NowMillis();
      if (!got->empty() || now >= r->deadline_ms || s->polls.shutting_down()) {
        Value out = Render(*s, *r, *got);
        if (!r->attempt_id.empty() && !got->empty()) {
          std::lock_guard<std::mutex> lock(s->mu);
          s->attempts[{r->queue.id, r->attempt_id}] = {now + kAttemptWindowMs, out};
        }
        return r->done(std::move(out));
      }
      // Nothing yet: wait for a send, or for the next delay or visibility
      // deadline, whichever is first.
      int64_t wake = r->deadline_ms;
      if (auto next = s->store->NextVisibleAt(r->queue.id, now)) wake = std::min(wake, *next);
      s->polls.Wait(r->queue.id, generation, wake, [s, r] { Attempt(*s, r); });
    });
  });
}

}  // namespace

void ReceiveMessage(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto r = std::make_shared<Receive>();
  r->queue = std::move(q).value();
  r->ctx = ctx;

  auto max = OptionalInt(in, "MaxNumberOfMessages");
  if (max && (*max < 1 || *max > 10)) {
    return done(Range("MaxNumberOfMessages", *max, "Must be between 1 and 10, if provided."));
  }
  auto wait = OptionalInt(in, "WaitTimeSeconds");
  if (wait && (*wait < 0 || *wait > 20)) {
    return done(Range("WaitTimeSeconds", *wait, "Must be >= 0 and <= 20, if provided."));
  }
  auto visibility = OptionalInt(in, "VisibilityTimeout");
  if (visibility && (*visibility < 0 || *visibility > 43200)) {
    return done(Range("VisibilityTimeout", *visibility, "Must be >= 0 and <= 43200, if provided."));
  }
  for (const char* member : {"AttributeNames", "MessageSystemAttributeNames"}) {
    for (const auto& n : StringList(in, member)) {
      bool known = n == "All";
      for (auto k : kSystemAttributes) known = known || k == n;
      if (!known) return done(Error{"InvalidAttributeName", "Unknown Attribute " + n + "."});
      if (n == "All") r->all_system = true;
      r->system.insert(n);
    }
  }
  for (const auto& n : StringList(in, "MessageAttributeNames")) {
    if (n == "All" || n == ".*" || n == "*") r->all_attrs = true;
    r->attr_names.push_back(n);
  }

  r->fifo = IsFifoName(r->queue.name);
  if (auto attempt = in.GetString("ReceiveRequestAttemptId"); attempt && r->fifo) {
    if (attempt->empty() || attempt->size() > 128) {
      return done(Error{"InvalidParameterValue",
                        "Value " + *attempt + " for parameter ReceiveRequestAttemptId is invalid. "
                        "Reason: It can only include alphanumeric and punctuation characters. 1 "
                        "to 128 in length."});
    }
    // A retried receive within five minutes gets the same messages and handles.
    int64_t now = sqs.clock->NowMillis();
    std::lock_guard<std::mutex> lock(sqs.mu);
    for (auto it = sqs.attempts.begin(); it != sqs.attempts.end();) {
      it = it->second.first <= now ? sqs.attempts.erase(it) : std::next(it);
    }
    auto hit = sqs.attempts.find({r->queue.id, *attempt});
    if (hit != sqs.attempts.end()) return done(hit->second.second);
    r->attempt_id = *attempt;
  }
  const auto& attrs = r->queue.attributes;
  r->options.fifo = r->fifo;
  if (auto policy = RedrivePolicyOf(r->queue)) {
    if (auto dlq = QueueByArn(sqs, policy->first)) {
      r->options.max_receive_count = static_cast<int>(policy->second);
      r->options.dead_letter_queue_id = dlq->id;
      r->options.source_arn = QueueArn(sqs, r->queue);
    }
  }
  r->options.max_messages = static_cast<int>(max.value_or(1));
  r->options.visibility_ms =
      visibility.value_or(IntAttribute(attrs, "VisibilityTimeout")) * 1000;
  r->options.retention_ms = IntAttribute(attrs, "MessageRetentionPeriod") * 1000;
  r->options.max_in_flight = sqs.options.max_in_flight;
  int64_t wait_s = wait.value_or(IntAttribute(attrs, "ReceiveMessageWaitTimeSeconds"));
  r->deadline_ms = sqs.clock->NowMillis() + wait_s * 1000;
  r->done = std::move(done);
  Attempt(sqs, std::move(r));
}

}  // namespace sluice::sqs
