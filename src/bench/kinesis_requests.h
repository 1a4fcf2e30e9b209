// Builders for the Kinesis Data Streams requests the load generator sends
// (AWS JSON 1.1, X-Amz-Target: Kinesis_20131202.<Op>) and parsers for the
// parts of the answers it needs, plus the base64 coding of record data on
// the client's hot path. Pure functions; no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/http_call.h"

namespace sluice::bench {

inline constexpr int kMaxPutRecordsEntries = 500;
inline constexpr int64_t kMaxPutRecordsBytes = 5 * 1024 * 1024;  // data plus partition keys
inline constexpr int64_t kMaxRecordBytes = 1024 * 1024;          // data plus partition key
inline constexpr int kMaxGetRecordsLimit = 10000;

HttpCall KinesisCreateStream(std::string_view stream, int shards);
HttpCall KinesisDescribeStreamSummary(std::string_view stream);
// The first page with `next_token` empty; later pages name only the token.
HttpCall KinesisListShards(std::string_view stream, std::string_view next_token);
HttpCall KinesisGetShardIteratorTrimHorizon(std::string_view stream, std::string_view shard_id);
HttpCall KinesisGetRecords(std::string_view shard_iterator, int limit);

// Builds one PutRecords body record by record, base64-encoding the data
// straight into it.
class PutRecordsBuilder {
 public:
  // `expected_records` and `record_size` only size the buffer up front.
  PutRecordsBuilder(std::string_view stream, size_t expected_records, size_t record_size);
  void Add(std::string_view data, std::string_view partition_key);
  size_t records() const { return records_; }
  HttpCall Finish();

 private:
  std::string body_;
  size_t records_ = 0;
};

// Record data of exactly `size` bytes, distinct per `seq`: the 8 bytes of
// `seq` (big-endian, cut short for smaller records) then pseudo-random bytes
// that depend on `seq`. Binary, as most producers' data is.
void MakeRecordData(std::string& out, size_t size, uint64_t seq);

// splitmix64: advances `state` and returns the next pseudo-random value.
uint64_t SplitMix64(uint64_t& state);

// A partition key of 16 lower-case hex digits for `r`: uniformly spread over
// the hash key space when `r` is.
inline constexpr size_t kPartitionKeySize = 16;
std::array<char, kPartitionKeySize> MakePartitionKey(uint64_t r);

// Standard base64 with padding, appended to `out`.
void AppendBase64(std::string& out, std::string_view bytes);
// Strict standard-alphabet decoding (padding required) of `in` into `out`,
// which must have room for in.size() / 4 * 3 bytes; the decoded length, or
// nullopt on bad input.
std::optional<size_t> DecodeBase64(std::string_view in, char* out);

// The StreamStatus and OpenShardCount of a DescribeStreamSummary answer.
struct StreamSummary {
  std::string status;
  int open_shards = 0;
};
std::optional<StreamSummary> ParseStreamSummary(std::string_view body);

struct ShardPage {
  std::vector<std::string> shard_ids;
  std::string next_token;  // empty: last page
};
std::optional<ShardPage> ParseListShards(std::string_view body);

// The ShardIterator of a GetShardIterator answer.
std::optional<std::string> ParseShardIterator(std::string_view body);

struct PutRecordsOutcome {
  bool parsed = false;  // false: the answer was not a recognisable PutRecords result
  int successful = 0;
  std::vector<std::string> failed_codes;  // ErrorCode of each failed entry
};
PutRecordsOutcome ParsePutRecordsResult(std::string_view body);

struct GetRecordsOutcome {
  bool parsed = false;
  uint64_t records = 0;
  uint64_t data_bytes = 0;    // decoded Data of every record
  uint64_t invalid_data = 0;  // records whose Data was not valid base64
  std::optional<std::string> next_iterator;  // absent at the end of a closed shard
  int64_t millis_behind = -1;                // -1: not in the answer
};
// Reads the answer in one pass without building a document; every record's
// Data is decoded (and the decoded bytes dropped).
GetRecordsOutcome ParseGetRecordsResult(std::string_view body);

}  // namespace sluice::bench
