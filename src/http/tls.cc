#include "http/tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/context.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>

namespace sluice::http {

namespace ssl = boost::asio::ssl;
namespace fs = std::filesystem;

std::vector<std::string> AlpnProtocols() {
  // HTTP/2 preferred; clients without it get HTTP/1.1.
  return {"h2", "http/1.1"};
}

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

// The most specific reason OpenSSL queued, then clears the queue.
std::string OpenSslReason() {
  unsigned long e = ERR_peek_last_error();
  std::string out;
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    out = reason ? reason : "error " + std::to_string(e);
  } else {
    out = "unknown OpenSSL error";
  }
  ERR_clear_error();
  return out;
}

Error TlsError(std::string message) { return Error{"InvalidConfig", std::move(message)}; }

// The file must exist and be readable by this process; says which it is not.
Status CheckReadable(const std::string& what, const std::string& path) {
  if (path.empty()) return TlsError(what + " file name is empty");
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return TlsError("cannot read " + what + " file " + path + ": " + std::strerror(errno));
  std::fclose(f);
  return {};
}

// ALPN wire format: each name prefixed by its length.
const std::string& AlpnWire() {
  static const std::string wire = [] {
    std::string w;
    for (const auto& p : AlpnProtocols()) {
      w.push_back(static_cast<char>(p.size()));
      w += p;
    }
    return w;
  }();
  return wire;
}

int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  const std::string& ours = AlpnWire();
  unsigned char* selected = nullptr;
  // Our order of preference wins. A client offering nothing we serve gets no
  // ALPN answer and may go on without it (as with servers that lack ALPN).
  if (SSL_select_next_proto(&selected, outlen, reinterpret_cast<const unsigned char*>(ours.data()),
                            static_cast<unsigned int>(ours.size()), in,
                            inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

std::chrono::system_clock::time_point FromAsn1(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// An address literal in inet_ntop's form, or "" for a name.
std::string NormalizeAddress(const std::string& host) {
  unsigned char buf[16];
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) {
    return inet_ntop(AF_INET, buf, text, sizeof text) ? text : "";
  }
  std::string h = host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (inet_pton(AF_INET6, h.c_str(), buf) == 1) {
    return inet_ntop(AF_INET6, buf, text, sizeof text) ? text : "";
  }
  return "";
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// DNS names and addresses to certify, de-duplicated; names that could not be
// a host (empty, or with characters outside a DNS label) are left out.
void SplitHosts(const std::vector<std::string>& hosts, std::set<std::string>& dns,
                std::set<std::string>& ips) {
  for (const auto& h : hosts) {
    std::string ip = NormalizeAddress(h);
    if (!ip.empty()) {
      ips.insert(ip);
      continue;
    }
    std::string name = Lower(h);
    if (name.empty() || name.size() > 253 ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-*") != std::string::npos) {
      continue;
    }
    dns.insert(name);
  }
}

Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return TlsError("cannot build certificate extension " + std::string(OBJ_nid2sn(nid)) + ": " +
                    OpenSslReason());
  }
  return {};
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

// Writes `text` to `path` through a temporary file and a rename, so that a
// reader never sees half a file; the file gets `mode` before any byte lands.
Status WriteFileAtomically(const std::string& path, const std::string& text, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return TlsError("cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, mode) == 0;
  size_t done = 0;
  while (ok && done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ok = false;
    else done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) saved = errno;
    ::unlink(tmp.c_str());
    return TlsError("cannot write " + path + ": " + std::strerror(saved));
  }
  return {};
}

struct Generated {
  std::string cert_pem;
  std::string key_pem;
};

Result<Generated> Generate(const SelfSignedOptions& options) {
  ERR_clear_error();
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return TlsError("cannot generate an EC P-256 key: " + OpenSslReason());
  X509Ptr cert(X509_new());
  if (!cert) return TlsError("cannot allocate a certificate: " + OpenSslReason());
  X509_set_version(cert.get(), X509_VERSION_3);

  // A positive random 127-bit serial, as RFC 5280 asks (unique, <= 20 octets).
  BnPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    return TlsError("cannot make a certificate serial number: " + OpenSslReason());
  }

  auto now = options.now == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now()
                                                                     : options.now;
  std::time_t from = std::chrono::system_clock::to_time_t(now - std::chrono::hours(1));
  std::time_t to = std::chrono::system_clock::to_time_t(now + options.validity);
  if (!ASN1_TIME_set(X509_getm_notBefore(cert.get()), from) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert.get()), to)) {
    return TlsError("cannot set the certificate's validity: " + OpenSslReason());
  }
  if (X509_set_pubkey(cert.get(), key.get()) != 1) {
    return TlsError("cannot set the certificate's key: " + OpenSslReason());
  }

  std::set<std::string> dns, ips;
  SplitHosts(options.hosts, dns, ips);
  if (dns.empty() && ips.empty()) return TlsError("no host name or address to certify");
  std::string cn = dns.empty() ? *ips.begin() : (dns.count("localhost") ? "localhost" : *dns.begin());
  X509_NAME* name = X509_get_subject_name(cert.get());
  auto add_name = [&](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                      -1, 0) == 1;
  };
  if (!add_name("O", "Sluice (self-signed, local use)") || !add_name("CN", cn) ||
      X509_set_issuer_name(cert.get(), name) != 1) {
    return TlsError("cannot set the certificate's name: " + OpenSslReason());
  }

  // The extensions `openssl req -x509` gives a self-signed certificate, plus
  // the names: clients check subjectAltName, not the CN. keyCertSign lets
  // verifiers treat the certificate as its own issuer when it is the trust
  // anchor passed with --ca-bundle.
  std::string san;
  for (const auto& d : dns) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& i : ips) san += (san.empty() ? "IP:" : ",IP:") + i;
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : std::initializer_list<std::pair<int, std::string>>{
           {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
           {NID_key_usage, "critical,digitalSignature,keyCertSign"},
           {NID_ext_key_usage, "serverAuth"},
           {NID_subject_key_identifier, "hash"},
           {NID_authority_key_identifier, "keyid:always"},
           {NID_subject_alt_name, san}}) {
    Status st = AddExtension(cert.get(), &ctx, nid, value);
    if (!st.ok()) return std::move(st).error();
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return TlsError("cannot sign the certificate: " + OpenSslReason());
  }

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return TlsError("cannot encode the certificate: " + OpenSslReason());
  }
  return Generated{BioText(cert_bio.get()), BioText(key_bio.get())};
}

