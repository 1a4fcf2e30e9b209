// Fuzz target: SigV4 parsing and verification.
//
// Input: a raw request in the text form of the AWS SigV4 test suite
// (*-signed-request.txt): request line, "Name:Value" header lines (a line
// starting with whitespace continues the previous value), an empty line, the
// body. LF or CRLF line ends.
//
// The request goes through SigV4Verifier::Verify in open mode and in strict
// mode (the suite's example key, the clock at the suite's time, so the seeds
// verify), through CredentialScopeService and the canonicalization helpers.
// Checked properties:
//  - every rejection carries one of the documented codes and status 400/403;
//  - a request strict mode accepts, open mode accepts too, for the same key;
//  - the scope service routing reads is the one the signature was checked for;
//  - a well-formed request signed by SignRequest verifies in strict mode.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.h"
#include "auth/sigv4.h"
#include "common/clock.h"

using namespace sluice;
using namespace sluice::auth;

namespace {

constexpr int64_t kSuiteTime = 1440938160000;  // 2015-08-30T12:36:00Z
constexpr char kAkid[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kAccount[] = "123456789012";

struct OwnedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  HttpRequestView view() const { return HttpRequestView{method, target, headers, body}; }
};

OwnedRequest Parse(std::string_view text) {
  OwnedRequest r;
  size_t pos = 0;
  auto next_line = [&](std::string_view* line) {
    if (pos > text.size()) return false;
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    *line = text.substr(pos, nl - pos);
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    pos = nl + 1;
    return true;
  };
  std::string_view line;
  next_line(&line);
  size_t first = line.find(' ');
  size_t last = line.rfind(' ');
  r.method = std::string(line.substr(0, first));
  if (first != std::string_view::npos && last > first) r.target = std::string(line.substr(first + 1, last - first - 1));
  while (next_line(&line)) {
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().second += "\n" + std::string(line);
      continue;
    }
    size_t colon = line.find(':');
    r.headers.emplace_back(std::string(line.substr(0, colon)),
                           colon == std::string_view::npos ? std::string() : std::string(line.substr(colon + 1)));
  }
  if (pos <= text.size()) r.body = std::string(text.substr(pos));
  return r;
}

bool IsTchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

void CheckError(const Error& e) {
  static const std::string_view kCodes[] = {"MissingAuthenticationToken", "IncompleteSignature",
                                            "InvalidClientTokenId",       "SignatureDoesNotMatch",
                                            "RequestTimeTooSkewed",       "AccessDenied"};
  bool known = false;
  for (std::string_view c : kCodes) known = known || e.code == c;
  if (!known || (e.http_status != 400 && e.http_status != 403) || e.message.empty()) __builtin_trap();
}

// Requests the client-side signer is meant for: header names an HTTP parser
// would accept, a Host header, no auth material already present and no
// declared payload hash (a wrong declared hash is rightly refused).
bool Signable(const OwnedRequest& r) {
  if (r.method.empty() || r.target.empty()) return false;
  bool host = false;
  for (const auto& [name, value] : r.headers) {
    if (name.empty()) return false;
    for (char c : name) {
      if (!IsTchar(c)) return false;
    }
    std::string l = Lower(name);
    if (l == "host") host = true;
    if (l == "authorization" || l == "x-amz-content-sha256" || l == "x-amz-date" || l == "date") return false;
  }
  std::string t = Lower(r.target);
  if (t.find("x-amz-") != std::string::npos) return false;
  return host;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ManualClock clock(kSuiteTime);
  static CredentialStore* store = [] {
    auto* s = new CredentialStore();
    s->Add(kAkid, kSecret, kAccount);
    return s;
  }();
  static const SigV4Verifier open(AuthMode::kOpen, nullptr, &clock);
  static const SigV4Verifier strict(AuthMode::kStrict, store, &clock);

  OwnedRequest req = Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  HttpRequestView view = req.view();

  Result<AuthContext> o = open.Verify(view);
  Result<AuthContext> s = strict.Verify(view);
  if (!o.ok()) {
    CheckError(o.error());
    if (o.error().code == "MissingAuthenticationToken") __builtin_trap();  // open mode admits unsigned
  }
  if (!s.ok()) CheckError(s.error());
  std::string scope_service = CredentialScopeService(view);
  if (s.ok()) {
    if (!o.ok() || !s->signed_request || s->access_key != kAkid || s->account_id != kAccount) __builtin_trap();
    if (o->access_key != s->access_key || o->service != s->service || o->region != s->region) __builtin_trap();
    if (scope_service != s->service) __builtin_trap();
  }

  (void)SigV4Verifier::CanonicalUri(req.target, true);
  (void)SigV4Verifier::CanonicalUri(req.target, false);
  (void)SigV4Verifier::CanonicalQuery(req.target, {"X-Amz-Signature"});

  if (Signable(req)) {
    SigningCredentials creds{kAkid, kSecret, ""};
    SignedRequest signed_req = SigV4Verifier::SignRequest(view, creds, "us-east-1", "sqs", kSuiteTime);
    OwnedRequest copy = req;
    for (const auto& h : signed_req.headers) copy.headers.push_back(h);
    Result<AuthContext> again = strict.Verify(copy.view());
    if (!again.ok() || again->service != "sqs") __builtin_trap();
  }
  return 0;
}
