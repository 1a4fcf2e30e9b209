#include "auth/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <optional>

namespace sluice::auth {
namespace {

constexpr int64_t kMillisPerSecond = 1000;
constexpr int64_t kMaxPresignExpiresSeconds = 604800;  // one week

constexpr std::string_view kSignatureMismatchMessage =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details.";

// ---------------------------------------------------------------- strings

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kHexLower[] = "0123456789abcdef";

// SigV4 URI encoding: every byte but the unreserved set (and '/' when
// `keep_slash`) becomes %XX with uppercase hex.
std::string UriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[c >> 4]);
      out.push_back(kHexUpper[c & 0xF]);
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding. '+' stays '+'; a '%' not followed by two hex
// digits stays a literal '%'.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string HexEncode(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHexLower[data[i] >> 4]);
    out.push_back(kHexLower[data[i] & 0xF]);
  }
  return out;
}

// ----------------------------------------------------------------- crypto

using Digest = std::array<unsigned char, 32>;

Digest Sha256(std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != out.size()) {
    out.fill(0);  // unreachable with a working libcrypto; a zero hash never verifies anything real
  }
  return out;
}

Digest HmacSha256(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  // Keys here are AWS secrets and derived 32-byte keys; anything longer than
  // INT_MAX cannot be a real secret, so it is truncated rather than rejected.
  const int key_len = key.size() > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(key.size());
  if (HMAC(EVP_sha256(), key.data(), key_len, reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           out.data(), &len) == nullptr ||
      len != out.size()) {
    out.fill(0);
  }
  return out;
}

std::string_view AsView(const Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

Digest SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                  std::string_view service) {
  std::string k = "AWS4";
  k.append(secret);
  const Digest k_date = HmacSha256(k, date);
  OPENSSL_cleanse(k.data(), k.size());
  const Digest k_region = HmacSha256(AsView(k_date), region);
  const Digest k_service = HmacSha256(AsView(k_region), service);
  return HmacSha256(AsView(k_service), "aws4_request");
}

std::string SignWithKey(const Digest& key, std::string_view string_to_sign) {
  const Digest sig = HmacSha256(AsView(key), string_to_sign);
  return HexEncode(sig.data(), sig.size());
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // The length of a hex signature is public; only the contents are compared
  // in constant time.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ------------------------------------------------------------------- time

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int64_t* m, int64_t* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool ParseDigits(std::string_view s, std::size_t pos, std::size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!IsDigit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::optional<int64_t> MillisFromFields(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s) {
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return std::nullopt;
  return ((DaysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60 * kMillisPerSecond + s * kMillisPerSecond;
}

// "20150830T123600Z"
std::optional<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  int64_t y, mo, d, h, mi, sec;
  if (!ParseDigits(s, 0, 4, &y) || !ParseDigits(s, 4, 2, &mo) || !ParseDigits(s, 6, 2, &d) ||
      !ParseDigits(s, 9, 2, &h) || !ParseDigits(s, 11, 2, &mi) || !ParseDigits(s, 13, 2, &sec)) {
    return std::nullopt;
  }
  return MillisFromFields(y, mo, d, h, mi, sec);
}

// RFC 7231 IMF-fixdate: "Sun, 30 Aug 2015 12:36:00 GMT".
std::optional<int64_t> ParseHttpDate(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s[25] != ' ' || s.substr(26) != "GMT") {
    return std::nullopt;
  }
  int64_t y, mo = 0, d, h, mi, sec;
  for (int i = 0; i < 12; ++i) {
    if (s.substr(8, 3) == kMonths[i]) mo = i + 1;
  }
  if (mo == 0 || !ParseDigits(s, 5, 2, &d) || !ParseDigits(s, 12, 4, &y) || !ParseDigits(s, 17, 2, &h) ||
      !ParseDigits(s, 20, 2, &mi) || !ParseDigits(s, 23, 2, &sec)) {
    return std::nullopt;
  }
  return MillisFromFields(y, mo, d, h, mi, sec);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

// ---------------------------------------------------------- request parts

// Splits the request-target into raw path and raw query (both still encoded).
void SplitTarget(std::string_view target, std::string_view* path, std::string_view* query) {
  if (StartsWithIgnoreCase(target, "http://") || StartsWithIgnoreCase(target, "https://")) {
    target.remove_prefix(target.find("://") + 3);
    const std::size_t pos = target.find_first_of("/?");
    target = pos == std::string_view::npos ? std::string_view() : target.substr(pos);
  }
  const std::size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) {
    *path = target;
    *query = std::string_view();
  } else {
    *path = target.substr(0, q);
    *query = target.substr(q + 1);
  }
}

// RFC 3986 section 5.2.4 dot-segment removal as AWS signers do it: "." and
// empty segments are dropped, ".." drops the previous segment, the leading
// slash and (if anything is left) the trailing slash are kept.
std::string NormalizePath(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view seg = path.substr(start, slash - start);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    start = slash + 1;
  }
  std::string result;
  if (path.front() == '/') result.push_back('/');
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result.push_back('/');
    result.append(out[i]);
  }
  if (path.back() == '/' && !out.empty()) result.push_back('/');
  if (result.empty()) result = "/";
  return result;
}

