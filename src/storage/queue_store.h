// QueueStore: durable queue state with SQS delivery semantics, independent of
// the storage engine and of the wire.
//
// The service layer validates requests and renders answers; the store owns
// what must survive a crash (queues, messages, receive counts, visibility
// deadlines, delays) and the claim logic (which message a receive gets), so
// that a backend over a shared database can implement the same interface.
//
// Asynchronous calls complete through `done` once their writes are durable;
// `done` may run on a storage thread, so it must not block. Synchronous calls
// touch memory only and are safe on any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/kv_store.h"

namespace sluice::storage {

struct QueueMeta {
  uint64_t id = 0;  // unique for each creation, never reused; assigned by PutQueue
  std::string account_id;
  std::string name;
  std::map<std::string, std::string> attributes;  // settable attributes, by AWS name
  std::map<std::string, std::string> tags;
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
};

struct StoredMessage {
  std::string message_id;
  std::string body;
  std::string attributes;         // opaque to the store (encoded by the service)
  std::string system_attributes;  // opaque to the store
  int64_t sent_ms = 0;
  int64_t visible_at_ms = 0;      // sent_ms plus any delay
  std::string group_id;           // FIFO message group, or fair-queue tenant; empty when none
  std::string dedup_id;           // FIFO deduplication id; empty on standard queues
  std::string dead_letter_source_arn;  // the queue it came from, once moved to a dead-letter queue
};

struct SendOptions {
  bool fifo = false;              // deduplicate by dedup_id within the window
  bool dedup_per_group = false;   // DeduplicationScope=messageGroup
  int64_t dedup_window_ms = 300'000;
  int64_t now_ms = 0;
};

struct SendOutcome {
  uint64_t seq = 0;
  std::string message_id;  // the original's id when the send was a duplicate
  bool duplicate = false;
};

struct Delivery {
  uint64_t seq = 0;
  uint32_t receive_count = 0;  // after this receive; also the receipt's epoch
  int64_t first_receive_ms = 0;
  StoredMessage message;
};

struct QueueCounts {
  int64_t visible = 0;    // ApproximateNumberOfMessages
  int64_t in_flight = 0;  // ApproximateNumberOfMessagesNotVisible
  int64_t delayed = 0;    // ApproximateNumberOfMessagesDelayed
};

struct ReceiveOptions {
  int max_messages = 1;
  int64_t visibility_ms = 30'000;
  int64_t now_ms = 0;
  int64_t retention_ms = 345'600'000;  // messages older than this are dropped, not delivered
  int64_t max_in_flight = 120'000;     // OverLimit when reached
  // FIFO: deliver each group's messages in order, none while one is in flight.
  bool fifo = false;
  // Standard queues with tenants (group ids): serve tenants holding no more
  // than their share of in-flight messages before those holding more.
  bool fair = true;
  // Redrive: a message already received max_receive_count times moves to the
  // dead-letter queue instead of being delivered (0 disables).
  int max_receive_count = 0;
  uint64_t dead_letter_queue_id = 0;
  std::string source_arn;  // recorded on moved messages
};

enum class HandleState {
  kCurrent,   // the message exists and this is its latest receive
  kStale,     // the message was received again since
  kGone,      // the message no longer exists
};

class QueueStore {
 public:
  template <typename T>
  using Done = std::function<void(Result<T>)>;
  using AvailabilityListener = std::function<void(uint64_t queue_id)>;

  virtual ~QueueStore() = default;

  // Catalogue.
  virtual std::optional<QueueMeta> FindQueue(std::string_view account_id,
                                             std::string_view name) const = 0;
  virtual std::optional<QueueMeta> FindQueueById(uint64_t queue_id) const = 0;
  // Queues of an account whose names start with prefix, sorted by name.
  virtual std::vector<QueueMeta> ListQueues(std::string_view account_id,
                                            std::string_view prefix) const = 0;
  // Creates the queue (meta.id == 0) or replaces its attributes and tags.
  virtual void PutQueue(QueueMeta meta, Done<QueueMeta> done) = 0;
  // Deletes the queue and every message in it.
  virtual void DeleteQueue(uint64_t queue_id, Done<void> done) = 0;

