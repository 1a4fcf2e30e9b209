#include "services/sqs/sqs_service.h"

#include <unordered_map>

#include "common/crypto.h"
#include "common/strings.h"
#include "services/sqs/queue_attributes.h"
#include <cstdio>
#include <set>
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

// ---------------------------------------------------------------- LongPolls

uint64_t LongPolls::Generation(uint64_t queue_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_[queue_id];
}

void LongPolls::Wait(uint64_t queue_id, uint64_t seen, int64_t at_ms, Wake wake) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_ || generation_[queue_id] != seen) {
      executor_->Post(std::move(wake));
      return;
    }
    id = next_id_++;
    auto& slot = waiters_[queue_id][id];
    slot.id = id;
    slot.wake = std::move(wake);
    slot.timer = 0;
  }
  // The timer fires the waiter unless a notification took it first.
  uint64_t timer = executor_->RunAt(at_ms, [this, queue_id, id] {
    Wake w;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto q = waiters_.find(queue_id);
      if (q == waiters_.end()) return;
      auto it = q->second.find(id);
      if (it == q->second.end()) return;
      w = std::move(it->second.wake);
      q->second.erase(it);
      if (q->second.empty()) waiters_.erase(q);
    }
    w();
  });
  std::lock_guard<std::mutex> lock(mu_);
  auto q = waiters_.find(queue_id);
  if (q != waiters_.end()) {
    auto it = q->second.find(id);
    if (it != q->second.end()) it->second.timer = timer;
  }
}

void LongPolls::Notify(uint64_t queue_id) {
  std::map<uint64_t, Waiter> woken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_[queue_id];
    auto q = waiters_.find(queue_id);
    if (q == waiters_.end()) return;
    woken.swap(q->second);
    waiters_.erase(q);
  }
  for (auto& [id, w] : woken) {
    if (w.timer) executor_->Cancel(w.timer);
    executor_->Post(std::move(w.wake));
  }
}

void LongPolls::Shutdown() {
  std::map<uint64_t, std::map<uint64_t, Waiter>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
    all.swap(waiters_);
  }
  for (auto& [q, ws] : all) {
    for (auto& [id, w] : ws) {
      if (w.timer) executor_->Cancel(w.timer);
      w.wake();
    }
  }
}

// ---------------------------------------------------------------- helpers

Error MissingParameter(std::string_view name) {
  return Error{"MissingParameter", "The request must contain the parameter " + std::string(name) + "."};
}

Error QueueDoesNotExist() {
  return Error{"QueueDoesNotExist", "The specified queue does not exist."};
}

std::string QueueUrl(const Sqs& sqs, const CallContext& ctx, const storage::QueueMeta& q) {
  std::string host = ctx.host.empty() ? sqs.options.fallback_host : ctx.host;
  return ctx.scheme + "://" + host + "/" + q.account_id + "/" + q.name;
}

std::string QueueArn(const Sqs& sqs, const storage::QueueMeta& q) {
  return "arn:aws:sqs:" + sqs.options.region + ":" + q.account_id + ":" + q.name;
}

bool IsFifoName(std::string_view name) {
  return name.size() >= 5 && name.substr(name.size() - 5) == ".fifo";
}

Result<storage::QueueMeta> ResolveQueue(const Sqs& sqs, const CallContext& ctx, const Value& input) {
  auto url = input.GetString("QueueUrl");
  if (!url || url->empty()) return MissingParameter("QueueUrl");
  // Accept full URLs ("http://host/123456789012/name") and bare paths.
  std::string_view u = *url;
  size_t scheme = u.find("://");
  if (scheme != std::string_view::npos) {
    size_t slash = u.find('/', scheme + 3);
    u = slash == std::string_view::npos ? std::string_view() : u.substr(slash);
  }
  while (!u.empty() && u.front() == '/') u.remove_prefix(1);
  while (!u.empty() && u.back() == '/') u.remove_suffix(1);
  size_t sep = u.find('/');
  if (sep == std::string_view::npos || u.find('/', sep + 1) != std::string_view::npos) {
    return QueueDoesNotExist();
  }
  std::string_view account = u.substr(0, sep);
  std::string_view name = u.substr(sep + 1);
  if (ctx.authenticated && account != ctx.account_id) {
    return Error{"AccessDenied", "Access to the resource " + *url + " is denied.", 403, true};
  }
  auto q = sqs.store->FindQueue(account, name);
  if (!q) return QueueDoesNotExist();
  return *q;
}