struct QueryParam {
  std::string key;    // decoded
  std::string value;  // decoded
};

std::vector<QueryParam> ParseQuery(std::string_view query) {
  std::vector<QueryParam> params;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view piece = query.substr(start, amp - start);
    if (!piece.empty()) {
      const std::size_t eq = piece.find('=');
      if (eq == std::string_view::npos) {
        params.push_back({PercentDecode(piece), std::string()});
      } else {
        params.push_back({PercentDecode(piece.substr(0, eq)), PercentDecode(piece.substr(eq + 1))});
      }
    }
    start = amp + 1;
  }
  return params;
}

const QueryParam* FindParam(const std::vector<QueryParam>& params, std::string_view key) {
  for (const auto& p : params) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

const std::string* FindHeader(const HttpRequestView& req, std::string_view lower_name) {
  for (const auto& [name, value] : req.headers) {
    if (EqualsIgnoreCase(name, lower_name)) return &value;
  }
  return nullptr;
}

int CountHeaders(const HttpRequestView& req, std::string_view lower_name) {
  int n = 0;
  for (const auto& h : req.headers) {
    if (EqualsIgnoreCase(h.first, lower_name)) ++n;
  }
  return n;
}

// Trims and collapses every run of spaces, tabs, CRs and LFs to one space.
void AppendCanonicalValue(std::string_view v, std::string* out) {
  v = Trim(v);
  bool in_space = false;
  for (char c : v) {
    if (IsSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out->push_back(' ');
    in_space = false;
    out->push_back(c);
  }
}

std::vector<std::string> SplitSignedHeaders(std::string_view signed_headers) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= signed_headers.size()) {
    std::size_t semi = signed_headers.find(';', start);
    if (semi == std::string_view::npos) semi = signed_headers.size();
    names.push_back(ToLower(Trim(signed_headers.substr(start, semi - start))));
    start = semi + 1;
  }
  return names;
}

// ----------------------------------------------------------------- errors

Error AuthError(std::string code, std::string message) {
  Error e;
  e.code = std::move(code);
  e.message = std::move(message);
  e.http_status = 403;
  e.sender_fault = true;
  return e;
}

// AWS answers a malformed signature with 400, unlike the other auth errors.
Error Incomplete(std::string message) {
  Error e = AuthError("IncompleteSignature", std::move(message));
  e.http_status = 400;
  return e;
}

// ---------------------------------------------------------------- parsing

