// Tests for SigV4 verification: the AWS SigV4 test suite (as kept by
// awslabs/aws-c-auth) from the shared conformance folder, plus unit tests for
// the error paths, the client-side signer and the credential store.

#include "auth/sigv4.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "common/clock.h"

namespace sluice::auth {
namespace {

namespace fs = std::filesystem;

constexpr char kAkid[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kAccount[] = "123456789012";
constexpr int64_t kMinute = 60 * 1000;

// 2015-08-30T12:36:00Z, the time of every case in the suite.
constexpr int64_t kSuiteTime = 1440938160000;

// ------------------------------------------------------------ utilities

std::optional<fs::path> ConformanceDir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("SLUICE_CONFORMANCE_DIR"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  candidates.emplace_back("../shared/conformance");
  candidates.push_back(fs::path(__FILE__).parent_path() / "../../../shared/conformance");
  for (const fs::path& p : candidates) {
    std::error_code ec;
    if (fs::is_directory(p / "sigv4", ec)) return p;
  }
  return std::nullopt;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A request that owns its bytes; view() borrows them.
struct OwnedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  HttpRequestView view() const { return HttpRequestView{method, target, headers, body}; }

  std::string* Header(std::string_view lower_name) {
    for (auto& [n, v] : headers) {
      std::string l = n;
      std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
      if (l == lower_name) return &v;
    }
    return nullptr;
  }
};

// Parses the suite's raw HTTP text. The request line's target may contain
// spaces ("GET /example space/ HTTP/1.1"); a header line starting with
// whitespace continues the previous header (obsolete line folding), kept with
// its line break as an HTTP layer that preserves it would.
OwnedRequest ParseRawRequest(const std::string& text) {
  OwnedRequest r;
  std::size_t pos = 0;
  auto next_line = [&](std::string* line) {
    if (pos > text.size()) return false;
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    *line = text.substr(pos, nl - pos);
    if (!line->empty() && line->back() == '\r') line->pop_back();
    pos = nl + 1;
    return true;
  };
  std::string line;
  next_line(&line);
  const std::size_t first_space = line.find(' ');
  const std::size_t last_space = line.rfind(' ');
  r.method = line.substr(0, first_space);
  r.target = line.substr(first_space + 1, last_space - first_space - 1);
  while (next_line(&line)) {
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().second += "\n" + line;
      continue;
    }
    const std::size_t colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), colon == std::string::npos ? "" : line.substr(colon + 1));
  }
  if (pos <= text.size()) r.body = text.substr(pos);
  return r;
}

