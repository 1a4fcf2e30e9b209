// Tests for TLS: the self-signed certificate (names, validity, key file mode,
// reuse and replacement), the errors of loading PEM files, and a server that
// serves TLS and plain HTTP on one port, with ALPN and a handshake timeout.
#include "http/tls.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "http/server.h"

namespace sluice::http {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "sluice-tls-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static std::string Slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  fs::path dir_;
};

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(Alpn, OffersH2ThenHttp11) {
  EXPECT_EQ(AlpnProtocols(), (std::vector<std::string>{"h2", "http/1.1"}));
}

TEST_F(TlsTest, SelfSignedCoversTheHostsForAYear) {
  SelfSignedOptions o;
  o.hosts = {"localhost", "127.0.0.1", "::1", "sluice.test", "10.1.2.3"};
  auto files = EnsureSelfSigned((dir_ / "tls").string(), o);
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_TRUE(files->generated);
  EXPECT_EQ(files->cert_file, (dir_ / "tls" / "cert.pem").string());
  EXPECT_EQ(files->key_file, (dir_ / "tls" / "key.pem").string());

  struct stat st {};
  ASSERT_EQ(stat(files->key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((dir_ / "tls").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto info = ReadCertificate(files->cert_file);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info->self_signed);
  EXPECT_TRUE(Contains(info->dns_names, "localhost"));
  EXPECT_TRUE(Contains(info->dns_names, "sluice.test"));
  EXPECT_TRUE(Contains(info->ip_addresses, "127.0.0.1"));
  EXPECT_TRUE(Contains(info->ip_addresses, "::1"));
  EXPECT_TRUE(Contains(info->ip_addresses, "10.1.2.3"));
  auto now = std::chrono::system_clock::now();
  EXPECT_LT(info->not_before, now);
  EXPECT_GT(info->not_after, now + std::chrono::hours(24 * 364));
  EXPECT_LT(info->not_after, now + std::chrono::hours(24 * 366));

  EXPECT_TRUE(TlsContext::Load(files->cert_file, files->key_file).ok());
}

TEST_F(TlsTest, SelfSignedIsReusedWhileValid) {
  std::string d = (dir_ / "tls").string();
  auto first = EnsureSelfSigned(d, {});
  ASSERT_TRUE(first.ok());
  std::string cert = Slurp(first->cert_file);
  auto second = EnsureSelfSigned(d, {});
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->generated);
  EXPECT_EQ(Slurp(second->cert_file), cert);
}

TEST_F(TlsTest, SelfSignedIsReplacedForANewHostOrWhenExpiring) {
  std::string d = (dir_ / "tls").string();
  ASSERT_TRUE(EnsureSelfSigned(d, {}).ok());
  std::string cert = Slurp(d + "/cert.pem");

  SelfSignedOptions more;
  more.hosts = {"localhost", "127.0.0.1", "::1", "192.168.7.7"};
  auto widened = EnsureSelfSigned(d, more);
  ASSERT_TRUE(widened.ok());
  EXPECT_TRUE(widened->generated);
  EXPECT_NE(Slurp(d + "/cert.pem"), cert);

  // Made two years ago for one year: expired, so made afresh.
  SelfSignedOptions old;
  old.now = std::chrono::system_clock::now() - std::chrono::hours(24 * 730);
  std::string d2 = (dir_ / "old").string();
  ASSERT_TRUE(EnsureSelfSigned(d2, old).ok());
  auto renewed = EnsureSelfSigned(d2, {});
  ASSERT_TRUE(renewed.ok());
  EXPECT_TRUE(renewed->generated);
  EXPECT_GT(ReadCertificate(renewed->cert_file)->not_after, std::chrono::system_clock::now());

  // A damaged file is replaced too.
  std::ofstream(d2 + "/cert.pem") << "garbage";
  auto repaired = EnsureSelfSigned(d2, {});
  ASSERT_TRUE(repaired.ok());
  EXPECT_TRUE(repaired->generated);
}

TEST_F(TlsTest, LoadErrorsNameTheFileAndTheProblem) {
  auto a = EnsureSelfSigned((dir_ / "a").string(), {});
  auto b = EnsureSelfSigned((dir_ / "b").string(), {});
  ASSERT_TRUE(a.ok() && b.ok());

  auto missing = TlsContext::Load((dir_ / "absent.pem").string(), a->key_file);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("absent.pem"), std::string::npos);
  EXPECT_NE(missing.error().message.find("No such file"), std::string::npos)
      << missing.error().message;

  std::string junk = (dir_ / "junk.pem").string();
  std::ofstream(junk) << "not a certificate\n";
  auto not_pem = TlsContext::Load(junk, a->key_file);
  ASSERT_FALSE(not_pem.ok());
  EXPECT_NE(not_pem.error().message.find("junk.pem"), std::string::npos);
  EXPECT_NE(not_pem.error().message.find("no usable PEM certificate"), std::string::npos)
      << not_pem.error().message;

  auto key_is_cert = TlsContext::Load(a->cert_file, a->cert_file);
  ASSERT_FALSE(key_is_cert.ok());
  EXPECT_NE(key_is_cert.error().message.find("private key"), std::string::npos)
      << key_is_cert.error().message;

  auto mismatch = TlsContext::Load(a->cert_file, b->key_file);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("does not match"), std::string::npos)
      << mismatch.error().message;

  if (geteuid() != 0) {  // root reads anything
    std::string unreadable = (dir_ / "unreadable.pem").string();
    fs::copy_file(a->key_file, unreadable);
    fs::permissions(unreadable, fs::perms::none);
    auto denied = TlsContext::Load(a->cert_file, unreadable);
    ASSERT_FALSE(denied.ok());
    EXPECT_NE(denied.error().message.find("Permission denied"), std::string::npos);
  }
}

