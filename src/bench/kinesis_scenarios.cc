// kinesis-put and kinesis-get.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>

#include "bench/engine.h"
#include "bench/kinesis_requests.h"
#include "bench/scenario.h"

namespace sluice::bench {
namespace {

constexpr int kMaxConnections = 10000;
constexpr int kMaxShards = 1000;
constexpr int kMaxReadersPerShard = 100;
constexpr auto kActivePoll = std::chrono::milliseconds(100);
constexpr double kActiveWaitS = 120;
constexpr double kFillTimeCapS = 3600;
constexpr std::string_view kInvalidDataCode = "client:InvalidBase64Data";

// "shardId-000000000007": the id AWS and its emulators give the shard with
// index 7 of a new stream.
std::string ShardIdOf(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shardId-%012d", index);
  return buf;
}

Error SetupError(const std::string& what, const SetupClient::Answer& answer) {
  return MakeError("SetupFailed", what + " failed: HTTP " + std::to_string(answer.status) + " " +
                                      ParseErrorCode(answer.body, answer.status));
}

bool Ok(const SetupClient::Answer& answer) { return answer.status >= 200 && answer.status < 300; }

void Note(const RunOptions& options, const std::string& text) {
  if (!options.quiet) std::fprintf(stderr, "sluice-bench: %s\n", text.c_str());
}

// Stream flags shared by the Kinesis scenarios, and the set-up: CreateStream
// unless the stream exists, then DescribeStreamSummary until it is ACTIVE.
struct StreamFlags {
  std::string stream = "sluice-bench";
  int shards = 4;
  int records = kMaxPutRecordsEntries;
  int64_t record_size = 1024;
  bool no_setup = false;
  int open_shards = 0;  // from DescribeStreamSummary once prepared

  // `writes`: what the PutRecords calls are ("" or " of the fill"), for the help.
  void Bind(CLI::App& cmd, const std::string& writes, const char* no_setup_help) {
    cmd.add_option("--stream", stream, "stream name, created with CreateStream if missing")->capture_default_str();
    cmd.add_option("--shards", shards, "ShardCount of the stream when it is created")->capture_default_str();
    cmd.add_option("--records", records, "records per PutRecords" + writes + " (1-500)")->capture_default_str();
    cmd.add_option("--record-size", record_size, "bytes of data per record" + writes)->capture_default_str();
    cmd.add_flag("--no-setup", no_setup, no_setup_help);
  }

  Status Validate(const RunOptions& options) const {
    if (options.protocol != Protocol::kJson) {
      return MakeError("InvalidFlag", "--protocol is for the SQS scenarios; Kinesis speaks AWS JSON 1.1 only");
    }
    if (stream.empty() || stream.size() > 128) return MakeError("InvalidFlag", "--stream must be 1 to 128 characters");
    for (char c : stream) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
        return MakeError("InvalidFlag", "--stream may contain only letters, digits, '-', '_' and '.'");
      }
    }
    if (shards < 1 || shards > kMaxShards) {
      return MakeError("InvalidFlag", "--shards must be between 1 and " + std::to_string(kMaxShards));
    }
    if (records < 1 || records > kMaxPutRecordsEntries) {
      return MakeError("InvalidFlag", "--records must be between 1 and " + std::to_string(kMaxPutRecordsEntries));
    }
    const int64_t max_size = kMaxRecordBytes - static_cast<int64_t>(kPartitionKeySize);
    if (record_size < 1 || record_size > max_size) {
      return MakeError("InvalidFlag", "--record-size must be between 1 and " + std::to_string(max_size) +
                                          " (1 MiB with the 16-byte partition key)");
    }
    if (RequestBytes() > kMaxPutRecordsBytes) {
      return MakeError("InvalidFlag", "--records × (--record-size + 16) must not exceed 5 MiB (" +
                                          std::to_string(kMaxPutRecordsBytes) + " bytes), a PutRecords limit");
    }
    return {};
  }

  int64_t RequestBytes() const { return records * (record_size + static_cast<int64_t>(kPartitionKeySize)); }