struct ParsedAuth {
  bool is_signed = false;
  bool presigned = false;
  std::string access_key;
  std::string scope_date;  // YYYYMMDD from the credential scope
  std::string region;
  std::string service;
  std::string signed_headers;  // as sent
  std::string signature;
  std::string amz_date;  // ISO 8601 basic form of the request time
  int64_t request_millis = 0;
  int64_t expires_seconds = -1;  // presigned only; -1 when absent
  bool query_has_token = false;
  std::vector<QueryParam> query;  // decoded query parameters
};

// Splits "AKID/20150830/us-east-1/sqs/aws4_request" into `out`.
Status ParseCredential(std::string_view credential, ParsedAuth* out) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= credential.size()) {
    std::size_t slash = credential.find('/', start);
    if (slash == std::string_view::npos) slash = credential.size();
    parts.push_back(credential.substr(start, slash - start));
    start = slash + 1;
  }
  if (parts.size() != 5) {
    return Incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
        std::string(credential) + "'");
  }
  if (parts[0].empty()) {
    return Incomplete("Credential must name an access key id, got '" + std::string(credential) + "'");
  }
  const std::string_view date = parts[1];
  int64_t ignored = 0;
  if (date.size() != 8 || !ParseDigits(date, 0, 8, &ignored)) {
    return Incomplete("Invalid credential date '" + std::string(date) + "'. This date is not the required format: yyyyMMdd.");
  }
  if (parts[2].empty()) return Incomplete("Credential should be scoped to a valid region, not ''. ");
  if (parts[3].empty()) return Incomplete("Credential should be scoped to a valid service, not ''. ");
  if (parts[4] != "aws4_request") {
    return Incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                      std::string(parts[4]) + "'. ");
  }
  out->access_key = std::string(parts[0]);
  out->scope_date = std::string(date);
  out->region = std::string(parts[2]);
  out->service = std::string(parts[3]);
  return {};
}

Status CheckSignedHeaders(std::string_view signed_headers) {
  bool has_host = false;
  for (const std::string& name : SplitSignedHeaders(signed_headers)) {
    if (name.empty()) {
      return Incomplete("SignedHeaders contains an empty header name: '" + std::string(signed_headers) + "'.");
    }
    if (name == "host" || name == ":authority") has_host = true;
  }
  if (!has_host) return Incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  return {};
}