// A server with TLS on, answering every request with its method and path.
class TlsServerTest : public TlsTest {
 protected:
  void SetUp() override {
    TlsTest::SetUp();
    auto files = EnsureSelfSigned((dir_ / "tls").string(), {});
    ASSERT_TRUE(files.ok());
    files_ = *files;
    auto tls = TlsContext::Load(files_.cert_file, files_.key_file);
    ASSERT_TRUE(tls.ok());
    ServerOptions o;
    o.port = 0;
    o.threads = 1;
    o.tls = *tls;
    o.handshake_timeout = 300ms;
    o.max_body_bytes = 1024;
    server_ = std::make_unique<Server>(
        o,
        [](HttpRequest req, Responder respond) {
          HttpResponse r;
          r.body = req.method + " " + req.target + " " + req.body;
          respond(std::move(r));
        },
        [](int status, const std::string& code, const std::string&) {
          HttpResponse r;
          r.status = status;
          r.body = code;
          return r;
        });
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop(1s);
    TlsTest::TearDown();
  }

  tcp::endpoint Endpoint() const {
    return {asio::ip::make_address("127.0.0.1"), server_->port()};
  }

  // Reads an HTTP response up to the end of its body (Content-Length).
  template <typename Stream>
  static std::string ReadResponse(Stream& s) {
    std::string out;
    char buf[4096];
    boost::system::error_code ec;
    for (;;) {
      size_t n = s.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
      size_t end = out.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t cl = out.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) {
          size_t len = std::stoul(out.substr(cl + 16));
          if (out.size() >= end + 4 + len) return out;
        }
      }
      if (ec) return out;
    }
  }

  SelfSignedFiles files_;
  std::unique_ptr<Server> server_;
  asio::io_context ioc_;
};

TEST_F(TlsServerTest, HttpsAndPlainHttpOnOnePort) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(files_.cert_file);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  ctx.set_verify_callback(asio::ssl::host_name_verification("localhost"));
  const unsigned char alpn[] = "\x08http/1.1";  // an HTTP/1.1-only client
  SSL_CTX_set_alpn_protos(ctx.native_handle(), alpn, sizeof alpn - 1);
  asio::ssl::stream<tcp::socket> tls(ioc_, ctx);
  tls.next_layer().connect(Endpoint());
  SSL_set_tlsext_host_name(tls.native_handle(), "localhost");
  tls.handshake(asio::ssl::stream_base::client);
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(tls.native_handle(), &proto, &len);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(proto), len), "http/1.1");
  // Two pipelined requests over one TLS connection, answered in order.
  asio::write(tls, asio::buffer(std::string(
                       "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
                       "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody")));
  std::string first = ReadResponse(tls);
  EXPECT_NE(first.find("GET /one"), std::string::npos) << first;
  std::string second = first.find("POST /two") != std::string::npos ? first : ReadResponse(tls);
  EXPECT_NE(second.find("POST /two body"), std::string::npos) << second;

  tcp::socket plain(ioc_);
  plain.connect(Endpoint());
  asio::write(plain, asio::buffer(std::string("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string answer = ReadResponse(plain);
  EXPECT_NE(answer.find("200 OK"), std::string::npos) << answer;
  EXPECT_NE(answer.find("GET /plain"), std::string::npos) << answer;
}

TEST_F(TlsServerTest, OversizeBodyOverTlsGets413) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<tcp::socket> tls(ioc_, ctx);
  tls.next_layer().connect(Endpoint());
  tls.handshake(asio::ssl::stream_base::client);
  asio::write(tls, asio::buffer(std::string("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n") +
                                std::string(5000, 'x')));
  std::string answer = ReadResponse(tls);
  EXPECT_NE(answer.find("413"), std::string::npos) << answer;
  EXPECT_NE(answer.find("RequestEntityTooLarge"), std::string::npos) << answer;
}

TEST_F(TlsServerTest, StalledHandshakeIsCut) {
  tcp::socket s(ioc_);
  s.connect(Endpoint());
  // The first bytes of a TLS record header, then nothing.
  asio::write(s, asio::buffer(std::string("\x16\x03\x01", 3)));
  auto started = std::chrono::steady_clock::now();
  char buf[64];
  boost::system::error_code ec;
  s.read_some(asio::buffer(buf), ec);
  EXPECT_TRUE(ec) << "expected the server to close the connection";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(TlsServerTest, GarbageHandshakeIsClosedAndTheServerServesOn) {
  {
    tcp::socket s(ioc_);
    s.connect(Endpoint());
    asio::write(s, asio::buffer(std::string("\x16\x03\x01\x00\x05hello-not-tls", 18)));
    char buf[256];
    boost::system::error_code ec;
    while (!ec) s.read_some(asio::buffer(buf), ec);  // an alert at most, then closed
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<tcp::socket> tls(ioc_, ctx);
  tls.next_layer().connect(Endpoint());
  tls.handshake(asio::ssl::stream_base::client);
  asio::write(tls, asio::buffer(std::string("GET /after HTTP/1.1\r\nHost: x\r\n\r\n")));
  EXPECT_NE(ReadResponse(tls).find("GET /after"), std::string::npos);
}

TEST_F(TlsServerTest, ClientRejectsTheCertificateForAnotherName) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(files_.cert_file);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  ctx.set_verify_callback(asio::ssl::host_name_verification("elsewhere.example"));
  asio::ssl::stream<tcp::socket> tls(ioc_, ctx);
  tls.next_layer().connect(Endpoint());
  boost::system::error_code ec;
  tls.handshake(asio::ssl::stream_base::client, ec);
  EXPECT_TRUE(ec);
}

}  // namespace
}  // namespace sluice::http
