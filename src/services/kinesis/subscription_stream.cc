#include "services/kinesis/subscription_stream.h"

#include <mutex>
#include <optional>
#include <vector>

namespace sluice::kinesis {
namespace {

// The Sink of one subscription, writing into one response body. Messages
// that arrive before the body exists are kept, in order, until Attach.
class BodySink : public SubscriptionSink {
 public:
  BodySink(std::function<std::string(const Error&)> exception, StreamLimits limits)
      : exception_(std::move(exception)), limits_(limits) {}

  void SetSubscription(Subscription sub) {
    std::lock_guard<std::mutex> lock(mu_);
    sub_ = std::move(sub);
  }

  bool Send(std::string framed_event) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!out_) {
      early_.push_back(std::move(framed_event));
      return true;
    }
    if (out_->buffered_bytes() > limits_.high_watermark) return false;
    // false: the client is gone; OnClosed cancels the subscription.
    out_->Write(std::move(framed_event));
    return true;
  }

  void End(std::optional<Error> error) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!out_) {
      early_end_ = std::move(error);
      ended_early_ = true;
      return;
    }
    Finish(error);
  }

  // The body is ready: write what waited, then stream.
  void Attach(const std::shared_ptr<ResponseStream>& out) {
    Subscription sub;
    {
      std::lock_guard<std::mutex> lock(mu_);
      out_ = out;
      for (auto& m : early_) out_->Write(std::move(m));
      early_.clear();
      if (ended_early_) return Finish(early_end_);
      sub = sub_;
    }
    // Outside the lock: OnClosed runs at once if the client is already gone.
    out->OnDrained(limits_.low_watermark, [sub] { sub.Resume(); });
    out->OnClosed([sub] { sub.Cancel(); });
  }

  // The producer was dropped unused: nobody will read.
  void Abandon() {
    Subscription sub;
    {
      std::lock_guard<std::mutex> lock(mu_);
      sub = sub_;
    }
    sub.Cancel();
  }

 private:
  void Finish(const std::optional<Error>& error) {  // REQUIRES(mu_)
    if (error && exception_) out_->Write(exception_(*error));
    out_->End();
  }

  const std::function<std::string(const Error&)> exception_;
  const StreamLimits limits_;
  std::mutex mu_;
  Subscription sub_;                          // GUARDED_BY(mu_)
  std::shared_ptr<ResponseStream> out_;       // GUARDED_BY(mu_)
  std::vector<std::string> early_;            // GUARDED_BY(mu_)
  bool ended_early_ = false;                  // GUARDED_BY(mu_)
  std::optional<Error> early_end_;            // GUARDED_BY(mu_)
};

// Shared by every copy of the producer: whether it ran.
struct Attachment {
  std::shared_ptr<BodySink> sink;
  std::once_flag once;
  bool attached = false;
  ~Attachment() {
    if (!attached) sink->Abandon();
  }
};

}  // namespace

Result<StreamProducer> SubscribeToShardStream(SubscriptionManager& manager, const CallContext& ctx,
                                              const Value& input, EventEncoder encoder,
                                              StreamLimits limits) {
  auto sink = std::make_shared<BodySink>(encoder.exception, limits);
  auto sub = manager.Subscribe(ctx, SubscribeRequest::FromInput(input), sink, std::move(encoder));
  if (!sub.ok()) return sub.error();
  sink->SetSubscription(*sub);
  auto attachment = std::make_shared<Attachment>();
  attachment->sink = sink;
  return StreamProducer([attachment](std::shared_ptr<ResponseStream> out) {
    std::call_once(attachment->once, [&] {
      attachment->attached = true;
      attachment->sink->Attach(out);
    });
  });
}

}  // namespace sluice::kinesis
