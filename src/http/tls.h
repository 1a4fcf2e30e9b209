// TLS for the HTTP front end: a server context loaded from PEM files, and a
// self-signed certificate for local use.
//
// The server serves TLS and plain HTTP/1.1 on the same port: the first byte a
// client sends decides (0x16 opens a TLS handshake record; any HTTP method
// starts with a letter). See README.md in this folder.
//
// Thread safety: a TlsContext is immutable once loaded and may be shared by
// every connection and thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace boost::asio::ssl {
class context;
}

namespace sluice::http {

// The ALPN protocols offered to clients, in order of preference: "h2" (served
// by H2Session after the handshake), then "http/1.1".
std::vector<std::string> AlpnProtocols();

class TlsContext {
 public:
  // Loads a certificate chain and its private key (both PEM). Errors name the
  // file and say what is wrong: missing, unreadable, not PEM, or a key that
  // does not belong to the certificate. TLS 1.2 is the lowest version
  // accepted.
  static Result<std::shared_ptr<TlsContext>> Load(const std::string& cert_file,
                                                  const std::string& key_file);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  boost::asio::ssl::context& native() const { return *context_; }

 private:
  TlsContext();
  std::unique_ptr<boost::asio::ssl::context> context_;
};

struct SelfSignedOptions {
  // Names and addresses the certificate is valid for (subjectAltName): address
  // literals become IP entries, anything else a DNS entry. Duplicates are fine.
  std::vector<std::string> hosts = {"localhost", "127.0.0.1", "::1"};
  std::chrono::hours validity{24 * 365};
  // The time the certificate is made at (notBefore is an hour earlier, to
  // allow for clocks a little behind). Default: now.
  std::chrono::system_clock::time_point now{};
};

struct SelfSignedFiles {
  std::string cert_file;
  std::string key_file;
  bool generated = false;  // false: reused from an earlier start
};

// Makes sure `dir` holds cert.pem and key.pem (mode 0600) for a self-signed
// EC P-256 certificate covering `options.hosts`, creating `dir` (mode 0700) if
// needed. Files left by an earlier start are reused when they load, match each
// other, cover every host and stay valid for at least another day; otherwise
// they are replaced.
Result<SelfSignedFiles> EnsureSelfSigned(const std::string& dir, const SelfSignedOptions& options);

// What a certificate file says, for checks and messages.
struct CertificateInfo {
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // textual, as inet_ntop writes them
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  bool self_signed = false;
};
Result<CertificateInfo> ReadCertificate(const std::string& cert_file);

}  // namespace sluice::http
