#include "bench/endpoint.h"

#include <boost/asio/io_context.hpp>

#include "common/strings.h"

namespace sluice::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Result<Endpoint> ParseEndpoint(const std::string& url) {
  auto bad = [&](const std::string& why) {
    return MakeError("InvalidEndpoint", "--endpoint " + url + ": " + why);
  };
  constexpr std::string_view kScheme = "http://";
  if (!strings::StartsWith(url, kScheme)) {
    if (strings::StartsWith(url, "https://")) return bad("https is not supported; use http://");
    return bad("expected http://HOST:PORT");
  }
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos) return bad("expected http://HOST:PORT without a path");
  Endpoint e;
  e.url = url;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    e.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("expected ':' after the IPv6 address");
      port = after.substr(1);
    }
  } else {
    size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos) {
      if (rest.find(':') != colon) return bad("write IPv6 addresses in brackets: http://[::1]:4566");
      e.host = std::string(rest.substr(0, colon));
      port = rest.substr(colon + 1);
    } else {
      e.host = std::string(rest);
    }
  }
  if (e.host.empty()) return bad("missing host");
  if (port.empty()) port = "80";
  auto n = strings::ParseInt(port);
  if (!n || *n < 1 || *n > 65535 || port.front() == '+' || port.front() == '-') return bad("invalid port");
  e.port = std::string(port);
  const bool v6 = e.host.find(':') != std::string::npos;
  e.host_header = (v6 ? "[" + e.host + "]" : e.host) + (e.port == "80" ? "" : ":" + e.port);
  return e;
}

bool IsLoopback(const asio::ip::address& address) {
  if (address.is_v4()) return (address.to_v4().to_uint() >> 24) == 127;
  const asio::ip::address_v6 v6 = address.to_v6();
  if (v6.is_v4_mapped()) return (asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint() >> 24) == 127;
  return v6.is_loopback();
}

Status Resolve(Endpoint& endpoint, bool allow_remote) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  auto results = resolver.resolve(endpoint.host, endpoint.port, ec);
  if (ec) return MakeError("InvalidEndpoint", "cannot resolve " + endpoint.host + ": " + ec.message());
  endpoint.addresses.clear();
  for (const auto& r : results) {
    const tcp::endpoint ep = r.endpoint();
    if (!allow_remote && !IsLoopback(ep.address())) {
      return MakeError("RemoteEndpoint", "--endpoint " + endpoint.url + " resolves to " + ep.address().to_string() +
                                             ", which is not a loopback address (127.0.0.0/8 or ::1); "
                                             "pass --allow-remote to load a remote server");
    }
    endpoint.addresses.push_back(ep);
  }
  if (endpoint.addresses.empty()) return MakeError("InvalidEndpoint", "no address for " + endpoint.host);
  return {};
}

}  // namespace sluice::bench
