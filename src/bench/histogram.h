// Log-linear latency histogram in the manner of HdrHistogram: values below
// 2^kSubBucketBits are counted exactly; above, every power-of-two range is
// split into 2^(kSubBucketBits-1) equal buckets, so a reported value is within
// 1/2^(kSubBucketBits-1) (under 1%) of the true one. Memory is fixed (a few
// thousand counters) whatever the number of samples.
//
// Not thread-safe: give each thread its own and Merge() them at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::bench {

class Histogram {
 public:
  static constexpr int kSubBucketBits = 8;  // 256 exact values, then 128 buckets per octave

  Histogram();

  // Counts one sample (any unit; the engine records nanoseconds).
  void Record(uint64_t value);
  void Merge(const Histogram& other);
  void Reset();

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }

  // The value at quantile q in [0, 1]: the highest value equivalent to the
  // bucket holding the ceil(q * count)-th smallest sample, capped at max().
  // 0 when empty.
  uint64_t ValueAtQuantile(double q) const;

  // Bucket arithmetic, exposed for tests.
  static size_t IndexOf(uint64_t value);
  static uint64_t LowestEquivalent(size_t index);
  static uint64_t HighestEquivalent(size_t index);
  static size_t BucketCount();

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  unsigned __int128 sum_ = 0;
};

}  // namespace sluice::bench
