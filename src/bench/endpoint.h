// The one endpoint a run talks to: parsed from "http://host:port", resolved
// once, and checked against the loopback-only rule.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "common/result.h"

namespace sluice::bench {

struct Endpoint {
  std::string url;          // as given
  std::string host;         // "127.0.0.1", "::1", "localhost"
  std::string port;         // "4566"
  std::string host_header;  // "127.0.0.1:4566", "[::1]:4566"
  std::vector<boost::asio::ip::tcp::endpoint> addresses;  // resolved
};

// Parses "http://HOST[:PORT][/]"; only plain http, no path, query or user info.
Result<Endpoint> ParseEndpoint(const std::string& url);

// True for 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8.
bool IsLoopback(const boost::asio::ip::address& address);

// Resolves endpoint.host. Unless allow_remote, every resolved address must be
// a loopback address, and an error names the first one that is not.
Status Resolve(Endpoint& endpoint, bool allow_remote);

}  // namespace sluice::bench