int64_t ParseIsoTimestamp(const std::string& s) {  // "2015-08-30T12:36:00Z"
  std::tm tm{};
  std::istringstream in(s);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string PercentDecodeForTest(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The SignedHeaders value of a signed request, read independently of the
// verifier's parser.
std::string SignedHeadersOf(OwnedRequest& r, bool query_form) {
  if (query_form) {
    const std::string key = "X-Amz-SignedHeaders=";
    const std::size_t p = r.target.find(key);
    if (p == std::string::npos) return "";
    const std::size_t end = r.target.find('&', p);
    return PercentDecodeForTest(r.target.substr(p + key.size(), end == std::string::npos ? end : end - p - key.size()));
  }
  const std::string* auth = r.Header("authorization");
  if (auth == nullptr) return "";
  const std::size_t p = auth->find("SignedHeaders=");
  const std::size_t end = auth->find(',', p);
  return auth->substr(p + 14, end - p - 14);
}

struct CaseContext {
  std::string access_key, secret, token, region, service, timestamp;
  bool normalize = true;
  bool sign_body = false;
  bool omit_session_token = false;
  int64_t expires = 0;
  int64_t millis = 0;
};

std::optional<CaseContext> ParseContext(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  CaseContext c;
  auto str = [](const rapidjson::Value& obj, const char* key) -> std::string {
    return obj.HasMember(key) && obj[key].IsString() ? obj[key].GetString() : "";
  };
  auto boolean = [](const rapidjson::Value& obj, const char* key, bool dflt) {
    return obj.HasMember(key) && obj[key].IsBool() ? obj[key].GetBool() : dflt;
  };
  if (!d.HasMember("credentials") || !d["credentials"].IsObject()) return std::nullopt;
  const rapidjson::Value& cred = d["credentials"];
  c.access_key = str(cred, "access_key_id");
  c.secret = str(cred, "secret_access_key");
  c.token = str(cred, "token");
  c.region = str(d, "region");
  c.service = str(d, "service");
  c.timestamp = str(d, "timestamp");
  c.normalize = boolean(d, "normalize", true);
  c.sign_body = boolean(d, "sign_body", false);
  c.omit_session_token = boolean(d, "omit_session_token", false);
  c.expires = d.HasMember("expiration_in_seconds") && d["expiration_in_seconds"].IsInt64()
                  ? d["expiration_in_seconds"].GetInt64()
                  : 0;
  c.millis = ParseIsoTimestamp(c.timestamp);
  return c;
}

void FlipSignatureChar(OwnedRequest& r, bool query_form) {
  std::string* s = query_form ? &r.target : r.Header("authorization");
  ASSERT_NE(s, nullptr);
  const std::string key = query_form ? "X-Amz-Signature=" : "Signature=";
  const std::size_t p = s->rfind(key);
  ASSERT_NE(p, std::string::npos);
  char& c = (*s)[p + key.size() + 10];
  c = c == '0' ? '1' : '0';
}

CredentialStore ExampleStore() {
  CredentialStore store;
  store.Add(kAkid, kSecret, kAccount);
  return store;
}

// ------------------------------------------------------ the AWS test suite

const char* const kSuiteCases[] = {
    "get-header-key-duplicate",
    "get-header-value-multiline",
    "get-header-value-order",
    "get-header-value-trim",
    "get-relative-normalized",
    "get-relative-relative-normalized",
    "get-relative-relative-unnormalized",
    "get-relative-unnormalized",
    "get-slash-dot-slash-normalized",
    "get-slash-dot-slash-unnormalized",
    "get-slash-normalized",
    "get-slash-pointless-dot-normalized",
    "get-slash-pointless-dot-unnormalized",
    "get-slash-unnormalized",
    "get-slashes-normalized",
    "get-slashes-unnormalized",
    "get-space-normalized",
    "get-space-unnormalized",
    "get-unreserved",
    "get-utf8",
    "get-vanilla",
    "get-vanilla-empty-query-key",
    "get-vanilla-query",
    "get-vanilla-query-order-encoded",
    "get-vanilla-query-order-key-case",
    "get-vanilla-query-unreserved",
    "get-vanilla-utf8-query",
    "get-vanilla-with-session-token",
    "post-header-key-case",
    "post-header-key-sort",
    "post-header-value-case",
    "post-sts-header-after",
    "post-sts-header-before",
    "post-vanilla",
    "post-vanilla-empty-query-value",
    "post-vanilla-query",
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
};

struct SuiteParam {
  std::string name;
  bool query_form;
};

void PrintTo(const SuiteParam& p, std::ostream* os) { *os << p.name << (p.query_form ? " (query)" : " (header)"); }

std::string ParamName(const testing::TestParamInfo<SuiteParam>& info) {
  std::string n = info.param.name + (info.param.query_form ? "_query" : "_header");
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

std::vector<SuiteParam> AllSuiteParams() {
  std::vector<SuiteParam> out;
  for (const char* name : kSuiteCases) {
    out.push_back({name, false});
    out.push_back({name, true});
  }
  return out;
}

class SigV4Suite : public testing::TestWithParam<SuiteParam> {
 protected:
  void SetUp() override {
    const std::optional<fs::path> root = ConformanceDir();
    if (!root) {
      GTEST_SKIP() << "SigV4 conformance data not found: set SLUICE_CONFORMANCE_DIR or provide "
                      "../shared/conformance/sigv4 (relative to the working directory)";
    }
    dir_ = *root / "sigv4" / GetParam().name;
    const std::string prefix = GetParam().query_form ? "query-" : "header-";
    if (!fs::exists(dir_ / (prefix + "signed-request.txt"))) {
      GTEST_SKIP() << "case " << GetParam().name << " has no " << prefix << "signed-request.txt";
    }
    std::optional<CaseContext> ctx = ParseContext(ReadFile(dir_ / "context.json"));
    ASSERT_TRUE(ctx.has_value()) << "bad context.json in " << dir_;
    ctx_ = *ctx;
    request_ = ParseRawRequest(ReadFile(dir_ / (prefix + "signed-request.txt")));
    expected_canonical_ = ReadFile(dir_ / (prefix + "canonical-request.txt"));
    expected_string_to_sign_ = ReadFile(dir_ / (prefix + "string-to-sign.txt"));
    expected_signature_ = ReadFile(dir_ / (prefix + "signature.txt"));
    clock_.Set(ctx_.millis);
    store_.Add(ctx_.access_key, ctx_.secret, kAccount);
  }

  Result<AuthContext> VerifyStrict(const OwnedRequest& r) {
    SigV4Verifier v(AuthMode::kStrict, &store_, &clock_);
    return v.Verify(r.view());
  }

  bool query() const { return GetParam().query_form; }

  fs::path dir_;
  CaseContext ctx_;
  OwnedRequest request_;
  std::string expected_canonical_, expected_string_to_sign_, expected_signature_;
  ManualClock clock_;
  CredentialStore store_;
};

TEST_P(SigV4Suite, StrictModeAcceptsSignedRequest) {
  Result<AuthContext> r = VerifyStrict(request_);
  ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
  EXPECT_TRUE(r->signed_request);
  EXPECT_EQ(r->access_key, ctx_.access_key);
  EXPECT_EQ(r->account_id, kAccount);
  EXPECT_EQ(r->region, ctx_.region);
  EXPECT_EQ(r->service, ctx_.service);
  EXPECT_EQ(CredentialScopeService(request_.view()), ctx_.service);
}

TEST_P(SigV4Suite, OpenModeAcceptsSignedRequest) {
  SigV4Verifier v(AuthMode::kOpen, nullptr, &clock_);
  Result<AuthContext> r = v.Verify(request_.view());
  ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
  EXPECT_TRUE(r->signed_request);
  EXPECT_EQ(r->access_key, ctx_.access_key);
  EXPECT_EQ(r->account_id, "");
}

TEST_P(SigV4Suite, CanonicalRequestStringToSignAndSignatureMatchVectors) {
  const HttpRequestView view = request_.view();
  std::string payload_hash;
  if (const std::string* h = request_.Header("x-amz-content-sha256")) {
    payload_hash = *h;
  } else {
    payload_hash = SigV4Verifier::PayloadHash(view.body);
  }
  CanonicalOptions opts;
  opts.normalize_path = ctx_.normalize;
  if (query()) {
    opts.omit_query_keys.push_back("X-Amz-Signature");
    // The "header after" variant adds the session token to the URL after
    // signing, so it is not part of the canonical query.
    if (ctx_.omit_session_token) opts.omit_query_keys.push_back("X-Amz-Security-Token");
  }
  const std::string canonical =
      SigV4Verifier::CanonicalRequest(view, SignedHeadersOf(request_, query()), payload_hash, opts);
  EXPECT_EQ(canonical, expected_canonical_);

  const std::string amz_date = SigV4Verifier::FormatAmzDate(ctx_.millis);
  const std::string date = amz_date.substr(0, 8);
  const std::string sts = SigV4Verifier::StringToSign(
      amz_date, SigV4Verifier::CredentialScope(date, ctx_.region, ctx_.service), canonical);
  EXPECT_EQ(sts, expected_string_to_sign_);
  EXPECT_EQ(SigV4Verifier::Sign(ctx_.secret, date, ctx_.region, ctx_.service, sts), expected_signature_);
}

TEST_P(SigV4Suite, RejectsFlippedSignatureCharacter) {
  OwnedRequest r = request_;
  FlipSignatureChar(r, query());
  Result<AuthContext> res = VerifyStrict(r);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, "SignatureDoesNotMatch");
  EXPECT_EQ(res.error().http_status, 403);
}

TEST_P(SigV4Suite, RejectsChangedSignedHeader) {
  OwnedRequest r = request_;
  std::vector<std::string> names;
  {
    std::string sh = SignedHeadersOf(r, query());
    std::stringstream ss(sh);
    for (std::string n; std::getline(ss, n, ';');) names.push_back(n);
  }
  // Pick the last signed header other than the date (changing the date is
  // covered by the skew tests and produces a different error).
  std::string target_name;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    if (*it != "x-amz-date") {
      target_name = *it;
      break;
    }
  }
  ASSERT_FALSE(target_name.empty());
  std::string* value = r.Header(target_name);
  ASSERT_NE(value, nullptr) << target_name;
  *value += "x";
  Result<AuthContext> res = VerifyStrict(r);
  ASSERT_FALSE(res.ok()) << "changed " << target_name;
  EXPECT_EQ(res.error().code, "SignatureDoesNotMatch") << res.error().message;
}

TEST_P(SigV4Suite, RejectsChangedBody) {
  // Every case signs its payload: cases with sign_body carry an
  // x-amz-content-sha256 header, the others sign the hash of the empty body.
  OwnedRequest r = request_;
  r.body += "x";
  Result<AuthContext> res = VerifyStrict(r);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, "SignatureDoesNotMatch");
}

