// AWS Signature Version 4: verification of incoming requests (Authorization
// header and presigned query forms) and a matching client-side signer.
//
// Ownership: SigV4Verifier keeps raw pointers to the CredentialStore and the
// Clock it is given; both must outlive it. HttpRequestView borrows the method,
// target and body from the caller for the duration of a call.
//
// Threading: Verify and every static helper are const, keep no mutable state
// and may be called concurrently from any number of threads (the store must
// not be modified meanwhile; see credentials.h).
//
// Errors: Verify never throws and never aborts on input; every rejection is an
// Error with an AWS error code, AWS's message text where AWS's is known, and
// http_status set (403 for all of them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/credentials.h"
#include "common/clock.h"
#include "common/result.h"

namespace sluice::auth {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// What the HTTP layer hands us. Header names may be in any case and may repeat;
// values are as received (a folded multi-line value may contain CR/LF).
struct HttpRequestView {
  std::string_view method;  // "POST"
  // Raw request-target: path plus optional "?query", still percent-encoded as
  // received. The absolute form ("http://host/path?q") is accepted too.
  std::string_view target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;
};

struct AuthContext {
  std::string access_key;  // empty when the request was unsigned (open mode only)
  std::string account_id;  // from the credential store in strict mode; empty in open mode
  std::string region;      // from the credential scope, empty if unsigned
  std::string service;     // credential-scope service ("sqs", "sns", "kinesis"...), empty if unsigned
  bool signed_request = false;
};

enum class AuthMode {
  kOpen,    // unsigned requests pass; signed ones must be well formed, signatures are not checked
  kStrict,  // every request must carry a valid signature by a key in the store
};

struct VerifierOptions {
  // Largest accepted distance between the request time and the clock.
  int64_t max_skew_millis = 15 * 60 * 1000;
  // Signers for every service but S3 normalize the path (remove "." and ".."
  // segments and empty segments) before signing. When the signature over the
  // normalized path does not match, also try the path exactly as received, so
  // that a signer configured not to normalize is still accepted.
  bool accept_unnormalized_path = true;
  // Some signers add X-Amz-Security-Token to a presigned URL after signing
  // (the token is then not part of the canonical query). When the signature
  // does not match with the token included, also try without it. Session
  // tokens are not validated by this server either way.
  bool accept_unsigned_query_token = true;
};

// Canonicalization choices for CanonicalRequest.
struct CanonicalOptions {
  bool normalize_path = true;  // false only for S3-style signing
  // Decoded query parameter names left out of the canonical query string
  // (a presigned request leaves out "X-Amz-Signature").
  std::vector<std::string> omit_query_keys;
};

// Credentials for the client-side signer.
struct SigningCredentials {
  std::string access_key;
  std::string secret;
  std::string session_token;  // empty unless temporary credentials
};

// What SignRequest produces.
struct SignedRequest {
  std::string authorization;   // value of the Authorization header
  std::string amz_date;        // value of the X-Amz-Date header, "20150830T123600Z"
  std::string signed_headers;  // "content-type;host;x-amz-date"
  // Headers to send in addition to the request's own: Authorization,
  // X-Amz-Date and, with a session token, X-Amz-Security-Token.
  std::vector<std::pair<std::string, std::string>> headers;
};

class SigV4Verifier {
 public:
  // `store` may be null (no key is known); `clock` may be null (system clock).
  // Both must outlive the verifier.
  SigV4Verifier(AuthMode mode, const CredentialStore* store, const Clock* clock,
                VerifierOptions options = {});

  // Verifies the Authorization-header form or the presigned query form.
  // Error codes (all HTTP 403): MissingAuthenticationToken, IncompleteSignature,
  // InvalidClientTokenId, SignatureDoesNotMatch, RequestTimeTooSkewed and, for
  // an expired presigned URL, AccessDenied.
  Result<AuthContext> Verify(const HttpRequestView& req) const;

  AuthMode mode() const { return mode_; }

  // ---- Pure helpers (canonicalization and signing, per the SigV4 spec) ----

  // The canonical URI: the path of `target`, dot segments and empty segments
  // removed when `normalize_path`, then URI-encoded once more (so "%20" in the
  // request becomes "%2520", as every non-S3 signer does).
  static std::string CanonicalUri(std::string_view target, bool normalize_path);

  // The canonical query string of `target`: parameters percent-decoded,
  // re-encoded with the SigV4 unreserved set, sorted by key then value, and
  // joined with '&'. Parameters whose decoded name is in `omit_keys` are left out.
  static std::string CanonicalQuery(std::string_view target, const std::vector<std::string>& omit_keys);

  // The full canonical request. `signed_headers` is the SignedHeaders value
  // ("host;x-amz-date"); header values are trimmed, inner runs of whitespace
  // (including line folds) become one space, repeated headers are joined with ','.
  static std::string CanonicalRequest(const HttpRequestView& req, std::string_view signed_headers,
                                      std::string_view payload_hash, const CanonicalOptions& options = {});

  // "20150830/us-east-1/sqs/aws4_request"
  static std::string CredentialScope(std::string_view date, std::string_view region, std::string_view service);

  // "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical request>"
  static std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                                  std::string_view canonical_request);

  // The hex signature of `string_to_sign` with the key derived from `secret`
  // for date (YYYYMMDD), region and service.
  static std::string Sign(std::string_view secret, std::string_view date, std::string_view region,
                          std::string_view service, std::string_view string_to_sign);

  // Lowercase hex SHA-256 of `data` (the payload hash of a body).
  static std::string PayloadHash(std::string_view data);

  // ISO 8601 basic format, UTC: "20150830T123600Z". Sub-second parts are dropped.
  static std::string FormatAmzDate(int64_t unix_millis);

  // ---- Client side ----

  // Signs `req` in the Authorization-header form at `now_millis`. Signs every
  // header of `req` except hop-by-hop and volatile ones (Authorization,
  // User-Agent, Expect, Connection, Transfer-Encoding, X-Amzn-Trace-Id, ...),
  // plus X-Amz-Date and X-Amz-Security-Token. Any X-Amz-Date, X-Amz-Security-
  // Token or Authorization header already in `req` is ignored: send the ones
  // returned instead. `req` must contain a Host header. The payload hash is
  // the X-Amz-Content-Sha256 header when present, else SHA-256 of the body.
  static SignedRequest SignRequest(const HttpRequestView& req, const SigningCredentials& creds,
                                   std::string_view region, std::string_view service, int64_t now_millis);

  // Presigns `req`: returns its target with the X-Amz-* query parameters
  // appended (signed headers: host only; payload: SHA-256 of the body).
  // `expires_seconds` should be within [1, 604800].
  static std::string PresignTarget(const HttpRequestView& req, const SigningCredentials& creds,
                                   std::string_view region, std::string_view service, int64_t now_millis,
                                   int64_t expires_seconds);

 private:
  AuthMode mode_;
  const CredentialStore* store_;
  const Clock* clock_;
  VerifierOptions options_;
};

// The service named in the request's credential scope (Authorization header
// or X-Amz-Credential query parameter), without verifying anything; empty when
// the request is unsigned or the scope cannot be read. Routing uses it to tell
// SQS from SNS on Query requests.
std::string CredentialScopeService(const HttpRequestView& req);

}  // namespace sluice::auth
