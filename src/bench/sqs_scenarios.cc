// sqs-send and sqs-cycle.
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>

#include "bench/scenario.h"
#include "bench/sqs_requests.h"

namespace sluice::bench {
namespace {

constexpr int kMaxConnections = 10000;
constexpr int64_t kMaxBodyBytes = 1024 * 1024;

// Queue flags shared by the SQS scenarios.
struct QueueFlags {
  std::string queue = "sluice-bench";
  std::string queue_url;  // set: use as is, no CreateQueue
  int batch = 1;
  int64_t body_size = 100;

  void Bind(CLI::App& cmd, int default_batch) {
    batch = default_batch;
    cmd.add_option("--queue", queue, "queue name, created with CreateQueue if missing")->capture_default_str();
    cmd.add_option("--queue-url", queue_url, "use this queue URL as is (no CreateQueue)");
    cmd.add_option("--batch", batch, "messages per send: 1 = SendMessage, 2-10 = SendMessageBatch")
        ->capture_default_str();
    cmd.add_option("--body-size", body_size, "message body size in bytes")->capture_default_str();
  }

  Status Validate() const {
    if (batch < 1 || batch > kMaxBatchEntries) return MakeError("InvalidFlag", "--batch must be between 1 and 10");
    if (body_size < 1 || body_size > kMaxBodyBytes) {
      return MakeError("InvalidFlag", "--body-size must be between 1 and " + std::to_string(kMaxBodyBytes));
    }
    if (queue_url.empty()) {
      if (queue.empty() || queue.size() > 80) return MakeError("InvalidFlag", "--queue must be 1 to 80 characters");
      for (char c : queue) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
          return MakeError("InvalidFlag", "--queue may contain only letters, digits, '-' and '_'");
        }
      }
    }
    return {};
  }

  // Creates the queue unless a URL was given; leaves the URL in `url`.
  Status Prepare(SetupClient& client, const SqsRequests& requests, std::string& url) const {
    if (!queue_url.empty()) {
      url = queue_url;
      return {};
    }
    auto answer = client.Call(requests.CreateQueue(queue));
    if (!answer.ok()) return answer.error();
    if (answer->status < 200 || answer->status >= 300) {
      return MakeError("SetupFailed", "CreateQueue " + queue + " failed: HTTP " + std::to_string(answer->status) +
                                          " " + ParseErrorCode(answer->body, answer->status));
    }
    auto parsed = ParseQueueUrl(requests.protocol(), answer->body);
    if (!parsed) {
      return MakeError("SetupFailed", "the CreateQueue answer has no QueueUrl; pass --queue-url to skip creation");
    }
    url = *parsed;
    return {};
  }

  void AddParameters(std::vector<std::pair<std::string, ParamValue>>& p, const std::string& url) const {
    p.emplace_back("queue_url", url);
    p.emplace_back("batch", static_cast<int64_t>(batch));
    p.emplace_back("body_size", body_size);
  }
};

bool LooksLikeSendResult(Protocol protocol, std::string_view body) {
  if (protocol == Protocol::kQuery) return body.find("<MessageId>") != std::string_view::npos;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  return !doc.HasParseError() && doc.IsObject() && doc.HasMember("MessageId");
}

// Sends SendMessage or SendMessageBatch calls; limited (takes --requests
// tickets, follows --rate).
class ProducerRole final : public ConnectionRole {
 public:
  ProducerRole(const SqsRequests& requests, const std::string& url, const QueueFlags& flags, int index)
      : requests_(requests), url_(url), flags_(flags), seq_(static_cast<uint64_t>(index) << 40) {}

  bool limited() const override { return true; }

  std::optional<HttpCall> Next(const RunState&) override {
    const size_t size = static_cast<size_t>(flags_.body_size);
    if (flags_.batch == 1) return requests_.SendMessage(url_, MakeMessageBody(size, seq_++));
    bodies_.resize(static_cast<size_t>(flags_.batch));
    for (auto& b : bodies_) b = MakeMessageBody(size, seq_++);
    return requests_.SendMessageBatch(url_, bodies_);
  }