  Status Prepare(SetupClient& client, const RunOptions& options) {
    if (no_setup) return {};
    auto created = client.Call(KinesisCreateStream(stream, shards));
    if (!created.ok()) return created.error();
    if (!Ok(*created) && ParseErrorCode(created->body, created->status) != "ResourceInUseException") {
      return SetupError("CreateStream " + stream, *created);
    }
    if (Ok(*created)) Note(options, "created stream " + stream + " with " + std::to_string(shards) + " shards");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(kActiveWaitS);
    for (;;) {
      auto described = client.Call(KinesisDescribeStreamSummary(stream));
      if (!described.ok()) return described.error();
      if (!Ok(*described)) return SetupError("DescribeStreamSummary " + stream, *described);
      auto summary = ParseStreamSummary(described->body);
      if (!summary) {
        return MakeError("SetupFailed", "the DescribeStreamSummary answer has no StreamDescriptionSummary."
                                        "StreamStatus; pass --no-setup to skip the set-up");
      }
      if (summary->status == "ACTIVE") {
        open_shards = summary->open_shards;
        return {};
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return MakeError("SetupFailed", "stream " + stream + " is still " + summary->status + " after " +
                                            std::to_string(static_cast<int>(kActiveWaitS)) + " s");
      }
      std::this_thread::sleep_for(kActivePoll);
    }
  }

  void AddParameters(std::vector<std::pair<std::string, ParamValue>>& p) const {
    p.emplace_back("stream", stream);
    p.emplace_back("shards", static_cast<int64_t>(no_setup || open_shards == 0 ? shards : open_shards));
    p.emplace_back("records", static_cast<int64_t>(records));
    p.emplace_back("record_size", record_size);
  }
};

// Sends PutRecords calls of --records records with random partition keys;
// limited (takes --requests tickets, follows --rate).
class PutRole final : public ConnectionRole {
 public:
  PutRole(const StreamFlags& flags, int index, uint64_t seed)
      : flags_(flags), seq_(static_cast<uint64_t>(index) << 40), rng_(seed ^ (static_cast<uint64_t>(index) << 32)) {}

  bool limited() const override { return true; }

  std::optional<HttpCall> Next(const RunState&) override {
    const size_t size = static_cast<size_t>(flags_.record_size);
    PutRecordsBuilder builder(flags_.stream, static_cast<size_t>(flags_.records), size);
    for (int i = 0; i < flags_.records; ++i) {
      MakeRecordData(data_, size, seq_++);
      const auto key = MakePartitionKey(SplitMix64(rng_));
      builder.Add(data_, std::string_view(key.data(), key.size()));
    }
    return builder.Finish();
  }

  void OnAnswer(const HttpCall&, std::string_view body, Recorder& rec) override {
    const uint64_t size = static_cast<uint64_t>(flags_.record_size);
    rec.Progress();
    PutRecordsOutcome outcome = ParsePutRecordsResult(body);
    if (!outcome.parsed) {
      rec.Unparsed();
      const uint64_t n = static_cast<uint64_t>(flags_.records);
      rec.MessagesSent(n, n * size);
      return;
    }
    const uint64_t ok = static_cast<uint64_t>(outcome.successful);
    rec.MessagesSent(ok, ok * size);
    rec.EntryErrors(outcome.failed_codes);
  }

 private:
  const StreamFlags& flags_;
  uint64_t seq_;
  uint64_t rng_;
  std::string data_;
};

uint64_t RandomSeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

// Reads one shard: GetShardIterator TRIM_HORIZON, then GetRecords following
// NextShardIterator; at the end of the records (an empty answer, or no next
// iterator on a closed shard) or after a failed call it starts over from
// TRIM_HORIZON, so it reads for as long as the run lasts.
class ReadRole final : public ConnectionRole {
 public:
  ReadRole(const std::string& stream, std::string shard_id, int limit, std::atomic<uint64_t>& passes)
      : stream_(stream), shard_id_(std::move(shard_id)), limit_(limit), passes_(passes) {}

  bool limited() const override { return true; }

  std::optional<HttpCall> Next(const RunState&) override {
    if (iterator_.empty()) return KinesisGetShardIteratorTrimHorizon(stream_, shard_id_);
    return KinesisGetRecords(iterator_, limit_);
  }

