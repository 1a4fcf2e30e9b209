// One HTTP request as the load generator builds it, before and after signing,
// and the SigV4 signer wrapper that turns the former into the latter.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/sigv4.h"

namespace sluice::bench {

enum class Protocol {
  kJson,   // AWS JSON 1.0: X-Amz-Target, application/x-amz-json-1.0
  kQuery,  // AWS Query: form POST, XML answers
};

std::string_view ProtocolName(Protocol p);

struct HttpCall {
  std::string operation;  // "SendMessageBatch": names the latency series
  std::string method = "POST";
  std::string target = "/";
  // Headers of the request itself (Content-Type, X-Amz-Target...). Host and
  // the signature headers are added by Signer::Sign.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The AWS error code of a failed answer: the JSON "__type" without its
// namespace ("QueueDoesNotExist"), or the Query/XML <Code>
// ("AWS.SimpleQueueService.NonExistentQueue"); "HTTP <status>" when neither
// can be found.
std::string ParseErrorCode(std::string_view body, int http_status);

// Replaces the five XML entities and numeric character references.
std::string XmlUnescape(std::string_view in);

// Signs calls for one service with one set of credentials.
class Signer {
 public:
  Signer(auth::SigningCredentials creds, std::string region, std::string service);

  // Adds Host (the value given, "127.0.0.1:4566"), X-Amz-Date, Authorization
  // and, with a session token, X-Amz-Security-Token to `call.headers`.
  void Sign(HttpCall& call, std::string_view host, int64_t now_millis) const;

  const std::string& service() const { return service_; }

 private:
  auth::SigningCredentials creds_;
  std::string region_;
  std::string service_;
};

}  // namespace sluice::bench
