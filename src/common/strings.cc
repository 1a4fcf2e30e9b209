#include "common/strings.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace sluice::strings {
namespace {
int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> UrlDecode(std::string_view in, bool form) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = HexVal(in[i + 1]), lo = HexVal(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && form) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string UrlEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view in) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos <= in.size()) {
    size_t amp = in.find('&', pos);
    if (amp == std::string_view::npos) amp = in.size();
    std::string_view part = in.substr(pos, amp - pos);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string_view k = part.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
      auto dk = UrlDecode(k, true);
      auto dv = UrlDecode(v, true);
      if (!dk || !dv) return std::nullopt;
      out.emplace_back(std::move(*dk), std::move(*dv));
    }
    pos = amp + 1;
  }
  return out;
}

std::optional<int64_t> ParseInt(std::string_view in) {
  if (in.empty()) return std::nullopt;
  if (in[0] == '+') {
    in.remove_prefix(1);
    if (in.empty() || in[0] == '-') return std::nullopt;
  }
  int64_t v = 0;
  auto [p, ec] = std::from_chars(in.data(), in.data() + in.size(), v);
  if (ec != std::errc() || p != in.data() + in.size()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view in) {
  if (in.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(in.data(), in.data() + in.size(), v);
  if (ec != std::errc() || p != in.data() + in.size()) return std::nullopt;
  return v;
}

std::string Iso8601Millis(int64_t epoch_millis) {
  time_t secs = static_cast<time_t>(epoch_millis / 1000);
  int ms = static_cast<int>(epoch_millis % 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsValidUtf8(std::string_view in) {
  size_t i = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  while (i < in.size()) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= in.size()) return false;
    for (int k = 1; k <= n; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

std::string SanitizeUtf8(std::string_view in, bool xml) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(in.size());
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  size_t i = 0;
  while (i < in.size()) {
    unsigned char c = s[i];
    if (c < 0x80) {
      bool forbidden = xml && c < 0x20 && c != '\t' && c != '\n' && c != '\r';
      if (forbidden) {
        out += kReplacement;
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    int n = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
    uint32_t cp = n == 1 ? (c & 0x1F) : n == 2 ? (c & 0x0F) : (c & 0x07);
    bool ok = n > 0;
    if (ok) {
      for (int k = 1; k <= n && ok; ++k) {
        if (i + static_cast<size_t>(k) >= in.size() || (s[i + k] & 0xC0) != 0x80) {
          ok = false;
        } else {
          cp = (cp << 6) | (s[i + k] & 0x3F);
        }
      }
    }
    if (ok) {
      ok = !((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
             cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
             (xml && (cp == 0xFFFE || cp == 0xFFFF)));
    }
    if (ok) {
      out.append(in.substr(i, static_cast<size_t>(n) + 1));
      i += static_cast<size_t>(n) + 1;
    } else {
      out += kReplacement;
      ++i;
    }
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace sluice::strings
