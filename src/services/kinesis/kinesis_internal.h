// Shared by the Kinesis action files; not part of the module's interface.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/executor.h"
#include "common/service.h"
#include "services/kinesis/hash_key.h"
#include "services/kinesis/kinesis_service.h"
#include "services/kinesis/throttle.h"
#include "storage/stream_store.h"

namespace sluice::kinesis {

using Done = Service::Done;
using storage::ConsumerMeta;
using storage::ShardMeta;
using storage::StreamMeta;

inline constexpr int64_t kMiB = 1 << 20;
inline constexpr int64_t kMaxPutRecordsBytes = 10 * kMiB;   // PutRecords, whole request
inline constexpr int64_t kMaxGetRecordsBytes = 10 * kMiB;   // GetRecords, one call
inline constexpr int kMaxGetRecordsLimit = 10'000;
inline constexpr uint32_t kOnDemandInitialShards = 4;
inline constexpr int64_t kMaxCreatingStreams = 5;
inline constexpr size_t kMaxTagsPerResource = 50;
inline constexpr size_t kMaxConsumersPerStream = 20;
inline constexpr int64_t kMinRetentionHours = 24;
inline constexpr int64_t kMaxRetentionHours = 8760;
inline constexpr int64_t kMaxShardsPerStream = 10'000;
inline constexpr int64_t kNextTokenLifetimeMs = 300'000;

// Runs catalogue changes one at a time: a task reads the stream, changes it
// and writes it back, and the next one starts only once the write is durable
// and the task calls `release` (exactly once, from any thread).
class MetaQueue {
 public:
  using Release = std::function<void()>;
  using Task = std::function<void(Release release)>;
  void Submit(Task task);

 private:
  void Drain();
  std::mutex mu_;
  std::deque<Task> tasks_;  // GUARDED_BY(mu_)
  bool busy_ = false;       // GUARDED_BY(mu_)
};

struct KinesisService::State : std::enable_shared_from_this<KinesisService::State> {
  storage::StreamStore* store;
  const Clock* clock;
  Executor* executor;
  KinesisOptions options;
  std::string secret;  // shard iterators and list tokens
  MetaQueue meta;
  ShardLimiter limiter;
  std::mutex mu;
  std::map<uint64_t, int64_t> last_trim_ms;  // GUARDED_BY(mu): by stream id
  uint64_t trim_timer = 0;                   // GUARDED_BY(mu)
  bool stopped = false;                      // GUARDED_BY(mu)

