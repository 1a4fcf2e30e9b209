// Minimal binary encoding for stored records: fixed-width big-endian integers
// (so encoded keys sort numerically) and length-prefixed strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::bytes {

inline void PutU64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (i * 8)) & 0xFF);
}
inline void PutU32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out += static_cast<char>((v >> (i * 8)) & 0xFF);
}
inline void PutI64(std::string& out, int64_t v) { PutU64(out, static_cast<uint64_t>(v)); }
inline void PutString(std::string& out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// Reads from a buffer; every getter returns false once the input is short,
// and the reader stays failed.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U64(uint64_t& v) {
    if (!Need(8)) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in_[pos_ + i]);
    pos_ += 8;
    return true;
  }
  bool U32(uint32_t& v) {
    if (!Need(4)) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in_[pos_ + i]);
    pos_ += 4;
    return true;
  }
  bool I64(int64_t& v) {
    uint64_t u;
    if (!U64(u)) return false;
    v = static_cast<int64_t>(u);
    return true;
  }
  bool String(std::string& s) {
    uint32_t n;
    if (!U32(n) || !Need(n)) return false;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  // A view into the input, valid while the input is.
  bool View(std::string_view& s) {
    uint32_t n;
    if (!U32(n) || !Need(n)) return false;
    s = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool done() const { return ok_ && pos_ == in_.size(); }
  bool ok() const { return ok_; }

 private:
  bool Need(size_t n) {
    if (!ok_ || in_.size() - pos_ < n) return ok_ = false;
    return true;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace sluice::bytes
