// Builders for the SQS requests the load generator sends, and parsers for the
// parts of the answers it needs (queue URL, receipt handles, batch outcomes,
// error codes), in both wire protocols. Pure functions; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/http_call.h"

namespace sluice::bench {

inline constexpr int kMaxBatchEntries = 10;

class SqsRequests {
 public:
  explicit SqsRequests(Protocol protocol) : protocol_(protocol) {}
  Protocol protocol() const { return protocol_; }

  HttpCall CreateQueue(std::string_view queue_name) const;
  HttpCall SendMessage(std::string_view queue_url, std::string_view body) const;
  // Entry ids are "0", "1", ... in the order of `bodies` (1 to 10 entries).
  HttpCall SendMessageBatch(std::string_view queue_url, const std::vector<std::string>& bodies) const;
  HttpCall ReceiveMessage(std::string_view queue_url, int max_messages, int wait_seconds) const;
  // Entry ids are "0", "1", ... in the order of `receipt_handles`.
  HttpCall DeleteMessageBatch(std::string_view queue_url, const std::vector<std::string>& receipt_handles) const;

 private:
  HttpCall Json(std::string operation, std::string body) const;
  HttpCall Query(std::string operation, std::string form) const;
  Protocol protocol_;
};

// A message body of exactly `size` bytes, distinct per `seq`: "m<seq>-" then
// letters. Printable ASCII, so no escaping is needed on either protocol.
std::string MakeMessageBody(size_t size, uint64_t seq);

// The QueueUrl member of a CreateQueue (or GetQueueUrl) answer.
std::optional<std::string> ParseQueueUrl(Protocol protocol, std::string_view body);

struct BatchOutcome {
  bool parsed = false;  // false: the answer was not a recognisable batch result
  int successful = 0;
  std::vector<std::string> failed_codes;  // one per failed entry
};
BatchOutcome ParseBatchResult(Protocol protocol, std::string_view body);

struct ReceiveOutcome {
  bool parsed = false;
  std::vector<std::string> receipt_handles;
  uint64_t body_bytes = 0;  // sum of the received message bodies
};
ReceiveOutcome ParseReceiveResult(Protocol protocol, std::string_view body);

std::string JsonEscape(std::string_view in);

}  // namespace sluice::bench