  State(storage::StreamStore* s, const Clock* c, Executor* e, KinesisOptions o);
  int64_t Now() const { return clock->NowMillis(); }
};
using Kinesis = KinesisService::State;

// ---------------------------------------------------------------- names and ARNs

std::string StreamArn(const Kinesis& k, std::string_view account, std::string_view name);
std::string StreamArn(const Kinesis& k, const StreamMeta& s);
// arn:aws:kinesis:<region>:<account>:stream/<name>/consumer/<consumer>:<creation epoch seconds>
std::string ConsumerArn(const Kinesis& k, const StreamMeta& s, std::string_view consumer,
                        int64_t created_ms);
std::string ShardIdString(uint32_t index);  // "shardId-000000000007"
// "shardId-000000000007", "shardId-7" or "7"; nullopt otherwise.
std::optional<uint32_t> ParseShardId(std::string_view text);

struct ArnParts {
  std::string account;
  std::string stream;
  std::string consumer;        // empty for a stream ARN
  int64_t consumer_epoch = 0;  // seconds, consumer ARNs only
};
// Stream and consumer ARNs of any partition and region; nullopt otherwise.
std::optional<ArnParts> ParseArn(std::string_view arn);

// ---------------------------------------------------------------- status

// The stream's status now: CREATING and UPDATING end transition_ms after
// they began.
std::string StatusOf(const Kinesis& k, const StreamMeta& s, int64_t now);
// A DELETING stream whose deletion has completed (only the store still has it).
bool IsGone(const Kinesis& k, const StreamMeta& s, int64_t now);
std::string ConsumerStatusOf(const Kinesis& k, const ConsumerMeta& c, int64_t now);
bool IsOpen(const ShardMeta& shard);
int64_t RetentionMs(const StreamMeta& s);
// A closed shard whose records have all passed the retention period; AWS no
// longer lists it.
bool IsExpired(const StreamMeta& s, const ShardMeta& shard, int64_t now);
const ShardMeta* FindShard(const StreamMeta& s, uint32_t index);
ShardMeta* FindShard(StreamMeta& s, uint32_t index);
// The open shard whose hash key range holds `key`.
const ShardMeta* RouteShard(const StreamMeta& s, HashKey key);
int64_t OpenShardCount(const StreamMeta& s);
// Adds a shard taking the next index; created now, open.
ShardMeta& AddShard(StreamMeta& s, HashKey start, HashKey end, int64_t now,
                    std::optional<uint32_t> parent, std::optional<uint32_t> adjacent_parent);
// Closes an open shard; the store sets its ending sequence number.
void CloseShard(ShardMeta& shard, int64_t now);
// The account's shard limit, and its open shards over provisioned streams
// (leaving out `except`).
int64_t ShardLimit(const Kinesis& k);
int64_t AccountOpenShards(const Kinesis& k, std::string_view account, uint64_t except = 0);

// ---------------------------------------------------------------- errors

Error InvalidArgument(std::string message);
Error StreamNotFound(std::string_view name, std::string_view account);
Error NotActive(const StreamMeta& s, std::string_view status);
Error ShardNotFound(std::string_view shard_id, const StreamMeta& s);  // "Could not find shard ..."
Error ShardDoesNotExist(std::string_view shard_id, std::string_view stream,
                        std::string_view account);
Error RateExceeded(const StreamMeta& s, uint32_t shard);
Error ShardLimitExceeded(const Kinesis& k, std::string_view account, int64_t current,
                         int64_t additional);

// ---------------------------------------------------------------- lookup

// What an operation needs of the stream's status.
enum class Need {
  kAny,       // describe: every status
  kData,      // records: not while CREATING (not found); DELETING still serves
  kExisting,  // tags, consumers, policies: not while CREATING or DELETING (not found)
  kActive,    // changes: ACTIVE only (ResourceInUseException otherwise)
};
// The stream named by the input's StreamName and/or StreamARN.
Result<StreamMeta> FindStream(const Kinesis& k, const CallContext& ctx, const Value& in, Need need);
Result<StreamMeta> FindStreamByArn(const Kinesis& k, const CallContext& ctx, std::string_view arn,
                                   Need need);
Result<StreamMeta> CheckStatus(const Kinesis& k, StreamMeta s, Need need);

// Changes a stream under the catalogue queue: `locate` finds it, `change`
// edits it (or fails) and returns the operation's output; the edit is
// written before `done` runs.
using Locate = std::function<Result<StreamMeta>()>;
using Change = std::function<Result<Value>(StreamMeta& stream, int64_t now)>;
void MutateStream(Kinesis& k, Locate locate, Change change, Done done);
// The usual locate: the input's StreamName/StreamARN with a status need.
Locate ByInput(const Kinesis& k, const CallContext& ctx, const Value& in, Need need);

// Removes a deleted stream's records once its DELETING time is over.
void FinishDeletion(std::shared_ptr<Kinesis> k, uint64_t stream_id);

// ---------------------------------------------------------------- rendering

Value ShardValue(const Kinesis& k, const StreamMeta& s, const ShardMeta& shard);
Value HashKeyRangeValue(const ShardMeta& shard);
// The ChildShards member that ends a closed shard's reads (GetRecords,
// SubscribeToShard): the shards `shard` was split or merged into.
Value ChildShardsValue(const StreamMeta& s, uint32_t shard);
Value EnhancedMonitoringValue(const StreamMeta& s);
Value StreamModeValue(const StreamMeta& s);
// Shards AWS lists (not expired), by index.
std::vector<const ShardMeta*> ListedShards(const StreamMeta& s, int64_t now);
std::string SequenceNumberOf(const StreamMeta& s, uint32_t shard, uint64_t seq);

// ---------------------------------------------------------------- records

// A validated PutRecord input or PutRecords entry.
struct PreparedRecord {
  storage::AppendEntry entry;
  int64_t size = 0;  // data + partition key, what the record size limit counts
};
Result<PreparedRecord> PrepareRecord(const StreamMeta& s, const Value& in);
Value RecordValue(const StreamMeta& s, uint32_t shard, const storage::StreamRecord& r);
// Checks SequenceNumberForOrdering (PutRecord).
Status CheckOrderingNumber(const Kinesis& k, const StreamMeta& s, std::string_view number);

// Enhanced monitoring: the seven shard-level metrics, and the change both
// Enable/DisableEnhancedMonitoring make.
const std::vector<std::string>& AllShardMetrics();
void ChangeMonitoring(Kinesis& k, const CallContext& ctx, const Value& in, bool enable, Done done);

// RetentionPeriodHours within 24..8760 (AWS's texts).
Status CheckRetentionRange(int64_t hours);

// ---------------------------------------------------------------- input helpers

std::optional<bool> OptionalBool(const Value& in, std::string_view name);
std::optional<int64_t> OptionalTimestamp(const Value& in, std::string_view name);
// Opaque pagination tokens: text sealed and base64url-encoded.
std::string SealToken(const Kinesis& k, std::string_view payload);
std::optional<std::string> OpenToken(const Kinesis& k, std::string_view token);

// ---------------------------------------------------------------- tags and policies

// Tags live in the stream's metadata; a consumer's tags and the policies in
// its `extra` map under these keys.
std::string ConsumerTagsKey(std::string_view consumer);
std::string PolicyKey(std::string_view consumer);  // "" for the stream itself
std::map<std::string, std::string> DecodeTags(const std::string& encoded);
std::string EncodeTags(const std::map<std::string, std::string>& tags);
// Checks keys and values of tags being added (AddTagsToStream, TagResource,
// CreateStream, RegisterStreamConsumer). `what` names the resource in errors.
Status ValidateTagsToAdd(const std::map<std::string, std::string>& tags, std::string_view verb,
                         std::string_view what);
// Merges tags into `existing` within the per-resource limit.
Status AddTags(std::map<std::string, std::string>& existing,
               const std::map<std::string, std::string>& tags, std::string_view what);

// A resource named by ResourceARN (tags, policies): a stream or one of its consumers.
struct Resource {
  StreamMeta stream;
  std::string consumer;  // empty: the stream
};
Result<Resource> FindResource(const Kinesis& k, const CallContext& ctx, std::string_view arn,
                              Need need);
const ConsumerMeta* FindConsumer(const StreamMeta& s, std::string_view name);
Value ConsumerValue(const Kinesis& k, const ConsumerMeta& c, int64_t now);
// The consumer named by ConsumerARN, or by StreamARN and ConsumerName.
Result<std::pair<StreamMeta, ConsumerMeta>> FindConsumerOf(const Kinesis& k, const CallContext& ctx,
                                                         const Value& in);
// The locate of operations on a ResourceARN: the stream it is or belongs to.
Locate ByResource(const Kinesis& k, const CallContext& ctx, std::string arn, Need need);
// The tags of the stream (consumer empty) or of one of its consumers, which
// are decoded into `scratch` and must be written back by the caller.
std::map<std::string, std::string>* ResourceTags(StreamMeta& s, const std::string& consumer,
                                                 std::map<std::string, std::string>& scratch);

// ---------------------------------------------------------------- actions, one file each

void AddTagsToStream(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void CreateStream(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void DecreaseStreamRetentionPeriod(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void DeleteResourcePolicy(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void DeleteStream(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void DeregisterStreamConsumer(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void DescribeLimits(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void DescribeStream(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void DescribeStreamConsumer(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void DescribeStreamSummary(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void DisableEnhancedMonitoring(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void EnableEnhancedMonitoring(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void GetRecords(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void GetResourcePolicy(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void GetShardIterator(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void IncreaseStreamRetentionPeriod(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void ListShards(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void ListStreamConsumers(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void ListStreams(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void ListTagsForResource(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void ListTagsForStream(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void MergeShards(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void PutRecord(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void PutRecords(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void PutResourcePolicy(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void RegisterStreamConsumer(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void RemoveTagsFromStream(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void SplitShard(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void StartStreamEncryption(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void StopStreamEncryption(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void SubscribeToShard(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void TagResource(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void UntagResource(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void UpdateMaxRecordSize(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void UpdateShardCount(Kinesis& k, const CallContext& ctx, const Value& in, Done done);
void UpdateStreamMode(Kinesis& k, const CallContext& ctx, const Value& in, Done done);

}  // namespace sluice::kinesis