// Only two kinds of case need the verifier's fallbacks: those signed over an
// unnormalized path that normalization would change, and the presigned form
// of the case whose session token was added after signing.
TEST_P(SigV4Suite, FallbacksAreNeededOnlyWhereExpected) {
  VerifierOptions strict_options;
  strict_options.accept_unnormalized_path = false;
  strict_options.accept_unsigned_query_token = false;
  SigV4Verifier v(AuthMode::kStrict, &store_, &clock_, strict_options);
  const bool path_differs = SigV4Verifier::CanonicalUri(request_.target, true) !=
                            SigV4Verifier::CanonicalUri(request_.target, false);
  const bool needs_fallback = (!ctx_.normalize && path_differs) || (query() && ctx_.omit_session_token);
  Result<AuthContext> r = v.Verify(request_.view());
  if (needs_fallback) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "SignatureDoesNotMatch");
  } else {
    EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
  }
}

TEST_P(SigV4Suite, RejectsUnknownAccessKey) {
  CredentialStore other;
  other.Add("AKIDOTHER", ctx_.secret, kAccount);
  SigV4Verifier v(AuthMode::kStrict, &other, &clock_);
  Result<AuthContext> res = v.Verify(request_.view());
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, "InvalidClientTokenId");
}

INSTANTIATE_TEST_SUITE_P(AwsSuite, SigV4Suite, testing::ValuesIn(AllSuiteParams()), ParamName);

TEST(SigV4SuiteCoverage, EveryCaseFolderIsListed) {
  const std::optional<fs::path> root = ConformanceDir();
  if (!root) GTEST_SKIP() << "SigV4 conformance data not found (see SLUICE_CONFORMANCE_DIR)";
  std::set<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(*root / "sigv4")) {
    if (e.is_directory()) on_disk.insert(e.path().filename().string());
  }
  std::set<std::string> listed(std::begin(kSuiteCases), std::end(kSuiteCases));
  EXPECT_EQ(on_disk, listed);
}

// ---------------------------------------------------- hand-built requests

OwnedRequest VanillaGet() {
  OwnedRequest r;
  r.method = "GET";
  r.target = "/";
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  return r;
}

// get-vanilla from the suite, header form.
OwnedRequest SignedVanillaGet() {
  OwnedRequest r = VanillaGet();
  r.headers.emplace_back("Authorization",
                         "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                         "SignedHeaders=host;x-amz-date, "
                         "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  return r;
}

// get-vanilla from the suite, presigned form (X-Amz-Expires=3600).
OwnedRequest PresignedVanillaGet() {
  OwnedRequest r;
  r.method = "GET";
  r.target =
      "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_"
      "request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature="
      "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d";
  r.headers = {{"Host", "example.amazonaws.com"}};
  return r;
}

OwnedRequest SqsSendMessage() {
  OwnedRequest r;
  r.method = "POST";
  r.target = "/123456789012/my-queue";
  r.headers = {{"Host", "localhost:9324"},
               {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"Content-Length", "64"},
               {"User-Agent", "aws-cli/2.15.0"}};
  r.body = "Action=SendMessage&MessageBody=hello%20world&Version=2012-11-05";
  r.headers[2].second = std::to_string(r.body.size());
  return r;
}

void ApplySigned(OwnedRequest& r, const SignedRequest& s) {
  for (const auto& h : s.headers) r.headers.push_back(h);
}

class VerifierTest : public testing::Test {
 protected:
  VerifierTest() : store_(ExampleStore()), clock_(kSuiteTime) {}
  Result<AuthContext> Strict(const OwnedRequest& r) {
    return SigV4Verifier(AuthMode::kStrict, &store_, &clock_).Verify(r.view());
  }
  Result<AuthContext> Open(const OwnedRequest& r) {
    return SigV4Verifier(AuthMode::kOpen, nullptr, &clock_).Verify(r.view());
  }
  CredentialStore store_;
  ManualClock clock_;
};

#define EXPECT_AUTH_ERROR(result, expected_code)                                          \
  do {                                                                                    \
    const auto& res_ = (result);                                                          \
    ASSERT_FALSE(res_.ok()) << "expected " << (expected_code);                             \
    EXPECT_EQ(res_.error().code, (expected_code)) << res_.error().message;                 \
    /* AWS answers a malformed signature with 400, every other auth error with 403. */    \
    EXPECT_EQ(res_.error().http_status,                                                   \
              std::string(expected_code) == "IncompleteSignature" ? 400 : 403);          \
    EXPECT_TRUE(res_.error().sender_fault);                                               \
  } while (0)

TEST_F(VerifierTest, OpenModeAcceptsUnsignedRequest) {
  Result<AuthContext> r = Open(VanillaGet());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->signed_request);
  EXPECT_EQ(r->access_key, "");
  EXPECT_EQ(r->region, "");
  EXPECT_EQ(r->service, "");
}