  void OnAnswer(const HttpCall& call, std::string_view body, Recorder& rec) override {
    if (call.operation == "GetShardIterator") {
      auto it = ParseShardIterator(body);
      if (!it || it->empty()) {
        rec.Unparsed();
        return;
      }
      iterator_ = std::move(*it);
      return;
    }
    GetRecordsOutcome outcome = ParseGetRecordsResult(body);
    if (!outcome.parsed) {
      rec.Unparsed();
      iterator_.clear();
      return;
    }
    rec.MessagesReceived(outcome.records, outcome.data_bytes);
    if (outcome.invalid_data) {
      rec.EntryErrors(std::vector<std::string>(outcome.invalid_data, std::string(kInvalidDataCode)));
    }
    if (outcome.records > 0) rec.Progress();
    if (outcome.records == 0 || !outcome.next_iterator || outcome.next_iterator->empty()) {
      iterator_.clear();
      passes_.fetch_add(1, std::memory_order_relaxed);
    } else {
      iterator_ = std::move(*outcome.next_iterator);
    }
  }

  void OnFailure(const HttpCall&) override { iterator_.clear(); }

 private:
  const std::string& stream_;
  std::string shard_id_;
  int limit_;
  std::atomic<uint64_t>& passes_;
  std::string iterator_;  // empty: get a TRIM_HORIZON iterator next
};

class KinesisPut final : public Scenario {
 public:
  explicit KinesisPut(CLI::App& cmd) {
    flags_.Bind(cmd, "", "use the stream as it is: no CreateStream, no wait for ACTIVE");
    cmd.add_option("--connections", connections_, "keep-alive connections")->capture_default_str();
  }
  std::string signing_service() const override { return "kinesis"; }
  Status Validate(const RunOptions& options) override {
    options_ = &options;
    if (connections_ < 1 || connections_ > kMaxConnections) {
      return MakeError("InvalidFlag", "--connections must be between 1 and " + std::to_string(kMaxConnections));
    }
    return flags_.Validate(options);
  }
  Status Prepare(SetupClient& client) override { return flags_.Prepare(client, *options_); }
  int connections() const override { return connections_; }
  std::unique_ptr<ConnectionRole> MakeRole(int index) override {
    return std::make_unique<PutRole>(flags_, index, seed_);
  }
  Headline headline() const override { return Headline::kSent; }
  std::vector<std::pair<std::string, ParamValue>> Parameters() const override {
    std::vector<std::pair<std::string, ParamValue>> p;
    flags_.AddParameters(p);
    return p;
  }

 private:
  StreamFlags flags_;
  int connections_ = 8;
  const RunOptions* options_ = nullptr;
  uint64_t seed_ = RandomSeed();
};

// The fill of kinesis-get: PutRecords calls run by the engine.
class Fill final : public Scenario {
 public:
  Fill(const StreamFlags& flags, int connections) : flags_(flags), connections_(connections) {}
  std::string signing_service() const override { return "kinesis"; }
  Status Validate(const RunOptions&) override { return {}; }
  Status Prepare(SetupClient&) override { return {}; }
  int connections() const override { return connections_; }
  std::unique_ptr<ConnectionRole> MakeRole(int index) override {
    return std::make_unique<PutRole>(flags_, index, seed_);
  }
  Headline headline() const override { return Headline::kSent; }
  std::vector<std::pair<std::string, ParamValue>> Parameters() const override { return {}; }

 private:
  const StreamFlags& flags_;
  int connections_;
  uint64_t seed_ = RandomSeed();
};

