#include "bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sluice::bench {
namespace {

constexpr int kBits = Histogram::kSubBucketBits;
constexpr uint64_t kSubCount = uint64_t{1} << kBits;  // 256
constexpr uint64_t kHalf = kSubCount / 2;              // 128

// Octave of a value: 0 for values below kSubCount, else how many times the
// value must be halved to fall below kSubCount.
int OctaveOf(uint64_t value) {
  if (value < kSubCount) return 0;
  return std::bit_width(value) - kBits;
}

}  // namespace

Histogram::Histogram() : counts_(BucketCount(), 0) {}

size_t Histogram::BucketCount() {
  // Octave 0 holds kSubCount exact values; each of the 64 - kBits further
  // octaves holds kHalf buckets (its lower half overlaps the octave below).
  return kSubCount + static_cast<size_t>(64 - kBits) * kHalf;
}

size_t Histogram::IndexOf(uint64_t value) {
  const int octave = OctaveOf(value);
  if (octave == 0) return static_cast<size_t>(value);
  const uint64_t sub = value >> octave;  // in [kHalf, kSubCount)
  return kSubCount + static_cast<size_t>(octave - 1) * kHalf + static_cast<size_t>(sub - kHalf);
}

uint64_t Histogram::LowestEquivalent(size_t index) {
  if (index < kSubCount) return index;
  const size_t rel = index - kSubCount;
  const int octave = static_cast<int>(rel / kHalf) + 1;
  const uint64_t sub = kHalf + rel % kHalf;
  return sub << octave;
}

uint64_t Histogram::HighestEquivalent(size_t index) {
  if (index < kSubCount) return index;
  const size_t rel = index - kSubCount;
  const int octave = static_cast<int>(rel / kHalf) + 1;
  return LowestEquivalent(index) + ((uint64_t{1} << octave) - 1);
}

void Histogram::Record(uint64_t value) {
  ++counts_[IndexOf(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void Histogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
}

uint64_t Histogram::ValueAtQuantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(HighestEquivalent(i), max_);
  }
  return max_;
}

}  // namespace sluice::bench
