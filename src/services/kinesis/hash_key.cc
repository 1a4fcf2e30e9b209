#include "services/kinesis/hash_key.h"

#include <algorithm>

#include "common/crypto.h"

namespace sluice::kinesis {

std::optional<HashKey> ParseHashKey(std::string_view decimal) {
  if (decimal.empty() || decimal.size() > 39) return std::nullopt;
  HashKey v = 0;
  for (char c : decimal) {
    if (c < '0' || c > '9') return std::nullopt;
    HashKey digit = static_cast<HashKey>(c - '0');
    if (v > (kMaxHashKey - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

std::string HashKeyString(HashKey key) {
  if (key == 0) return "0";
  std::string out;
  while (key != 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(key % 10)));
    key /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

HashKey PartitionKeyHash(std::string_view partition_key) {
  std::string md5 = crypto::Md5(partition_key);
  HashKey v = 0;
  for (unsigned char c : md5) v = (v << 8) | c;
  return v;
}

std::pair<HashKey, HashKey> UniformRange(uint32_t i, uint32_t n) {
  if (n <= 1) return {0, kMaxHashKey};
  // floor(2^128 / n) without computing 2^128.
  HashKey step = kMaxHashKey / n + ((kMaxHashKey % n) == n - 1 ? 1 : 0);
  HashKey start = step * i;
  HashKey end = i + 1 == n ? kMaxHashKey : step * (i + 1) - 1;
  return {start, end};
}

}  // namespace sluice::kinesis