  void OnAnswer(const HttpCall& call, std::string_view body, Recorder& rec) override {
    const uint64_t size = static_cast<uint64_t>(flags_.body_size);
    rec.Progress();
    if (call.operation == "SendMessage") {
      if (!LooksLikeSendResult(requests_.protocol(), body)) rec.Unparsed();
      rec.MessagesSent(1, size);
      return;
    }
    BatchOutcome outcome = ParseBatchResult(requests_.protocol(), body);
    if (!outcome.parsed) {
      rec.Unparsed();
      rec.MessagesSent(static_cast<uint64_t>(flags_.batch), size * static_cast<uint64_t>(flags_.batch));
      return;
    }
    const uint64_t ok = static_cast<uint64_t>(outcome.successful);
    rec.MessagesSent(ok, ok * size);
    rec.EntryErrors(outcome.failed_codes);
  }

 private:
  const SqsRequests& requests_;
  const std::string& url_;
  const QueueFlags& flags_;
  uint64_t seq_;
  std::vector<std::string> bodies_;
};

// Long-polls ReceiveMessage and deletes what it got with DeleteMessageBatch.
// Runs until the time is up or, in a --requests run, until a receive that
// started after every producer finished comes back empty.
class ConsumerRole final : public ConnectionRole {
 public:
  ConsumerRole(const SqsRequests& requests, const std::string& url, int max_messages, int wait_seconds)
      : requests_(requests), url_(url), max_messages_(max_messages), wait_seconds_(wait_seconds) {}

  bool limited() const override { return false; }

  std::optional<HttpCall> Next(const RunState& run) override {
    if (!handles_.empty()) return requests_.DeleteMessageBatch(url_, handles_);
    if (drained_) return std::nullopt;
    receive_after_producers_ = run.limited_active.load(std::memory_order_relaxed) == 0;
    return requests_.ReceiveMessage(url_, max_messages_, wait_seconds_);
  }

  void OnAnswer(const HttpCall& call, std::string_view body, Recorder& rec) override {
    if (call.operation == "ReceiveMessage") {
      ReceiveOutcome outcome = ParseReceiveResult(requests_.protocol(), body);
      if (!outcome.parsed) rec.Unparsed();
      handles_ = std::move(outcome.receipt_handles);
      rec.MessagesReceived(handles_.size(), outcome.body_bytes);
      if (!handles_.empty()) rec.Progress();
      drained_ = receive_after_producers_ && handles_.empty();
      return;
    }
    BatchOutcome outcome = ParseBatchResult(requests_.protocol(), body);
    rec.Progress();
    if (!outcome.parsed) {
      rec.Unparsed();
      rec.MessagesDeleted(handles_.size());
    } else {
      rec.MessagesDeleted(static_cast<uint64_t>(outcome.successful));
      rec.EntryErrors(outcome.failed_codes);
    }
    handles_.clear();
  }

  void OnFailure(const HttpCall& call) override {
    // Undeleted messages come back after their visibility timeout.
    if (call.operation == "DeleteMessageBatch") handles_.clear();
  }

 private:
  const SqsRequests& requests_;
  const std::string& url_;
  int max_messages_;
  int wait_seconds_;
  std::vector<std::string> handles_;
  bool receive_after_producers_ = false;
  bool drained_ = false;
};

class SqsSend final : public Scenario {
 public:
  explicit SqsSend(CLI::App& cmd) {
    flags_.Bind(cmd, 1);
    cmd.add_option("--connections", connections_, "keep-alive connections")->capture_default_str();
  }
  std::string signing_service() const override { return "sqs"; }
  Status Validate(const RunOptions& options) override {
    if (connections_ < 1 || connections_ > kMaxConnections) {
      return MakeError("InvalidFlag", "--connections must be between 1 and " + std::to_string(kMaxConnections));
    }
    requests_.emplace(options.protocol);
    return flags_.Validate();
  }
  Status Prepare(SetupClient& client) override { return flags_.Prepare(client, *requests_, url_); }
  int connections() const override { return connections_; }
  std::unique_ptr<ConnectionRole> MakeRole(int index) override {
    return std::make_unique<ProducerRole>(*requests_, url_, flags_, index);
  }
  Headline headline() const override { return Headline::kSent; }
  std::vector<std::pair<std::string, ParamValue>> Parameters() const override {
    std::vector<std::pair<std::string, ParamValue>> p;
    flags_.AddParameters(p, url_);
    return p;
  }