TEST_F(VerifierTest, OpenModeAcceptsAnyKeyWithoutCheckingSignature) {
  OwnedRequest r = VanillaGet();
  r.headers.emplace_back("Authorization",
                         "AWS4-HMAC-SHA256 Credential=ANYKEY/20150830/eu-west-2/sqs/aws4_request, "
                         "SignedHeaders=host;x-amz-date, Signature=not-even-hex");
  Result<AuthContext> res = Open(r);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_TRUE(res->signed_request);
  EXPECT_EQ(res->access_key, "ANYKEY");
  EXPECT_EQ(res->region, "eu-west-2");
  EXPECT_EQ(res->service, "sqs");
  EXPECT_EQ(res->account_id, "");
  // Not even the clock matters in open mode.
  clock_.Advance(24 * 60 * kMinute);
  EXPECT_TRUE(Open(r).ok());
}

TEST_F(VerifierTest, OpenModeAcceptsAnyKeyPresigned) {
  OwnedRequest r = PresignedVanillaGet();
  std::string& t = r.target;
  t.replace(t.find("AKIDEXAMPLE"), 11, "SOMEONE");
  Result<AuthContext> res = Open(r);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->access_key, "SOMEONE");
  EXPECT_EQ(res->service, "service");
}

TEST_F(VerifierTest, MalformedAuthorizationIsIncompleteSignatureInBothModes) {
  const std::string date = "20150830";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"AWS4-HMAC-SHA512 Credential=AKIDEXAMPLE/" + date + "/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=ab",
       "Unsupported AWS 'algorithm'"},
      {"AWS AKIDEXAMPLE:c2lnbmF0dXJl", "Unsupported AWS 'algorithm'"},
      {"AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=ab",
       "Authorization header requires 'Credential' parameter."},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + date + "/us-east-1/sqs/aws4_request, Signature=ab",
       "Authorization header requires 'SignedHeaders' parameter."},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + date + "/us-east-1/sqs/aws4_request, SignedHeaders=host",
       "Authorization header requires 'Signature' parameter."},
      {"", "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
           "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization="},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + date + "/us-east-1/aws4_request, SignedHeaders=host, Signature=ab",
       "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got "
       "'AKIDEXAMPLE/20150830/us-east-1/aws4_request'"},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + date + "/us-east-1/sqs/aws4_request/x, SignedHeaders=host, Signature=ab",
       "exactly 5 slash-delimited elements"},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + date + "/us-east-1/sqs/aws5_request, SignedHeaders=host, Signature=ab",
       "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015-08-30/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=ab",
       "Invalid credential date"},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE//us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=ab",
       "Invalid credential date"},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + date + "//sqs/aws4_request, SignedHeaders=host, Signature=ab",
       "valid region"},
      {"AWS4-HMAC-SHA256 Credential=/" + date + "/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=ab",
       "access key"},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /" + date + "/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=ab",
       "'/20150830/us-east-1/sqs/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization "
       "header"},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + date + "/us-east-1/sqs/aws4_request, SignedHeaders=x-amz-date, Signature=ab",
       "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
      {"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + date + "/us-east-1/sqs/aws4_request, SignedHeaders=host;;x-amz-date, Signature=ab",
       "empty header name"},
  };
  for (const auto& [value, message_part] : cases) {
    SCOPED_TRACE("Authorization: " + value);
    OwnedRequest r = VanillaGet();
    r.headers.emplace_back("Authorization", value);
    for (auto mode : {AuthMode::kOpen, AuthMode::kStrict}) {
      Result<AuthContext> res = SigV4Verifier(mode, &store_, &clock_).Verify(r.view());
      EXPECT_AUTH_ERROR(res, "IncompleteSignature");
      EXPECT_NE(res.error().message.find(message_part), std::string::npos) << res.error().message;
    }
  }
}