storage::SendOptions SendOptionsFor(const Sqs& sqs, const storage::QueueMeta& q) {
  storage::SendOptions o;
  o.fifo = IsFifoName(q.name);
  o.dedup_per_group = EffectiveAttribute(q.attributes, "DeduplicationScope") == "messageGroup";
  o.now_ms = sqs.clock->NowMillis();
  return o;
}

std::string SequenceNumber(uint64_t seq) {
  // 20 digits that sort and compare like the numbers they are.
  char buf[32];
  std::snprintf(buf, sizeof buf, "1%019llu", static_cast<unsigned long long>(seq));
  return buf;
}

Result<const Value::Items*> CheckBatch(const Value& in, std::string_view entries_member,
                                       std::string_view entry_name) {
  const Value* entries = in.Find(entries_member);
  if (!entries || !entries->is_list() || entries->items().empty()) {
    return Error{"EmptyBatchRequest",
                 "There should be at least one " + std::string(entry_name) + " in the request."};
  }
  size_t n = entries->items().size();
  if (n > 10) {
    return Error{"TooManyEntriesInBatchRequest",
                 "Maximum number of entries per request are 10. You have sent " + std::to_string(n) + "."};
  }
  std::set<std::string> seen;
  for (const Value& e : entries->items()) {
    auto id = e.GetString("Id");
    if (!id) return MissingParameter(std::string(entry_name) + ".Id");
    bool valid = !id->empty() && id->size() <= 80;
    for (char c : *id) {
      valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_');
    }
    if (!valid) {
      return Error{"InvalidBatchEntryId",
                   "A batch entry id can only contain alphanumeric characters, hyphens and "
                   "underscores. It can be at most 80 letters long."};
    }
    if (!seen.insert(*id).second) {
      return Error{"BatchEntryIdsNotDistinct", "Id " + *id + " repeated."};
    }
  }
  return &entries->items();
}

Value BatchError(const std::string& id, const Error& e) {
  Value v = Value::Map();
  v.Set("Id", Value::String(id));
  v.Set("SenderFault", Value::Bool(e.http_status < 500));
  v.Set("Code", Value::String(e.code));
  v.Set("Message", Value::String(e.message));
  return v;
}

std::optional<std::pair<std::string, std::string>> ParseQueueArn(std::string_view arn) {
  // arn:aws:sqs:<region>:<account>:<name>
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t c = arn.find(':', start);
    if (c == std::string_view::npos) return std::nullopt;
    parts.push_back(arn.substr(start, c - start));
    start = c + 1;
  }
  std::string_view name = arn.substr(start);
  if (parts[0] != "arn" || parts[2] != "sqs" || parts[4].empty() || name.empty()) return std::nullopt;
  return std::make_pair(std::string(parts[4]), std::string(name));
}

std::optional<storage::QueueMeta> QueueByArn(const Sqs& sqs, std::string_view arn) {
  auto parsed = ParseQueueArn(arn);
  if (!parsed) return std::nullopt;
  auto q = sqs.store->FindQueue(parsed->first, parsed->second);
  if (!q || QueueArn(sqs, *q) != arn) return std::nullopt;
  return q;
}

std::optional<Error> CheckVisibilityTimeout(int64_t timeout) {
  if (timeout >= 0 && timeout <= 43200) return std::nullopt;
  return Error{"InvalidParameterValue",
               "Value " + std::to_string(timeout) +
                   " for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and "
                   "43200, if provided."};
}

Error VisibilityChangeError(const Error& e, const std::string& handle, int64_t timeout) {
  if (e.code == "ReceiptHandleStale") {
    return Error{"InvalidParameterValue",
                 "Value " + handle +
                     " for parameter ReceiptHandle is invalid. Reason: Message does not exist or "
                     "is not available for visibility timeout change."};
  }
  if (e.code == "VisibilityLimit") {
    return Error{"InvalidParameterValue",
                 "Value " + std::to_string(timeout) +
                     " for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout "
                     "for the message is beyond the limit [43200 seconds]"};
  }
  if (e.code == "MessageNotInflight") {
    return Error{"MessageNotInflight", "The message referred to isn't in flight."};
  }
  return e;
}