class KinesisGet final : public Scenario {
 public:
  explicit KinesisGet(CLI::App& cmd) {
    flags_.Bind(cmd, " of the fill",
                "use the stream as it is: no CreateStream, ListShards or fill; read shardId-000000000000 "
                "to the last of --shards");
    cmd.add_option("--readers-per-shard", readers_per_shard_, "connections reading each shard")
        ->capture_default_str();
    cmd.add_option("--limit", limit_, "Limit of each GetRecords (1-10000)")->capture_default_str();
    cmd.add_option("--fill-mb", fill_mb_,
                   "MB (10^6 bytes) of record data to PutRecords first if the stream holds no records; "
                   "a stream that holds records is read as it is")
        ->capture_default_str();
    cmd.add_option("--fill-connections", fill_connections_, "connections sending the fill")->capture_default_str();
  }
  std::string signing_service() const override { return "kinesis"; }
  Status Validate(const RunOptions& options) override {
    options_ = &options;
    if (readers_per_shard_ < 1 || readers_per_shard_ > kMaxReadersPerShard) {
      return MakeError("InvalidFlag",
                       "--readers-per-shard must be between 1 and " + std::to_string(kMaxReadersPerShard));
    }
    if (limit_ < 1 || limit_ > kMaxGetRecordsLimit) {
      return MakeError("InvalidFlag", "--limit must be between 1 and " + std::to_string(kMaxGetRecordsLimit));
    }
    if (!(fill_mb_ >= 0) || fill_mb_ > 1e6) return MakeError("InvalidFlag", "--fill-mb must be between 0 and 1000000");
    if (fill_connections_ < 1 || fill_connections_ > kMaxConnections) {
      return MakeError("InvalidFlag", "--fill-connections must be between 1 and " + std::to_string(kMaxConnections));
    }
    return flags_.Validate(options);
  }

  Status Prepare(SetupClient& client) override {
    if (flags_.no_setup) {
      for (int i = 0; i < flags_.shards; ++i) shard_ids_.push_back(ShardIdOf(i));
      return {};
    }
    if (auto st = flags_.Prepare(client, *options_); !st.ok()) return st;
    if (auto st = ListShards(client); !st.ok()) return st;
    auto has_records = HoldsRecords(client);
    if (!has_records.ok()) return has_records.error();
    if (*has_records) {
      Note(*options_, "stream " + flags_.stream + " holds records; reading them as they are");
      return {};
    }
    if (fill_mb_ <= 0) {
      return MakeError("SetupFailed", "stream " + flags_.stream + " holds no records and --fill-mb is 0");
    }
    return RunFill();
  }

  int connections() const override { return static_cast<int>(shard_ids_.size()) * readers_per_shard_; }
  std::unique_ptr<ConnectionRole> MakeRole(int index) override {
    const std::string& shard = shard_ids_[static_cast<size_t>(index) % shard_ids_.size()];
    return std::make_unique<ReadRole>(flags_.stream, shard, limit_, passes_);
  }
  Headline headline() const override { return Headline::kReceived; }
  std::vector<std::pair<std::string, ParamValue>> Parameters() const override {
    std::vector<std::pair<std::string, ParamValue>> p;
    p.emplace_back("stream", flags_.stream);
    p.emplace_back("shards", static_cast<int64_t>(shard_ids_.size()));
    p.emplace_back("readers_per_shard", static_cast<int64_t>(readers_per_shard_));
    p.emplace_back("limit", static_cast<int64_t>(limit_));
    p.emplace_back("fill_mb", fill_mb_);
    p.emplace_back("filled_records", static_cast<int64_t>(filled_records_));
    p.emplace_back("fill_mb_per_s", fill_mb_per_s_);
    p.emplace_back("fill_records", static_cast<int64_t>(flags_.records));
    p.emplace_back("record_size", flags_.record_size);
    // Times a reader reached the end of its shard and started over.
    p.emplace_back("passes", static_cast<int64_t>(passes_.load()));
    return p;
  }

 private:
  Status ListShards(SetupClient& client) {
    std::string token;
    do {
      auto answer = client.Call(KinesisListShards(flags_.stream, token));
      if (!answer.ok()) return answer.error();
      if (!Ok(*answer)) return SetupError("ListShards " + flags_.stream, *answer);
      auto page = ParseListShards(answer->body);
      if (!page) return MakeError("SetupFailed", "the ListShards answer has no Shards");
      for (auto& id : page->shard_ids) shard_ids_.push_back(std::move(id));
      token = std::move(page->next_token);
    } while (!token.empty());
    if (shard_ids_.empty()) return MakeError("SetupFailed", "stream " + flags_.stream + " has no shards");
    return {};
  }