TEST_F(VerifierTest, MissingDateIsIncompleteSignature) {
  OwnedRequest r = SignedVanillaGet();
  r.headers.erase(r.headers.begin() + 1);  // X-Amz-Date
  Result<AuthContext> res = Strict(r);
  EXPECT_AUTH_ERROR(res, "IncompleteSignature");
  EXPECT_EQ(res.error().message,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            "Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_AUTH_ERROR(Open(r), "IncompleteSignature");
}

TEST_F(VerifierTest, BadAmzDateIsIncompleteSignature) {
  for (const char* bad : {"2015-08-30T12:36:00Z", "20150830T123600", "20151330T123600Z", "20150830T253600Z", ""}) {
    SCOPED_TRACE(bad);
    OwnedRequest r = SignedVanillaGet();
    r.headers[1].second = bad;
    Result<AuthContext> res = Strict(r);
    EXPECT_AUTH_ERROR(res, "IncompleteSignature");
  }
  OwnedRequest r = SignedVanillaGet();
  r.headers[1].second = "2015-08-30T12:36:00Z";
  EXPECT_EQ(Strict(r).error().message,
            "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See "
            "http://en.wikipedia.org/wiki/ISO_8601");
}

TEST_F(VerifierTest, StrictModeRequiresAuthentication) {
  Result<AuthContext> res = Strict(VanillaGet());
  EXPECT_AUTH_ERROR(res, "MissingAuthenticationToken");
  EXPECT_EQ(res.error().message, "Request is missing Authentication Token");
  // A null store is allowed and knows no key.
  SigV4Verifier no_store(AuthMode::kStrict, nullptr, &clock_);
  EXPECT_AUTH_ERROR(no_store.Verify(SignedVanillaGet().view()), "InvalidClientTokenId");
}

TEST_F(VerifierTest, StrictModeRejectsUnknownAccessKey) {
  CredentialStore other;
  other.Add("AKIDOTHER", kSecret, kAccount);
  Result<AuthContext> res = SigV4Verifier(AuthMode::kStrict, &other, &clock_).Verify(SignedVanillaGet().view());
  EXPECT_AUTH_ERROR(res, "InvalidClientTokenId");
  EXPECT_EQ(res.error().message, "The security token included in the request is invalid.");
}

TEST_F(VerifierTest, SignatureMismatchUsesAwsMessage) {
  OwnedRequest r = SignedVanillaGet();
  FlipSignatureChar(r, false);
  Result<AuthContext> res = Strict(r);
  EXPECT_AUTH_ERROR(res, "SignatureDoesNotMatch");
  EXPECT_EQ(res.error().message,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details.");
  // Wrong secret for the right key.
  CredentialStore wrong;
  wrong.Add(kAkid, "not-the-secret", kAccount);
  EXPECT_AUTH_ERROR(SigV4Verifier(AuthMode::kStrict, &wrong, &clock_).Verify(SignedVanillaGet().view()),
                    "SignatureDoesNotMatch");
}

TEST_F(VerifierTest, ClockSkewWithinFifteenMinutesIsAccepted) {
  clock_.Set(kSuiteTime + 15 * kMinute);
  EXPECT_TRUE(Strict(SignedVanillaGet()).ok());
  clock_.Set(kSuiteTime - 15 * kMinute);
  EXPECT_TRUE(Strict(SignedVanillaGet()).ok());
}

TEST_F(VerifierTest, SignatureTooOldIsRequestTimeTooSkewed) {
  clock_.Set(kSuiteTime + 15 * kMinute + 1000);
  Result<AuthContext> res = Strict(SignedVanillaGet());
  EXPECT_AUTH_ERROR(res, "RequestTimeTooSkewed");
  EXPECT_EQ(res.error().message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)");
}

TEST_F(VerifierTest, SignatureFromTheFutureIsRequestTimeTooSkewed) {
  clock_.Set(kSuiteTime - 15 * kMinute - 1000);
  Result<AuthContext> res = Strict(SignedVanillaGet());
  EXPECT_AUTH_ERROR(res, "RequestTimeTooSkewed");
  EXPECT_EQ(res.error().message,
            "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z "
            "(20150830T122059Z + 15 min.)");
}

TEST_F(VerifierTest, CredentialScopeDateMustMatchRequestDate) {
  // Signed correctly, but with a scope date from another day.
  OwnedRequest r = VanillaGet();
  const std::string canonical = SigV4Verifier::CanonicalRequest(r.view(), "host;x-amz-date",
                                                                SigV4Verifier::PayloadHash(""));
  const std::string scope = SigV4Verifier::CredentialScope("20150831", "us-east-1", "service");
  const std::string sig = SigV4Verifier::Sign(kSecret, "20150831", "us-east-1", "service",
                                              SigV4Verifier::StringToSign("20150830T123600Z", scope, canonical));
  r.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + scope +
                                              ", SignedHeaders=host;x-amz-date, Signature=" + sig);
  Result<AuthContext> res = Strict(r);
  EXPECT_AUTH_ERROR(res, "SignatureDoesNotMatch");
  EXPECT_EQ(res.error().message,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' "
            "!= '20150830', from '20150830T123600Z'.");
}

TEST_F(VerifierTest, DateHeaderIsUsedWithoutXAmzDate) {
  OwnedRequest r;
  r.method = "GET";
  r.target = "/";
  r.headers = {{"Host", "example.amazonaws.com"}, {"Date", "Sun, 30 Aug 2015 12:36:00 GMT"}};
  const std::string canonical =
      SigV4Verifier::CanonicalRequest(r.view(), "date;host", SigV4Verifier::PayloadHash(""));
  const std::string scope = SigV4Verifier::CredentialScope("20150830", "us-east-1", "sqs");
  const std::string sig = SigV4Verifier::Sign(kSecret, "20150830", "us-east-1", "sqs",
                                              SigV4Verifier::StringToSign("20150830T123600Z", scope, canonical));
  r.headers.emplace_back("Authorization",
                         "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + scope + ", SignedHeaders=date;host, Signature=" + sig);
  Result<AuthContext> res = Strict(r);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->service, "sqs");

  r.headers[1].second = "Sun, 30 Aug 2015 12:36:00";  // not an HTTP date
  EXPECT_AUTH_ERROR(Strict(r), "IncompleteSignature");
}

TEST_F(VerifierTest, PresignedUrlHonoursExpires) {
  clock_.Set(kSuiteTime + 3600 * 1000);  // exactly at expiry: still valid
  EXPECT_TRUE(Strict(PresignedVanillaGet()).ok());
  clock_.Set(kSuiteTime + 3601 * 1000);
  Result<AuthContext> res = Strict(PresignedVanillaGet());
  EXPECT_AUTH_ERROR(res, "AccessDenied");
  EXPECT_EQ(res.error().message, "Request has expired");
  // Open mode does not check expiry.
  EXPECT_TRUE(Open(PresignedVanillaGet()).ok());
}

TEST_F(VerifierTest, PresignedUrlFromTheFutureIsRequestTimeTooSkewed) {
  clock_.Set(kSuiteTime - 16 * kMinute);
  EXPECT_AUTH_ERROR(Strict(PresignedVanillaGet()), "RequestTimeTooSkewed");
}

TEST_F(VerifierTest, PresignedUrlMalformedParameters) {
  struct Case {
    std::string from, to, message_part;
  };
  const std::vector<Case> cases = {
      {"X-Amz-Expires=3600", "X-Amz-Expires=abc", "X-Amz-Expires should be a non-negative number"},
      {"X-Amz-Expires=3600", "X-Amz-Expires=-1", "X-Amz-Expires should be a non-negative number"},
      {"X-Amz-Expires=3600", "X-Amz-Expires=604801", "X-Amz-Expires must be less than a week"},
      {"X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1", "X-Amz-Algorithm only supports"},
      {"X-Amz-Algorithm=AWS4-HMAC-SHA256&", "",
       "AWS query-string parameters must include 'X-Amz-Algorithm'. Re-examine the query-string parameters."},
      {"&X-Amz-Date=20150830T123600Z", "", "must include 'X-Amz-Date'"},
      {"&X-Amz-SignedHeaders=host", "", "must include 'X-Amz-SignedHeaders'"},
      {"%2Fservice%2F", "%2F", "exactly 5 slash-delimited elements"},
      {"X-Amz-Date=20150830T123600Z", "X-Amz-Date=20150830", "ISO-8601 'basic format'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.from + " -> " + c.to);
    OwnedRequest r = PresignedVanillaGet();
    const std::size_t p = r.target.find(c.from);
    ASSERT_NE(p, std::string::npos);
    r.target.replace(p, c.from.size(), c.to);
    for (auto mode : {AuthMode::kOpen, AuthMode::kStrict}) {
      Result<AuthContext> res = SigV4Verifier(mode, &store_, &clock_).Verify(r.view());
      EXPECT_AUTH_ERROR(res, "IncompleteSignature");
      EXPECT_NE(res.error().message.find(c.message_part), std::string::npos) << res.error().message;
    }
  }
}

TEST_F(VerifierTest, BothAuthMechanismsAreRejected) {
  OwnedRequest r = PresignedVanillaGet();
  r.headers.emplace_back("Authorization", SignedVanillaGet().headers.back().second);
  EXPECT_AUTH_ERROR(Strict(r), "IncompleteSignature");
  EXPECT_AUTH_ERROR(Open(r), "IncompleteSignature");
}

TEST_F(VerifierTest, DuplicateAuthorizationHeadersAreRejected) {
  OwnedRequest r = SignedVanillaGet();
  r.headers.push_back(r.headers.back());
  EXPECT_AUTH_ERROR(Strict(r), "IncompleteSignature");
}

TEST_F(VerifierTest, ContentSha256HeaderMustMatchBody) {
  OwnedRequest r = SqsSendMessage();
  r.headers.emplace_back("X-Amz-Content-Sha256", SigV4Verifier::PayloadHash(r.body));
  ApplySigned(r, SigV4Verifier::SignRequest(r.view(), {kAkid, kSecret, ""}, "us-east-1", "sqs", kSuiteTime));
  ASSERT_TRUE(Strict(r).ok());
  r.body[0] = 'a';
  Result<AuthContext> res = Strict(r);
  EXPECT_AUTH_ERROR(res, "SignatureDoesNotMatch");
  EXPECT_EQ(res.error().message, "The provided 'x-amz-content-sha256' header does not match what was computed.");
}

TEST_F(VerifierTest, UnsignedPayloadIsAcceptedWhenDeclared) {
  OwnedRequest r = SqsSendMessage();
  r.headers.emplace_back("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  ApplySigned(r, SigV4Verifier::SignRequest(r.view(), {kAkid, kSecret, ""}, "us-east-1", "sqs", kSuiteTime));
  ASSERT_TRUE(Strict(r).ok());
  r.body += "&Extra=1";  // the body is not covered by the signature
  EXPECT_TRUE(Strict(r).ok());
}

// ----------------------------------------------------- client-side signer

TEST_F(VerifierTest, SignRequestRoundTrip) {
  OwnedRequest r = SqsSendMessage();
  const SignedRequest s = SigV4Verifier::SignRequest(r.view(), {kAkid, kSecret, ""}, "us-east-1", "sqs", kSuiteTime);
  EXPECT_EQ(s.amz_date, "20150830T123600Z");
  EXPECT_EQ(s.signed_headers, "content-length;content-type;host;x-amz-date");
  EXPECT_EQ(s.authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sqs/aws4_request, "
                                  "SignedHeaders=content-length;content-type;host;x-amz-date, Signature=",
                                  0),
            0u);
  ApplySigned(r, s);
  Result<AuthContext> res = Strict(r);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->access_key, kAkid);
  EXPECT_EQ(res->account_id, kAccount);
  EXPECT_EQ(res->region, "us-east-1");
  EXPECT_EQ(res->service, "sqs");
  EXPECT_EQ(CredentialScopeService(r.view()), "sqs");

  OwnedRequest tampered = r;
  tampered.body.replace(tampered.body.find("hello"), 5, "HELLO");
  EXPECT_AUTH_ERROR(Strict(tampered), "SignatureDoesNotMatch");
  // Unsigned headers may change freely.
  OwnedRequest ua = r;
  *ua.Header("user-agent") = "something-else";
  EXPECT_TRUE(Strict(ua).ok());
}

TEST_F(VerifierTest, SignRequestMatchesSuiteVector) {
  // Signing request.txt of post-x-www-form-urlencoded with an explicit
  // content hash gives exactly the suite's Authorization header.
  OwnedRequest r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
               {"Host", "example.amazonaws.com"},
               {"Content-Length", "13"},
               {"x-amz-content-sha256", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"}};
  r.body = "Param1=value1";
  const SignedRequest s =
      SigV4Verifier::SignRequest(r.view(), {kAkid, kSecret, ""}, "us-east-1", "service", kSuiteTime);
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, "
            "Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b");
}

TEST_F(VerifierTest, SignRequestWithSessionToken) {
  OwnedRequest r = SqsSendMessage();
  r.headers.emplace_back("X-Amz-Date", "19990101T000000Z");  // ignored and replaced
  const SignedRequest s =
      SigV4Verifier::SignRequest(r.view(), {kAkid, kSecret, "session-token/+="}, "eu-west-1", "sns", kSuiteTime);
  EXPECT_EQ(s.signed_headers, "content-length;content-type;host;x-amz-date;x-amz-security-token");
  ASSERT_EQ(s.headers.size(), 3u);
  EXPECT_EQ(s.headers[2].first, "X-Amz-Security-Token");
  r.headers.pop_back();
  ApplySigned(r, s);
  Result<AuthContext> res = Strict(r);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->service, "sns");
  *r.Header("x-amz-security-token") = "other";
  EXPECT_AUTH_ERROR(Strict(r), "SignatureDoesNotMatch");
}