Status ParseAmzDateInto(std::string_view value, ParsedAuth* out) {
  const std::optional<int64_t> millis = ParseAmzDate(value);
  if (!millis) {
    return Incomplete("Date must be in ISO-8601 'basic format'. Got '" + std::string(value) +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  out->amz_date = std::string(value);
  out->request_millis = *millis;
  return {};
}

Status ParseHeaderForm(const HttpRequestView& req, std::string_view authorization, ParsedAuth* out) {
  const std::string_view value = Trim(authorization);
  const std::string header_echo = "Authorization=" + std::string(value);

  // Tokens are separated by commas and whitespace, as AWS reads them.
  std::vector<std::string_view> tokens;
  {
    std::size_t i = 0;
    while (i < value.size()) {
      while (i < value.size() && (IsSpace(value[i]) || value[i] == ',')) ++i;
      const std::size_t start = i;
      while (i < value.size() && !IsSpace(value[i]) && value[i] != ',') ++i;
      if (i > start) tokens.push_back(value.substr(start, i - start));
    }
  }
  std::optional<std::string_view> credential, signed_headers, signature;
  if (!tokens.empty()) {
    if (tokens[0] != kSigV4Algorithm) {
      return Incomplete("Unsupported AWS 'algorithm': '" + std::string(tokens[0]) + "'. Only '" +
                        std::string(kSigV4Algorithm) + "' is supported. " + header_echo);
    }
    for (std::size_t t = 1; t < tokens.size(); ++t) {
      const std::string_view tok = tokens[t];
      const std::size_t eq = tok.find('=');
      if (eq == std::string_view::npos) {
        return Incomplete("'" + std::string(tok) +
                          "' not a valid key=value pair (missing equal-sign) in Authorization header: '" +
                          std::string(value) + "'.");
      }
      const std::string_view key = tok.substr(0, eq);
      const std::string_view val = tok.substr(eq + 1);
      if (key == "Credential" && !credential) credential = val;
      if (key == "SignedHeaders" && !signed_headers) signed_headers = val;
      if (key == "Signature" && !signature) signature = val;
    }
  }

  const std::string* amz_date = FindHeader(req, "x-amz-date");
  const std::string* http_date = amz_date ? nullptr : FindHeader(req, "date");

  std::string missing;
  if (!credential || credential->empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signature || signature->empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (!signed_headers || signed_headers->empty()) {
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  if (!amz_date && !http_date) {
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty()) return Incomplete(missing + header_echo);

  if (Status s = ParseCredential(*credential, out); !s.ok()) return s;
  if (Status s = CheckSignedHeaders(*signed_headers); !s.ok()) return s;
  out->signed_headers = std::string(*signed_headers);
  out->signature = std::string(*signature);

  if (amz_date) {
    if (Status s = ParseAmzDateInto(Trim(*amz_date), out); !s.ok()) return s;
  } else {
    const std::string_view d = Trim(*http_date);
    std::optional<int64_t> millis = ParseHttpDate(d);
    if (!millis) millis = ParseAmzDate(d);
    if (!millis) {
      return Incomplete("Date header '" + std::string(d) +
                        "' is neither an HTTP date (RFC 7231) nor in ISO-8601 'basic format'.");
    }
    out->request_millis = *millis;
    out->amz_date = SigV4Verifier::FormatAmzDate(*millis);
  }
  return {};
}

Status ParsePresignedForm(ParsedAuth* out) {
  const QueryParam* algorithm = FindParam(out->query, "X-Amz-Algorithm");
  const QueryParam* credential = FindParam(out->query, "X-Amz-Credential");
  const QueryParam* signed_headers = FindParam(out->query, "X-Amz-SignedHeaders");
  const QueryParam* signature = FindParam(out->query, "X-Amz-Signature");
  const QueryParam* date = FindParam(out->query, "X-Amz-Date");
  const QueryParam* expires = FindParam(out->query, "X-Amz-Expires");

  std::string missing;
  for (const auto& [param, name] : {std::pair{algorithm, "X-Amz-Algorithm"}, std::pair{credential, "X-Amz-Credential"},
                                    std::pair{signature, "X-Amz-Signature"},
                                    std::pair{signed_headers, "X-Amz-SignedHeaders"}, std::pair{date, "X-Amz-Date"}}) {
    if (param == nullptr || param->value.empty()) {
      missing += "AWS query-string parameters must include '" + std::string(name) + "'. ";
    }
  }
  if (!missing.empty()) return Incomplete(missing + "Re-examine the query-string parameters.");
  if (algorithm->value != kSigV4Algorithm) {
    return Incomplete("X-Amz-Algorithm only supports '" + std::string(kSigV4Algorithm) + "', got '" +
                      algorithm->value + "'.");
  }
  if (Status s = ParseCredential(credential->value, out); !s.ok()) return s;
  if (Status s = CheckSignedHeaders(signed_headers->value); !s.ok()) return s;
  out->signed_headers = signed_headers->value;
  out->signature = signature->value;
  if (Status s = ParseAmzDateInto(date->value, out); !s.ok()) return s;
  if (expires != nullptr) {
    int64_t secs = 0;
    const std::string& v = expires->value;
    if (v.empty() || v.size() > 9 || !ParseDigits(v, 0, v.size(), &secs)) {
      return Incomplete("X-Amz-Expires should be a non-negative number of seconds, got '" + v + "'.");
    }
    if (secs > kMaxPresignExpiresSeconds) {
      return Incomplete("X-Amz-Expires must be less than a week (in seconds) that is; 604800");
    }
    out->expires_seconds = secs;
  }
  out->query_has_token = FindParam(out->query, "X-Amz-Security-Token") != nullptr;
  return {};
}

// Reads whichever auth form the request carries. `out->is_signed` is false
// when it carries none.
Status ParseAuth(const HttpRequestView& req, ParsedAuth* out) {
  std::string_view path, query;
  SplitTarget(req.target, &path, &query);
  out->query = ParseQuery(query);
  const bool presigned = FindParam(out->query, "X-Amz-Signature") != nullptr ||
                         FindParam(out->query, "X-Amz-Algorithm") != nullptr ||
                         FindParam(out->query, "X-Amz-Credential") != nullptr;
  const int auth_headers = CountHeaders(req, "authorization");
  if (auth_headers == 0 && !presigned) return {};
  out->is_signed = true;
  if (auth_headers > 0 && presigned) {
    return Incomplete(
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header "
        "should be specified");
  }
  if (auth_headers > 1) return Incomplete("The request carries more than one Authorization header.");
  if (presigned) {
    out->presigned = true;
    return ParsePresignedForm(out);
  }
  return ParseHeaderForm(req, *FindHeader(req, "authorization"), out);
}

// Payload hash the signer must have used; an Error when the request declares
// a hash its body does not have.
Result<std::string> PayloadHashFor(const HttpRequestView& req, const ParsedAuth& auth) {
  std::optional<std::string> declared;
  if (const std::string* h = FindHeader(req, "x-amz-content-sha256")) {
    declared = std::string(Trim(*h));
  } else if (auth.presigned) {
    if (const QueryParam* p = FindParam(auth.query, "X-Amz-Content-Sha256")) declared = p->value;
  }
  if (declared && *declared == kUnsignedPayload) return *declared;
  std::string computed = SigV4Verifier::PayloadHash(req.body);
  if (!declared) return computed;
  if (!EqualsIgnoreCase(*declared, computed)) {
    return AuthError("SignatureDoesNotMatch",
                     "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  return *declared;
}

const Clock& DefaultClock() {
  static const SystemClock clock;
  return clock;
}

bool IsUnsignableHeader(std::string_view lower) {
  static constexpr std::string_view kSkip[] = {
      "authorization",     "user-agent", "expect",  "x-amzn-trace-id", "connection", "keep-alive",
      "proxy-connection",  "te",         "trailer", "transfer-encoding", "upgrade",  "proxy-authorization",
      "x-amz-date",        "x-amz-security-token"};
  for (std::string_view s : kSkip) {
    if (lower == s) return true;
  }
  return false;
}

}  // namespace

// ================================================================ helpers

std::string SigV4Verifier::CanonicalUri(std::string_view target, bool normalize_path) {
  std::string_view path, query;
  SplitTarget(target, &path, &query);
  if (normalize_path) return UriEncode(NormalizePath(path), /*keep_slash=*/true);
  if (path.empty()) return "/";
  return UriEncode(path, /*keep_slash=*/true);
}

std::string SigV4Verifier::CanonicalQuery(std::string_view target, const std::vector<std::string>& omit_keys) {
  std::string_view path, query;
  SplitTarget(target, &path, &query);
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const QueryParam& p : ParseQuery(query)) {
    if (std::find(omit_keys.begin(), omit_keys.end(), p.key) != omit_keys.end()) continue;
    encoded.emplace_back(UriEncode(p.key, false), UriEncode(p.value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out.push_back('&');
    out.append(k);
    out.push_back('=');
    out.append(v);
  }
  return out;
}

std::string SigV4Verifier::CanonicalRequest(const HttpRequestView& req, std::string_view signed_headers,
                                            std::string_view payload_hash, const CanonicalOptions& options) {
  std::string out;
  out.append(req.method);
  out.push_back('\n');
  out.append(CanonicalUri(req.target, options.normalize_path));
  out.push_back('\n');
  out.append(CanonicalQuery(req.target, options.omit_query_keys));
  out.push_back('\n');
  const std::vector<std::string> names = SplitSignedHeaders(signed_headers);
  std::string signed_line;
  for (const std::string& name : names) {
    out.append(name);
    out.push_back(':');
    bool first = true;
    for (const auto& [hname, hvalue] : req.headers) {
      if (!EqualsIgnoreCase(hname, name)) continue;
      if (!first) out.push_back(',');
      first = false;
      AppendCanonicalValue(hvalue, &out);
    }
    out.push_back('\n');
    if (!signed_line.empty()) signed_line.push_back(';');
    signed_line.append(name);
  }
  out.push_back('\n');
  out.append(signed_line);
  out.push_back('\n');
  out.append(payload_hash);
  return out;
}

std::string SigV4Verifier::CredentialScope(std::string_view date, std::string_view region,
                                           std::string_view service) {
  std::string out;
  out.append(date).append("/").append(region).append("/").append(service).append("/aws4_request");
  return out;
}

std::string SigV4Verifier::StringToSign(std::string_view amz_date, std::string_view credential_scope,
                                        std::string_view canonical_request) {
  const Digest h = Sha256(canonical_request);
  std::string out(kSigV4Algorithm);
  out.push_back('\n');
  out.append(amz_date);
  out.push_back('\n');
  out.append(credential_scope);
  out.push_back('\n');
  out.append(HexEncode(h.data(), h.size()));
  return out;
}

std::string SigV4Verifier::Sign(std::string_view secret, std::string_view date, std::string_view region,
                                std::string_view service, std::string_view string_to_sign) {
  return SignWithKey(SigningKey(secret, date, region, service), string_to_sign);
}

std::string SigV4Verifier::PayloadHash(std::string_view data) {
  const Digest h = Sha256(data);
  return HexEncode(h.data(), h.size());
}

std::string SigV4Verifier::FormatAmzDate(int64_t unix_millis) {
  const int64_t secs = FloorDiv(unix_millis, kMillisPerSecond);
  const int64_t days = FloorDiv(secs, 86400);
  const int64_t rem = secs - days * 86400;
  int64_t y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%04lld%02lld%02lldT%02lld%02lld%02lldZ", static_cast<long long>(y),
                              static_cast<long long>(m), static_cast<long long>(d),
                              static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                              static_cast<long long>(rem % 60));
  return std::string(buf, n > 0 ? static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)) : 0);
}

// ============================================================== verifier

SigV4Verifier::SigV4Verifier(AuthMode mode, const CredentialStore* store, const Clock* clock,
                             VerifierOptions options)
    : mode_(mode), store_(store), clock_(clock != nullptr ? clock : &DefaultClock()), options_(options) {}

Result<AuthContext> SigV4Verifier::Verify(const HttpRequestView& req) const {
  ParsedAuth auth;
  if (Status s = ParseAuth(req, &auth); !s.ok()) return std::move(s).error();

  AuthContext ctx;
  if (!auth.is_signed) {
    if (mode_ == AuthMode::kOpen) return ctx;
    return AuthError("MissingAuthenticationToken", "Request is missing Authentication Token");
  }
  ctx.access_key = auth.access_key;
  ctx.region = auth.region;
  ctx.service = auth.service;
  ctx.signed_request = true;
  if (mode_ == AuthMode::kOpen) return ctx;

  // Strict mode from here on.
  if (auth.amz_date.compare(0, 8, auth.scope_date) != 0) {
    return AuthError("SignatureDoesNotMatch",
                     "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                         auth.scope_date + "' != '" + auth.amz_date.substr(0, 8) + "', from '" + auth.amz_date +
                         "'.");
  }
  const CredentialStore::Entry* entry = store_ != nullptr ? store_->Find(auth.access_key) : nullptr;
  if (entry == nullptr) {
    return AuthError("InvalidClientTokenId", "The security token included in the request is invalid.");
  }
  ctx.account_id = entry->account_id;

  const int64_t now = clock_->NowMillis();
  const int64_t skew = options_.max_skew_millis;
  const int64_t skew_minutes = skew / 60000;
  if (auth.request_millis > now + skew) {
    return AuthError("RequestTimeTooSkewed", "Signature not yet current: " + auth.amz_date +
                                                 " is still later than " + FormatAmzDate(now + skew) + " (" +
                                                 FormatAmzDate(now) + " + " + std::to_string(skew_minutes) +
                                                 " min.)");
  }
  if (auth.presigned) {
    const int64_t lifetime = auth.expires_seconds >= 0 ? auth.expires_seconds * kMillisPerSecond : skew;
    if (now > auth.request_millis + lifetime) return AuthError("AccessDenied", "Request has expired");
  } else if (auth.request_millis < now - skew) {
    return AuthError("RequestTimeTooSkewed", "Signature expired: " + auth.amz_date + " is now earlier than " +
                                                 FormatAmzDate(now - skew) + " (" + FormatAmzDate(now) + " - " +
                                                 std::to_string(skew_minutes) + " min.)");
  }

  Result<std::string> payload_hash = PayloadHashFor(req, auth);
  if (!payload_hash.ok()) return std::move(payload_hash).error();

  // Candidate canonicalizations, most likely first.
  const bool normalize_first = auth.service != "s3";
  std::vector<CanonicalOptions> candidates;
  CanonicalOptions primary;
  primary.normalize_path = normalize_first;
  if (auth.presigned) primary.omit_query_keys.push_back("X-Amz-Signature");
  candidates.push_back(primary);
  if (options_.accept_unnormalized_path &&
      CanonicalUri(req.target, true) != CanonicalUri(req.target, false)) {
    CanonicalOptions other = primary;
    other.normalize_path = !normalize_first;
    candidates.push_back(other);
  }
  if (auth.presigned && auth.query_has_token && options_.accept_unsigned_query_token) {
    const std::size_t n = candidates.size();
    for (std::size_t i = 0; i < n; ++i) {
      CanonicalOptions without_token = candidates[i];
      without_token.omit_query_keys.push_back("X-Amz-Security-Token");
      candidates.push_back(std::move(without_token));
    }
  }

  const std::string scope = CredentialScope(auth.scope_date, auth.region, auth.service);
  Digest key = SigningKey(entry->secret, auth.scope_date, auth.region, auth.service);
  bool matched = false;
  for (const CanonicalOptions& opts : candidates) {
    const std::string canonical = CanonicalRequest(req, auth.signed_headers, *payload_hash, opts);
    const std::string expected = SignWithKey(key, StringToSign(auth.amz_date, scope, canonical));
    if (ConstantTimeEquals(expected, auth.signature)) {
      matched = true;
      break;
    }
  }
  OPENSSL_cleanse(key.data(), key.size());
  if (!matched) return AuthError("SignatureDoesNotMatch", std::string(kSignatureMismatchMessage));
  return ctx;
}

// ================================================================= signer

SignedRequest SigV4Verifier::SignRequest(const HttpRequestView& req, const SigningCredentials& creds,
                                         std::string_view region, std::string_view service, int64_t now_millis) {
  SignedRequest out;
  out.amz_date = FormatAmzDate(now_millis);
  const std::string date = out.amz_date.substr(0, 8);

  HttpRequestView signing = req;
  signing.headers.clear();
  std::vector<std::string> names;
  for (const auto& [name, value] : req.headers) {
    std::string lower = ToLower(Trim(name));
    if (IsUnsignableHeader(lower)) continue;
    signing.headers.emplace_back(name, value);
    names.push_back(std::move(lower));
  }
  signing.headers.emplace_back("X-Amz-Date", out.amz_date);
  names.emplace_back("x-amz-date");
  if (!creds.session_token.empty()) {
    signing.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
    names.emplace_back("x-amz-security-token");
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const std::string& n : names) {
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers.append(n);
  }

  std::string payload_hash;
  if (const std::string* h = FindHeader(req, "x-amz-content-sha256")) {
    payload_hash = std::string(Trim(*h));
  } else {
    payload_hash = PayloadHash(req.body);
  }
  const bool normalize = service != "s3";
  CanonicalOptions opts;
  opts.normalize_path = normalize;
  const std::string scope = CredentialScope(date, region, service);
  const std::string canonical = CanonicalRequest(signing, out.signed_headers, payload_hash, opts);
  const std::string signature = Sign(creds.secret, date, region, service, StringToSign(out.amz_date, scope, canonical));

  out.authorization = std::string(kSigV4Algorithm) + " Credential=" + creds.access_key + "/" + scope +
                      ", SignedHeaders=" + out.signed_headers + ", Signature=" + signature;
  out.headers.emplace_back("Authorization", out.authorization);
  out.headers.emplace_back("X-Amz-Date", out.amz_date);
  if (!creds.session_token.empty()) out.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  return out;
}

std::string SigV4Verifier::PresignTarget(const HttpRequestView& req, const SigningCredentials& creds,
                                         std::string_view region, std::string_view service, int64_t now_millis,
                                         int64_t expires_seconds) {
  const std::string amz_date = FormatAmzDate(now_millis);
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = CredentialScope(date, region, service);

  std::string target(req.target);
  const std::size_t hash = target.find('#');
  if (hash != std::string::npos) target.resize(hash);
  if (target.find('?') == std::string::npos) {
    target.push_back('?');
  } else if (target.back() != '?' && target.back() != '&') {
    target.push_back('&');
  }
  target += "X-Amz-Algorithm=" + std::string(kSigV4Algorithm);
  target += "&X-Amz-Credential=" + UriEncode(creds.access_key + "/" + scope, false);
  target += "&X-Amz-Date=" + amz_date;
  target += "&X-Amz-Expires=" + std::to_string(expires_seconds);
  if (!creds.session_token.empty()) target += "&X-Amz-Security-Token=" + UriEncode(creds.session_token, false);
  target += "&X-Amz-SignedHeaders=host";

  HttpRequestView signing = req;
  signing.target = target;
  CanonicalOptions opts;
  opts.normalize_path = service != "s3";
  const std::string canonical = CanonicalRequest(signing, "host", PayloadHash(req.body), opts);
  const std::string signature = Sign(creds.secret, date, region, service, StringToSign(amz_date, scope, canonical));
  target += "&X-Amz-Signature=" + signature;
  return target;
}

// ========================================================== scope lookup

std::string CredentialScopeService(const HttpRequestView& req) {
  std::string credential;
  if (const std::string* auth = FindHeader(req, "authorization")) {
    // The Credential parameter as a whole token (after the algorithm, a
    // space or a comma), as Verify reads it: "XCredential=" is another token.
    const std::string_view v = *auth;
    std::size_t pos = 0;
    for (;;) {
      pos = v.find("Credential=", pos);
      if (pos == std::string_view::npos) return std::string();
      if (pos > 0 && (v[pos - 1] == ',' || IsSpace(v[pos - 1]))) break;
      pos += 11;
    }
    std::size_t end = pos + 11;
    while (end < v.size() && v[end] != ',' && !IsSpace(v[end])) ++end;
    credential = std::string(v.substr(pos + 11, end - pos - 11));
  } else {
    std::string_view path, query;
    SplitTarget(req.target, &path, &query);
    const std::vector<QueryParam> params = ParseQuery(query);
    const QueryParam* p = FindParam(params, "X-Amz-Credential");
    if (p == nullptr) return std::string();
    credential = p->value;
  }
  ParsedAuth parsed;
  if (!ParseCredential(credential, &parsed).ok()) return std::string();
  return parsed.service;
}

}  // namespace sluice::auth
