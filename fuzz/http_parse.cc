// Fuzz target: HTTP/1.1 request parsing as the front end does it.
//
// Input: the raw bytes a client sends on one connection, optionally preceded
// by a control byte (below 0x20) choosing how many bytes each socket read
// returns (see http_input.h). Every complete
// request is converted to an HttpRequest as the server converts it, and the
// accessors the handler uses are exercised.
#include <cstddef>
#include <cstdint>

#include "http_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sluice::fuzz::ForEachRequest(data, size, [](const sluice::HttpRequest& r) {
    // What main() and the dispatcher read before anything else.
    std::string_view host = r.Header("Host");
    std::string_view target = r.Header("X-Amz-Target");
    std::string_view path = r.Path();
    std::string_view query = r.Query();
    if (path.size() + query.size() > r.target.size()) __builtin_trap();
    (void)host;
    (void)target;
  });
  return 0;
}