  // Whether a GetRecords at TRIM_HORIZON of any shard returns a record.
  Result<bool> HoldsRecords(SetupClient& client) {
    for (const std::string& shard : shard_ids_) {
      auto answer = client.Call(KinesisGetShardIteratorTrimHorizon(flags_.stream, shard));
      if (!answer.ok()) return answer.error();
      if (!Ok(*answer)) return SetupError("GetShardIterator " + shard, *answer);
      auto iterator = ParseShardIterator(answer->body);
      if (!iterator) return MakeError("SetupFailed", "the GetShardIterator answer has no ShardIterator");
      auto records = client.Call(KinesisGetRecords(*iterator, 1));
      if (!records.ok()) return records.error();
      if (!Ok(*records)) return SetupError("GetRecords " + shard, *records);
      GetRecordsOutcome outcome = ParseGetRecordsResult(records->body);
      if (!outcome.parsed) return MakeError("SetupFailed", "the GetRecords answer has no Records");
      if (outcome.records > 0) return true;
    }
    return false;
  }

  // PutRecords until --fill-mb of record data is in, through the engine.
  Status RunFill() {
    const double bytes_per_call = static_cast<double>(flags_.records) * static_cast<double>(flags_.record_size);
    RunOptions fill_options = *options_;
    fill_options.requests = static_cast<uint64_t>(std::ceil(fill_mb_ * 1e6 / bytes_per_call));
    fill_options.duration_s = kFillTimeCapS;
    fill_options.rate = 0;
    fill_options.warmup_s = 0;
    Note(*options_, "filling stream " + flags_.stream + " with " + std::to_string(fill_options.requests) +
                        " PutRecords of " + std::to_string(flags_.records) + " × " +
                        std::to_string(flags_.record_size) + " B");
    Fill fill(flags_, fill_connections_);
    const std::atomic<bool> never{false};
    Report report = RunLoad(fill, "kinesis-get fill", fill_options, never);
    filled_records_ = report.messages_sent;
    fill_mb_per_s_ = report.PerSecond(static_cast<double>(report.bytes_sent)) / 1e6;
    char line[200];
    std::snprintf(line, sizeof line, "filled %llu records (%.1f MB) in %.1f s (%.1f MB/s), %llu errors",
                  static_cast<unsigned long long>(report.messages_sent), static_cast<double>(report.bytes_sent) / 1e6,
                  report.elapsed_s, fill_mb_per_s_,
                  static_cast<unsigned long long>(report.errors + report.entry_errors));
    Note(*options_, line);
    if (report.messages_sent == 0) {
      std::string codes;
      for (const auto& [code, n] : report.errors_by_code) codes += " " + code + " ×" + std::to_string(n);
      for (const auto& [code, n] : report.entry_errors_by_code) codes += " " + code + " ×" + std::to_string(n);
      return MakeError("SetupFailed", "the fill wrote no records:" + codes);
    }
    return {};
  }

  StreamFlags flags_;
  int readers_per_shard_ = 1;
  int limit_ = kMaxGetRecordsLimit;
  double fill_mb_ = 256;
  int fill_connections_ = 4;
  const RunOptions* options_ = nullptr;
  std::vector<std::string> shard_ids_;
  uint64_t filled_records_ = 0;
  double fill_mb_per_s_ = 0;
  std::atomic<uint64_t> passes_{0};
};

}  // namespace

void RegisterKinesisScenarios(ScenarioRegistry& registry) {
  registry.Add({"kinesis-put", "PutRecords of --records records with random partition keys to one stream",
                [](CLI::App& cmd) -> std::unique_ptr<Scenario> { return std::make_unique<KinesisPut>(cmd); }});
  registry.Add({"kinesis-get",
                "fills a stream if it is empty, then readers loop GetRecords over every shard from TRIM_HORIZON",
                [](CLI::App& cmd) -> std::unique_ptr<Scenario> { return std::make_unique<KinesisGet>(cmd); }});
}

}  // namespace sluice::bench