TEST_F(VerifierTest, PresignTargetRoundTrip) {
  OwnedRequest r;
  r.method = "GET";
  r.target = "/123456789012/q?Action=ReceiveMessage&MaxNumberOfMessages=10";
  r.headers = {{"Host", "localhost:9324"}};
  r.target = SigV4Verifier::PresignTarget(r.view(), {kAkid, kSecret, "tok/en"}, "us-east-1", "sqs", kSuiteTime, 300);
  EXPECT_NE(r.target.find("&X-Amz-Expires=300&X-Amz-Security-Token=tok%2Fen&X-Amz-SignedHeaders=host"),
            std::string::npos)
      << r.target;
  Result<AuthContext> res = Strict(r);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->service, "sqs");
  EXPECT_EQ(CredentialScopeService(r.view()), "sqs");
  clock_.Set(kSuiteTime + 301 * 1000);
  EXPECT_AUTH_ERROR(Strict(r), "AccessDenied");
  clock_.Set(kSuiteTime);
  OwnedRequest changed = r;
  changed.target.replace(changed.target.find("=10"), 3, "=11");
  EXPECT_AUTH_ERROR(Strict(changed), "SignatureDoesNotMatch");
}

TEST_F(VerifierTest, UnnormalizedPathFallbackCanBeDisabled) {
  // get-slashes-unnormalized: signed over "//example//" as is.
  OwnedRequest r;
  r.method = "GET";
  r.target = "//example//";
  r.headers = {{"Host", "example.amazonaws.com"},
               {"X-Amz-Date", "20150830T123600Z"},
               {"Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                "SignedHeaders=host;x-amz-date, "
                "Signature=87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"}};
  EXPECT_TRUE(Strict(r).ok());
  VerifierOptions opts;
  opts.accept_unnormalized_path = false;
  EXPECT_AUTH_ERROR(SigV4Verifier(AuthMode::kStrict, &store_, &clock_, opts).Verify(r.view()),
                    "SignatureDoesNotMatch");
}