 private:
  QueueFlags flags_;
  int connections_ = 8;
  std::optional<SqsRequests> requests_;
  std::string url_;
};

class SqsCycle final : public Scenario {
 public:
  explicit SqsCycle(CLI::App& cmd) {
    flags_.Bind(cmd, 10);
    cmd.add_option("--producers", producers_, "connections sending batches")->capture_default_str();
    cmd.add_option("--consumers", consumers_, "connections receiving and deleting")->capture_default_str();
    cmd.add_option("--wait-seconds", wait_seconds_, "WaitTimeSeconds of each ReceiveMessage (0-20)")
        ->capture_default_str();
    cmd.add_option("--max-messages", max_messages_, "MaxNumberOfMessages of each ReceiveMessage (1-10)")
        ->capture_default_str();
  }
  std::string signing_service() const override { return "sqs"; }
  Status Validate(const RunOptions& options) override {
    if (producers_ < 1 || producers_ > kMaxConnections || consumers_ < 1 || consumers_ > kMaxConnections) {
      return MakeError("InvalidFlag",
                       "--producers and --consumers must be between 1 and " + std::to_string(kMaxConnections));
    }
    if (wait_seconds_ < 0 || wait_seconds_ > 20) return MakeError("InvalidFlag", "--wait-seconds must be 0 to 20");
    if (max_messages_ < 1 || max_messages_ > 10) return MakeError("InvalidFlag", "--max-messages must be 1 to 10");
    if (options.timeout_s <= wait_seconds_ + 1) {
      return MakeError("InvalidFlag", "--timeout must exceed --wait-seconds by more than 1 second");
    }
    requests_.emplace(options.protocol);
    return flags_.Validate();
  }
  Status Prepare(SetupClient& client) override { return flags_.Prepare(client, *requests_, url_); }
  int connections() const override { return producers_ + consumers_; }
  std::unique_ptr<ConnectionRole> MakeRole(int index) override {
    if (IsProducer(index)) return std::make_unique<ProducerRole>(*requests_, url_, flags_, index);
    return std::make_unique<ConsumerRole>(*requests_, url_, max_messages_, wait_seconds_);
  }
  Headline headline() const override { return Headline::kDeleted; }
  std::vector<std::pair<std::string, ParamValue>> Parameters() const override {
    std::vector<std::pair<std::string, ParamValue>> p;
    flags_.AddParameters(p, url_);
    p.emplace_back("producers", static_cast<int64_t>(producers_));
    p.emplace_back("consumers", static_cast<int64_t>(consumers_));
    p.emplace_back("wait_seconds", static_cast<int64_t>(wait_seconds_));
    p.emplace_back("max_messages", static_cast<int64_t>(max_messages_));
    return p;
  }

 private:
  // Producers and consumers alternate while both remain, then the rest.
  bool IsProducer(int index) const {
    const int paired = 2 * std::min(producers_, consumers_);
    if (index < paired) return index % 2 == 0;
    return producers_ > consumers_;
  }

  QueueFlags flags_;
  int producers_ = 4;
  int consumers_ = 4;
  int wait_seconds_ = 1;
  int max_messages_ = 10;
  std::optional<SqsRequests> requests_;
  std::string url_;
};

}  // namespace

void RegisterSqsScenarios(ScenarioRegistry& registry) {
  registry.Add({"sqs-send", "SendMessage (--batch 1) or SendMessageBatch to one queue",
                [](CLI::App& cmd) -> std::unique_ptr<Scenario> { return std::make_unique<SqsSend>(cmd); }});
  registry.Add({"sqs-cycle",
                "producers send batches; consumers long-poll ReceiveMessage and DeleteMessageBatch what they get",
                [](CLI::App& cmd) -> std::unique_ptr<Scenario> { return std::make_unique<SqsCycle>(cmd); }});
}

}  // namespace sluice::bench