  // Messages. Sent messages become receivable once durable, in seq order.
  // On FIFO queues a message whose dedup key was seen within the window is
  // not stored again; its outcome names the original.
  virtual void SendMessages(uint64_t queue_id, std::vector<StoredMessage> messages,
                            const SendOptions& options, Done<std::vector<SendOutcome>> done) = 0;
  // Standard-queue send without options; completes with the new seqs.
  void Send(uint64_t queue_id, std::vector<StoredMessage> messages,
            Done<std::vector<uint64_t>> done) {
    SendMessages(queue_id, std::move(messages), SendOptions{},
                 [done = std::move(done)](Result<std::vector<SendOutcome>> r) {
                   if (!r.ok()) return done(std::move(r).error());
                   std::vector<uint64_t> seqs;
                   for (const auto& o : *r) seqs.push_back(o.seq);
                   done(std::move(seqs));
                 });
  }
  // Moves up to `max` visible messages out of a queue, each to the queue
  // `destination` names for it (nullopt leaves it in place). Moved messages
  // are new sends in their destination. Completes with the number moved.
  using DestinationFn = std::function<std::optional<uint64_t>(const StoredMessage&)>;
  virtual void MoveMessages(uint64_t from_queue_id, int max, int64_t now_ms,
                            DestinationFn destination, Done<int64_t> done) = 0;
  // Claims up to max_messages visible messages, oldest first, making each
  // invisible until now + visibility. May read from disk: call it off I/O threads.
  virtual void Receive(uint64_t queue_id, const ReceiveOptions& options,
                       Done<std::vector<Delivery>> done) = 0;
  // Deletes the message if the receipt is current; a stale or gone receipt
  // deletes nothing. Completes with the state the receipt was found in.
  // Several deletes (seq, receive count) in one write; states in input order.
  virtual void DeleteMessages(uint64_t queue_id,
                              const std::vector<std::pair<uint64_t, uint32_t>>& receipts,
                              Done<std::vector<HandleState>> done) = 0;
  virtual void DeleteMessage(uint64_t queue_id, uint64_t seq, uint32_t receive_count,
                             Done<HandleState> done) = 0;
  // Sets the message's visibility deadline. Errors: "MessageNotInflight" when
  // the message was never received; "ReceiptHandleStale" when the receipt is
  // not the latest (or the message is gone); "VisibilityLimit" when the new
  // deadline is more than max_total_ms after the latest receive (0: no cap).
  virtual void ChangeVisibility(uint64_t queue_id, uint64_t seq, uint32_t receive_count,
                                int64_t visible_at_ms, int64_t now_ms, int64_t max_total_ms,
                                Done<void> done) = 0;
  void ChangeVisibility(uint64_t queue_id, uint64_t seq, uint32_t receive_count,
                        int64_t visible_at_ms, int64_t now_ms, Done<void> done) {
    ChangeVisibility(queue_id, seq, receive_count, visible_at_ms, now_ms, 0, std::move(done));
  }
  virtual void Purge(uint64_t queue_id, Done<void> done) = 0;

  virtual Result<QueueCounts> Counts(uint64_t queue_id, int64_t now_ms) = 0;
  // The earliest time after now at which a message becomes visible, if any.
  virtual std::optional<int64_t> NextVisibleAt(uint64_t queue_id, int64_t now_ms) = 0;
  // Drops messages older than retention; returns how many were dropped.
  virtual int64_t ExpireMessages(uint64_t queue_id, int64_t now_ms, int64_t retention_ms) = 0;

  // Called after a commit made messages available in a queue.
  virtual void SetAvailabilityListener(AvailabilityListener listener) = 0;

  // A random secret created with the store and kept with it (for MACs).
  virtual const std::string& Secret() const = 0;

  // Small durable records a service keeps beside its queues (message move
  // tasks). Keys are opaque; an empty value deletes the record.
  virtual void PutRecord(std::string key, std::string value, Done<void> done) = 0;
  virtual std::vector<std::pair<std::string, std::string>> Records(std::string_view prefix) const = 0;
};

// The embedded implementation: indexes in memory, records in a KvStore.
// Recovers all state from the KvStore on open. Owners close the KvStore
// (completing its pending commits) before destroying the QueueStore.
Result<std::unique_ptr<QueueStore>> OpenEmbeddedQueueStore(KvStore* kv, int64_t now_ms);

}  // namespace sluice::storage
