// String helpers shared by the protocol and service layers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::strings {

// Percent-decoding; '+' becomes a space when form is true. nullopt on a bad escape.
std::optional<std::string> UrlDecode(std::string_view in, bool form);
// RFC 3986 unreserved characters are kept, everything else %XX (upper-case).
std::string UrlEncode(std::string_view in);
// Parses "a=1&b=2" (form or query string) into decoded pairs, in order.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view in);

// Whole-string decimal integer; nullopt on anything else (sign allowed).
std::optional<int64_t> ParseInt(std::string_view in);
// Whole-string decimal or floating-point number.
std::optional<double> ParseDouble(std::string_view in);

// "2024-01-02T03:04:05.678Z"
std::string Iso8601Millis(int64_t epoch_millis);

bool IsValidUtf8(std::string_view in);
// Appends the UTF-8 encoding of code point `cp` (at most U+10FFFF) to `out`.
void AppendUtf8(std::string& out, uint32_t cp);
// Valid UTF-8 with every invalid sequence replaced by U+FFFD; with `xml`,
// also the code points XML 1.0 forbids (controls other than tab, LF, CR;
// U+FFFE, U+FFFF). For echoing untrusted input in error messages.
std::string SanitizeUtf8(std::string_view in, bool xml);
bool StartsWith(std::string_view s, std::string_view prefix);
std::string ToLower(std::string_view s);

}  // namespace sluice::strings