Result<Value> QueueUrlPage(const Sqs& sqs, const CallContext& ctx, const Value& in,
                           const std::vector<storage::QueueMeta>& queues, const QueuePageRules& rules) {
  auto max = OptionalInt(in, "MaxResults");
  auto token = in.GetString("NextToken");
  if (max && (*max < 1 || *max > 1000)) {
    return Error{"InvalidParameterValue",
                 "Value " + std::to_string(*max) +
                     " for parameter MaxResults is invalid. Reason: MaxResults must be an integer "
                     "between 1 and 1000."};
  }
  if (rules.token_needs_max && token && !max) {
    return Error{"InvalidParameterValue",
                 "MaxResults is a mandatory parameter when you provide a value for NextToken."};
  }
  std::string after;
  if (token && !token->empty()) {
    auto decoded = crypto::Base64UrlDecode(*token);
    if (!decoded || decoded->rfind("v1:", 0) != 0) {
      return Error{"InvalidParameterValue", "Invalid NextToken value."};
    }
    after = decoded->substr(3);
  }
  Value urls = Value::List();
  size_t limit = max ? static_cast<size_t>(*max) : 1000;
  std::string last;
  bool more = false;
  for (const auto& q : queues) {
    if (!after.empty() && q.name <= after) continue;
    if (urls.items().size() == limit) {
      more = true;
      break;
    }
    urls.Append(Value::String(QueueUrl(sqs, ctx, q)));
    last = q.name;
  }
  Value out = Value::Map();
  if (rules.always_list || !urls.items().empty()) out.Set(std::string(rules.list_member), std::move(urls));
  if (more && max) out.Set("NextToken", Value::String(crypto::Base64UrlEncode("v1:" + last)));
  return out;
}

// ---------------------------------------------------------------- service

SqsService::SqsService(storage::QueueStore* store, const Clock* clock, Executor* executor,
                       SqsOptions options)
    : state_(std::make_shared<State>(store, clock, executor, std::move(options))) {
  std::weak_ptr<State> weak = state_;
  store->SetAvailabilityListener([weak](uint64_t queue_id) {
    if (auto s = weak.lock()) s->polls.Notify(queue_id);
  });
  ResumeMoveTasks(state_);
}

SqsService::~SqsService() {
  state_->store->SetAvailabilityListener(nullptr);
  Shutdown();
}

void SqsService::Shutdown() { state_->polls.Shutdown(); }

std::string SqsService::HealthState() const {
  return state_->polls.shutting_down() ? "stopping" : "running";
}

void SqsService::Invoke(const CallContext& ctx, std::string_view op, Value input, Done done) {
  using Action = void (*)(Sqs&, const CallContext&, const Value&, Done);
  static const std::unordered_map<std::string_view, Action> kActions = {
      {"CreateQueue", &CreateQueue},
      {"GetQueueUrl", &GetQueueUrl},
      {"ListQueues", &ListQueues},
      {"DeleteQueue", &DeleteQueue},
      {"GetQueueAttributes", &GetQueueAttributes},
      {"SetQueueAttributes", &SetQueueAttributes},
      {"SendMessage", &SendMessage},
      {"ReceiveMessage", &ReceiveMessage},
      {"DeleteMessage", &DeleteMessage},
      {"ChangeMessageVisibility", &ChangeMessageVisibility},
      {"SendMessageBatch", &SendMessageBatch},
      {"DeleteMessageBatch", &DeleteMessageBatch},
      {"ChangeMessageVisibilityBatch", &ChangeMessageVisibilityBatch},
      {"PurgeQueue", &PurgeQueue},
      {"TagQueue", &TagQueue},
      {"UntagQueue", &UntagQueue},
      {"ListQueueTags", &ListQueueTags},
      {"AddPermission", &AddPermission},
      {"RemovePermission", &RemovePermission},
      {"ListDeadLetterSourceQueues", &ListDeadLetterSourceQueues},
      {"StartMessageMoveTask", &StartMessageMoveTask},
      {"ListMessageMoveTasks", &ListMessageMoveTasks},
      {"CancelMessageMoveTask", &CancelMessageMoveTask},
  };
  auto it = kActions.find(op);
  if (it == kActions.end()) {
    return done(Error{"UnsupportedOperation",
                      "The operation " + std::string(op) + " is not supported yet by this server."});
  }
  // Actions capture the state they need; keep it alive until they answer.
  auto state = state_;
  it->second(*state, ctx, input, [state, done = std::move(done)](Result<Value> r) {
    done(std::move(r));
  });
}

}  // namespace sluice::sqs