// ------------------------------------------------------------- helpers

TEST(SigV4Helpers, CanonicalUri) {
  EXPECT_EQ(SigV4Verifier::CanonicalUri("", true), "/");
  EXPECT_EQ(SigV4Verifier::CanonicalUri("/", true), "/");
  EXPECT_EQ(SigV4Verifier::CanonicalUri("/a/./b/../c//d/", true), "/a/c/d/");
  EXPECT_EQ(SigV4Verifier::CanonicalUri("/a/./b/../c//d/", false), "/a/./b/../c//d/");
  EXPECT_EQ(SigV4Verifier::CanonicalUri("/../../x", true), "/x");
  EXPECT_EQ(SigV4Verifier::CanonicalUri("/%41 b?x=1", true), "/%2541%20b");
  EXPECT_EQ(SigV4Verifier::CanonicalUri("http://host:80/a/../q?x", true), "/q");
  EXPECT_EQ(SigV4Verifier::CanonicalUri("http://host", true), "/");
  EXPECT_EQ(SigV4Verifier::CanonicalUri("/123456789012/my-queue", true), "/123456789012/my-queue");
}

TEST(SigV4Helpers, CanonicalQuery) {
  EXPECT_EQ(SigV4Verifier::CanonicalQuery("/", {}), "");
  EXPECT_EQ(SigV4Verifier::CanonicalQuery("/?", {}), "");
  EXPECT_EQ(SigV4Verifier::CanonicalQuery("/?b=2&a=1&a=0&c&d=%zz&e=a+b&&f=%7e%2f", {}),
            "a=0&a=1&b=2&c=&d=%25zz&e=a%2Bb&f=~%2F");
  EXPECT_EQ(SigV4Verifier::CanonicalQuery("/?X-Amz-Signature=abc&k=v", {"X-Amz-Signature"}), "k=v");
  EXPECT_EQ(SigV4Verifier::CanonicalQuery("/?%", {}), "%25=");
}

TEST(SigV4Helpers, CanonicalHeadersTrimFoldAndJoin) {
  OwnedRequest r;
  r.method = "GET";
  r.target = "/";
  r.headers = {{"HOST", " h "}, {"X-A", "  one \r\n   two\tthree  "}, {"x-a", "four"}, {"Unsigned", "x"}};
  EXPECT_EQ(SigV4Verifier::CanonicalRequest(r.view(), "host;x-a;x-missing", "HASH"),
            "GET\n/\n\nhost:h\nx-a:one two three,four\nx-missing:\n\nhost;x-a;x-missing\nHASH");
}

TEST(SigV4Helpers, FormatAmzDate) {
  EXPECT_EQ(SigV4Verifier::FormatAmzDate(kSuiteTime), "20150830T123600Z");
  EXPECT_EQ(SigV4Verifier::FormatAmzDate(kSuiteTime + 999), "20150830T123600Z");
  EXPECT_EQ(SigV4Verifier::FormatAmzDate(0), "19700101T000000Z");
  EXPECT_EQ(SigV4Verifier::FormatAmzDate(-1), "19691231T235959Z");
  EXPECT_EQ(SigV4Verifier::FormatAmzDate(951782400000), "20000229T000000Z");
}

TEST(SigV4Helpers, CredentialScopeService) {
  OwnedRequest r = VanillaGet();
  EXPECT_EQ(CredentialScopeService(r.view()), "");
  r.headers.emplace_back("authorization",
                         "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sns/aws4_request,SignedHeaders=host,"
                         "Signature=00");
  EXPECT_EQ(CredentialScopeService(r.view()), "sns");
  r.headers.back().second = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sns";
  EXPECT_EQ(CredentialScopeService(r.view()), "");
  r.headers.back().second = "garbage";
  EXPECT_EQ(CredentialScopeService(r.view()), "");
  EXPECT_EQ(CredentialScopeService(PresignedVanillaGet().view()), "service");
}

