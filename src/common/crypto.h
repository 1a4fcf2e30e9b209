// Hashes, MACs, encodings and randomness over OpenSSL. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::crypto {

std::string Md5(std::string_view data);      // 16 raw bytes
std::string Sha256(std::string_view data);   // 32 raw bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 raw bytes
std::string Hex(std::string_view bytes);     // lower-case
inline std::string Md5Hex(std::string_view data) { return Hex(Md5(data)); }
inline std::string Sha256Hex(std::string_view data) { return Hex(Sha256(data)); }

std::string Base64Encode(std::string_view bytes);
// Strict standard-alphabet decoding (padding required); nullopt on bad input.
std::optional<std::string> Base64Decode(std::string_view text);
std::string Base64UrlEncode(std::string_view bytes);  // no padding
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Constant-time comparison of equal-length secrets.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

std::string RandomBytes(size_t n);  // cryptographically strong
// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx": unique, not unpredictable (ids, not secrets).
std::string UuidV4();

}  // namespace sluice::crypto