// True when the files from an earlier start can serve again.
bool Reusable(const std::string& cert_file, const std::string& key_file,
              const SelfSignedOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(cert_file, ec) || !fs::is_regular_file(key_file, ec)) return false;
  auto info = ReadCertificate(cert_file);
  if (!info.ok()) return false;
  auto now = options.now == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now()
                                                                     : options.now;
  if (info->not_before > now || info->not_after < now + std::chrono::hours(24)) return false;
  std::set<std::string> dns, ips;
  SplitHosts(options.hosts, dns, ips);
  std::set<std::string> have_dns, have_ips;
  for (const auto& d : info->dns_names) have_dns.insert(Lower(d));
  for (const auto& i : info->ip_addresses) have_ips.insert(i);
  for (const auto& d : dns) {
    if (!have_dns.count(d)) return false;
  }
  for (const auto& i : ips) {
    if (!have_ips.count(i)) return false;
  }
  return TlsContext::Load(cert_file, key_file).ok();
}

}  // namespace

TlsContext::TlsContext() = default;
TlsContext::~TlsContext() = default;

Result<std::shared_ptr<TlsContext>> TlsContext::Load(const std::string& cert_file,
                                                     const std::string& key_file) {
  Status readable = CheckReadable("certificate", cert_file);
  if (!readable.ok()) return std::move(readable).error();
  readable = CheckReadable("key", key_file);
  if (!readable.ok()) return std::move(readable).error();

  std::shared_ptr<TlsContext> out(new TlsContext());
  out->context_ = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = out->context_->native_handle();
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Renegotiation is a denial-of-service lever and no AWS client needs it.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return TlsError("certificate file " + cert_file + " holds no usable PEM certificate (" +
                    OpenSslReason() + ")");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return TlsError("key file " + key_file + " does not match the certificate in " + cert_file);
    }
    return TlsError("key file " + key_file + " holds no usable unencrypted PEM private key (" +
                    OpenSslReason() + ")");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return TlsError("key file " + key_file + " does not match the certificate in " + cert_file);
  }
  SSL_CTX_set_alpn_select_cb(ctx, &SelectAlpn, nullptr);
  return out;
}

Result<CertificateInfo> ReadCertificate(const std::string& cert_file) {
  Status readable = CheckReadable("certificate", cert_file);
  if (!readable.ok()) return std::move(readable).error();
  ERR_clear_error();
  BioPtr bio(BIO_new_file(cert_file.c_str(), "r"));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    return TlsError("certificate file " + cert_file + " holds no PEM certificate (" +
                    OpenSslReason() + ")");
  }
  CertificateInfo info;
  info.not_before = FromAsn1(X509_get0_notBefore(cert.get()));
  info.not_after = FromAsn1(X509_get0_notAfter(cert.get()));
  info.self_signed = X509_self_signed(cert.get(), 0) == 1;
  NamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type == GEN_DNS) {
      const ASN1_IA5STRING* s = n->d.dNSName;
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                  static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (n->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = n->d.iPAddress;
      int len = ASN1_STRING_length(s);
      char text[INET6_ADDRSTRLEN];
      int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
      if (family && inet_ntop(family, ASN1_STRING_get0_data(s), text, sizeof text)) {
        info.ip_addresses.emplace_back(text);
      }
    }
  }
  ERR_clear_error();
  return info;
}

Result<SelfSignedFiles> EnsureSelfSigned(const std::string& dir, const SelfSignedOptions& options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return TlsError("cannot create directory " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);  // best effort: the key file's own mode is what protects it
  SelfSignedFiles files;
  files.cert_file = (fs::path(dir) / "cert.pem").string();
  files.key_file = (fs::path(dir) / "key.pem").string();
  if (Reusable(files.cert_file, files.key_file, options)) {
    ::chmod(files.key_file.c_str(), 0600);
    return files;
  }
  auto made = Generate(options);
  if (!made.ok()) return std::move(made).error();
  // Key first: a certificate on disk always has its key beside it.
  Status st = WriteFileAtomically(files.key_file, made->key_pem, 0600);
  if (st.ok()) st = WriteFileAtomically(files.cert_file, made->cert_pem, 0644);
  if (!st.ok()) return std::move(st).error();
  files.generated = true;
  return files;
}

}  // namespace sluice::http
