// Collects per-entry answers of a batch whose entries complete
// asynchronously, then answers once with Successful and Failed lists.
#pragma once

#include <memory>
#include <mutex>

#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

class BatchCollector {
 public:
  BatchCollector(size_t entries, Done done) : remaining_(entries), done_(std::move(done)) {}

  void Succeeded(const std::string& id) {
    Value v = Value::Map();
    v.Set("Id", Value::String(id));
    Add(std::move(v), true);
  }
  void Failed(const std::string& id, const Error& e) { Add(BatchError(id, e), false); }

 private:
  void Add(Value v, bool ok) {
    Done done;
    Value out;
    {
      std::lock_guard<std::mutex> lock(mu_);
      (ok ? successful_ : failed_).Append(std::move(v));
      if (--remaining_ > 0) return;
      out = Value::Map();
      out.Set("Successful", std::move(successful_));
      out.Set("Failed", std::move(failed_));
      done = std::move(done_);
    }
    done(std::move(out));
  }

  std::mutex mu_;
  size_t remaining_;                  // GUARDED_BY(mu_)
  Value successful_ = Value::List();  // GUARDED_BY(mu_)
  Value failed_ = Value::List();      // GUARDED_BY(mu_)
  Done done_;
};

}  // namespace sluice::sqs
