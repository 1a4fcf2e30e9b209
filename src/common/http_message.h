// Plain HTTP request and response values passed between the HTTP front end
// and the protocol layer, so that neither depends on the other.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/response_stream.h"

namespace sluice {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;
  std::string target;  // path and query, as received
  HeaderList headers;
  std::string body;
  std::string remote_address;
  bool tls = false;  // arrived over TLS (https)

  // Case-insensitive lookup of the first header of that name; empty if absent.
  std::string_view Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size()) {
        bool eq = true;
        for (size_t i = 0; i < k.size() && eq; ++i) {
          char a = k[i], b = name[i];
          if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
          if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
          eq = a == b;
        }
        if (eq) return v;
      }
    }
    return {};
  }
  std::string_view Path() const {
    std::string_view t = target;
    return t.substr(0, t.find('?'));
  }
  std::string_view Query() const {
    std::string_view t = target;
    size_t q = t.find('?');
    return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
  }
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
  // When set, the body is streamed: `body` is ignored and the front end
  // hands the producer the stream after the headers (no Content-Length).
  StreamProducer stream = nullptr;
};

}  // namespace sluice