// Random damage to valid requests must yield a well-formed answer, never a
// crash (run under ASan/UBSan to make this meaningful).
TEST_F(VerifierTest, DamagedInputNeverCrashes) {
  std::mt19937 rng(12345);
  OwnedRequest sqs = SqsSendMessage();
  ApplySigned(sqs, SigV4Verifier::SignRequest(sqs.view(), {kAkid, kSecret, "tok"}, "us-east-1", "sqs", kSuiteTime));
  const std::vector<OwnedRequest> seeds = {SignedVanillaGet(), PresignedVanillaGet(), sqs};
  const std::string alphabet = std::string("%/=&?;, \t\r\n.-_~AZaz09") + '\0' + "\xff\xe1";
  for (int iter = 0; iter < 20000; ++iter) {
    OwnedRequest r = seeds[iter % seeds.size()];
    std::string* field = nullptr;
    switch (rng() % 3) {
      case 0: field = &r.target; break;
      case 1: field = &r.headers[rng() % r.headers.size()].second; break;
      default: field = &r.headers[rng() % r.headers.size()].first; break;
    }
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t pos = field->empty() ? 0 : rng() % (field->size() + 1);
      switch (rng() % 3) {
        case 0: field->insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        case 1: if (!field->empty() && pos < field->size()) field->erase(pos, 1 + rng() % 8); break;
        default: field->resize(pos); break;
      }
    }
    for (auto mode : {AuthMode::kOpen, AuthMode::kStrict}) {
      Result<AuthContext> res = SigV4Verifier(mode, &store_, &clock_).Verify(r.view());
      if (!res.ok()) {
        EXPECT_EQ(res.error().http_status, res.error().code == "IncompleteSignature" ? 400 : 403);
        EXPECT_FALSE(res.error().code.empty());
      }
    }
    (void)CredentialScopeService(r.view());
  }
}

// ---------------------------------------------------------- credentials

class CredentialFileTest : public testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = testing::TempDir() + "sluice_sigv4_test_" + name;
    std::ofstream(path, std::ios::binary) << content;
    paths_.push_back(path);
    return path;
  }
  ~CredentialFileTest() override {
    for (const auto& p : paths_) std::remove(p.c_str());
  }
  std::vector<std::string> paths_;
};

TEST_F(CredentialFileTest, LoadsWhitespaceSeparatedFile) {
  const std::string path = Write("ws", "# access key, secret, account\n\n  AKID1  secret/one+   111111111111\n"
                                       "AKID2\tsecret2\t222222222222\r\n   # indented comment\n");
  Result<CredentialStore> store = CredentialStore::LoadFile(path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(store->size(), 2u);
  ASSERT_NE(store->Find("AKID1"), nullptr);
  EXPECT_EQ(store->Find("AKID1")->secret, "secret/one+");
  EXPECT_EQ(store->Find("AKID1")->account_id, "111111111111");
  ASSERT_NE(store->Find("AKID2"), nullptr);
  EXPECT_EQ(store->Find("AKID2")->secret, "secret2");
  EXPECT_EQ(store->Find("AKID3"), nullptr);
}

TEST_F(CredentialFileTest, LoadsCsvWithHeaderAndQuotes) {
  const std::string path =
      Write("csv", "access_key_id,secret_access_key,account_id\r\nAKID1, s1 ,111111111111\r\n\"AKID2\",\"s2\",\"222222222222\"\r\n");
  Result<CredentialStore> store = CredentialStore::LoadFile(path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(store->Find("AKID1")->secret, "s1");
  EXPECT_EQ(store->Find("AKID2")->account_id, "222222222222");
  EXPECT_EQ(store->Find("access_key_id"), nullptr);
}

TEST_F(CredentialFileTest, RejectsBadLinesNamingTheLine) {
  struct Case {
    std::string content, message_part;
  };
  const std::vector<Case> cases = {
      {"AKID1 s1 111111111111\n# comment\nAKID2 s2\n", "line 3: expected 3 fields"},
      {"AKID1 s1 111111111111 extra\n", "line 1: expected 3 fields"},
      {"AKID1 s1 12345\n", "line 1: account id '12345' must be 12 digits"},
      {"AKID1,s1,\n", "line 1: account id is empty"},
      {"AKID1,,111111111111\n", "line 1: secret is empty"},
      {"AK/ID s1 111111111111\n", "must not contain '/'"},
      {"AKID1 s1 111111111111\nAKID1 s2 222222222222\n", "line 2: duplicate access key 'AKID1' (first defined on line 1)"},
      {"# only comments\n\n", "no credentials defined"},
      {"", "no credentials defined"},
  };
  int i = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.content);
    Result<CredentialStore> store = CredentialStore::LoadFile(Write("bad" + std::to_string(i++), c.content));
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, "InvalidConfig");
    EXPECT_NE(store.error().message.find(c.message_part), std::string::npos) << store.error().message;
  }
}

TEST_F(CredentialFileTest, MissingFileIsInvalidConfig) {
  Result<CredentialStore> store = CredentialStore::LoadFile(testing::TempDir() + "sluice_no_such_file");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, "InvalidConfig");
  EXPECT_NE(store.error().message.find("cannot be opened"), std::string::npos);
}

TEST(CredentialStoreTest, AddFindReplace) {
  CredentialStore store;
  EXPECT_TRUE(store.empty());
  store.Add("A", "s1", "111111111111");
  store.Add("A", "s2", "222222222222");
  EXPECT_FALSE(store.empty());
  ASSERT_NE(store.Find("A"), nullptr);
  EXPECT_EQ(store.Find("A")->secret, "s2");
  EXPECT_EQ(store.Find("a"), nullptr);
}

}  // namespace
}  // namespace sluice::auth
