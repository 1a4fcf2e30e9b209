#include "common/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>

#include "common/result.h"

namespace sluice::crypto {
namespace {

// OpenSSL 3 looks an algorithm up on every use of the legacy EVP_md5()
// handles; fetching once keeps that search off the request path.
const EVP_MD* FetchedMd5() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "MD5", nullptr);
  return md;
}
const EVP_MD* FetchedSha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

// One digest context per thread, reused: the one-shot calls allocate and
// free a context each time.
std::string Digest(const EVP_MD* md, std::string_view data) {
  struct Ctx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Ctx c;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  SLUICE_CHECK(EVP_DigestInit_ex(c.ctx, md, nullptr) == 1 &&
               EVP_DigestUpdate(c.ctx, data.data(), data.size()) == 1 &&
               EVP_DigestFinal_ex(c.ctx, out, &len) == 1);
  return std::string(reinterpret_cast<char*>(out), len);
}

// Keyed HMAC contexts per thread, for the few keys used over and over
// (receipt handles, shard iterators, SigV4 signing keys): re-initialising a
// keyed context costs a fifth of a one-shot HMAC().
class HmacCache {
 public:
  HmacCache() : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)) {}
  ~HmacCache() {
    for (auto& e : entries_) EVP_MAC_CTX_free(e.ctx);
    EVP_MAC_free(mac_);
  }

  EVP_MAC_CTX* Keyed(std::string_view key) {
    for (auto& e : entries_) {
      if (e.ctx && e.key == key) {
        SLUICE_CHECK(EVP_MAC_init(e.ctx, nullptr, 0, nullptr) == 1);
        return e.ctx;
      }
    }
    Entry& e = entries_[next_++ % entries_.size()];
    if (!e.ctx) e.ctx = EVP_MAC_CTX_new(mac_);
    SLUICE_CHECK(e.ctx != nullptr);
    e.key.assign(key);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    SLUICE_CHECK(EVP_MAC_init(e.ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                              params) == 1);
    return e.ctx;
  }

 private:
  struct Entry {
    std::string key;
    EVP_MAC_CTX* ctx = nullptr;
  };
  EVP_MAC* mac_;
  std::array<Entry, 8> entries_;
  size_t next_ = 0;
};

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Encode(std::string_view in, const char* alphabet, bool pad) {
  size_t full = in.size() / 3, rest = in.size() % 3;
  size_t out_len = full * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1);
  std::string out(out_len, '\0');
  char* o = out.data();
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  for (size_t g = 0; g < full; ++g, p += 3, o += 4) {
    uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
    o[0] = alphabet[(v >> 18) & 63];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = alphabet[(v >> 6) & 63];
    o[3] = alphabet[v & 63];
  }
  if (rest > 0) {
    uint32_t v = (uint32_t{p[0]} << 16) | (rest == 2 ? uint32_t{p[1]} << 8 : 0);
    o[0] = alphabet[(v >> 18) & 63];
    o[1] = alphabet[(v >> 12) & 63];
    if (rest == 2) o[2] = alphabet[(v >> 6) & 63];
    if (pad) {
      if (rest == 1) o[2] = '=';
      o[3] = '=';
    }
  }
  return out;
}

// Sextet of each character, 0xFF when it is not in the alphabet.
struct DecodeTable {
  std::array<uint8_t, 256> v{};
  explicit DecodeTable(const char* alphabet) {
    v.fill(0xFF);
    for (int i = 0; i < 64; ++i) v[static_cast<unsigned char>(alphabet[i])] = static_cast<uint8_t>(i);
  }
};

std::optional<std::string> Decode(std::string_view in, bool url) {
  static const DecodeTable kStd(kB64), kUrl(kB64Url);
  const auto& table = (url ? kUrl : kStd).v;
  size_t len = in.size();
  if (!url) {
    if (len % 4 != 0) return std::nullopt;
    size_t pads = 0;
    while (pads < 2 && len > 0 && in[len - 1] == '=') {
      --len;
      ++pads;
    }
  }
  if (len % 4 == 1) return std::nullopt;
  size_t full = len / 4, rest = len % 4;
  std::string out(full * 3 + (rest == 0 ? 0 : rest - 1), '\0');
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  char* o = out.data();
  for (size_t g = 0; g < full; ++g, p += 4, o += 3) {
    uint32_t a = table[p[0]], b = table[p[1]], c = table[p[2]], d = table[p[3]];
    if ((a | b | c | d) & 0x80) return std::nullopt;
    uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    o[0] = static_cast<char>(v >> 16);
    o[1] = static_cast<char>(v >> 8);
    o[2] = static_cast<char>(v);
  }
  if (rest > 0) {
    uint32_t a = table[p[0]], b = table[p[1]], c = rest == 3 ? table[p[2]] : 0;
    if ((a | b | c) & 0x80) return std::nullopt;
    uint32_t v = (a << 18) | (b << 12) | (c << 6);
    // Leftover bits must be zero for a canonical encoding.
    if (rest == 2 ? (v & 0xFFFF) != 0 : (v & 0xFF) != 0) return std::nullopt;
    o[0] = static_cast<char>(v >> 16);
    if (rest == 3) o[1] = static_cast<char>(v >> 8);
  }
  return out;
}

}  // namespace

std::string Md5(std::string_view data) { return Digest(FetchedMd5(), data); }
std::string Sha256(std::string_view data) { return Digest(FetchedSha256(), data); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  thread_local HmacCache cache;
  EVP_MAC_CTX* ctx = cache.Keyed(key);
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  SLUICE_CHECK(EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
               EVP_MAC_final(ctx, out, &len, sizeof(out)) == 1);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  char* p = out.data();
  for (unsigned char c : bytes) {
    *p++ = kDigits[c >> 4];
    *p++ = kDigits[c & 15];
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) { return Encode(bytes, kB64, true); }
std::optional<std::string> Base64Decode(std::string_view text) { return Decode(text, false); }
std::string Base64UrlEncode(std::string_view bytes) { return Encode(bytes, kB64Url, false); }
std::optional<std::string> Base64UrlDecode(std::string_view text) { return Decode(text, true); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  SLUICE_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) == 1);
  return out;
}

namespace {
// Ids need uniqueness, not secrecy: a per-thread generator seeded from the
// system's random source makes them without a trip through OpenSSL's DRBG
// (which cost more than everything else in a SendMessage).
uint64_t NextRandom64() {
  thread_local uint64_t state = [] {
    std::string seed = RandomBytes(8);
    uint64_t s = 0;
    for (unsigned char c : seed) s = (s << 8) | c;
    return s;
  }();
  // splitmix64
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace

std::string UuidV4() {
  std::string b(16, '\0');
  uint64_t hi = NextRandom64(), lo = NextRandom64();
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<char>(hi >> (56 - 8 * i));
    b[8 + i] = static_cast<char>(lo >> (56 - 8 * i));
  }
  b[6] = static_cast<char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3F) | 0x80);
  std::string h = Hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

}  // namespace sluice::crypto
