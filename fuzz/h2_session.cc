// Fuzz target: the HTTP/2 server session (http/h2_session) on bytes a client
// could send after the connection preface.
//
// Input: the first byte sets how the handler answers each request (a whole
// answer, a streamed one written in pieces, no answer, or a reset) and how
// the input is cut into reads; the rest follows the client preface as the
// connection's bytes. Between reads the session's output is taken (as the
// connection would write it) and the deadline clock moves, so stalled
// requests are expired too. Checked besides "no crash, no sanitizer report":
//  - Receive() after a failed Receive() keeps failing, and the session then
//    wants to close once its output is taken;
//  - TakeOutput() honours its size bound (give or take one frame);
//  - the handler sees only requests with a method and (but for CONNECT) a path.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "http/h2_session.h"

using namespace sluice;
using namespace sluice::http;

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "invariant broken: %s\n", what);
    abort();
  }
}

HttpResponse RenderError(int status, const std::string& code, const std::string& message) {
  return HttpResponse{status, {{"Content-Type", "text/plain"}}, code + ": " + message};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  data += 1;
  size -= 1;

  auto now = std::make_shared<std::chrono::steady_clock::time_point>();
  H2Options options;
  options.max_header_bytes = 2048;
  options.max_body_bytes = 4096;
  options.max_concurrent_streams = 8;
  options.request_timeout = std::chrono::seconds(30);
  options.now = [now] { return *now; };

  std::vector<std::shared_ptr<ResponseWriter>> held;
  StreamHandler handler = [&held, mode](HttpRequest request, std::shared_ptr<ResponseWriter> w) {
    // nghttp2 refuses requests without :method, or without :path but for CONNECT.
    Check(!request.method.empty(), "a request without a method");
    Check(!request.target.empty() || request.method == "CONNECT", "a request without a path");
    switch ((mode >> 1) & 3) {
      case 0:
        w->Respond(HttpResponse{200, {{"Content-Type", "text/plain"}}, request.body});
        break;
      case 1:
        if (w->Start(200, {{"Content-Type", "application/vnd.amazon.eventstream"}})) {
          w->Write(std::string(100, 'a'));
          w->Write(request.body);
          held.push_back(std::move(w));  // ended after the next read
        }
        break;
      case 2:
        held.push_back(std::move(w));  // never answered while the input lasts
        break;
      default:
        w->Reset();
        break;
    }
  };

  H2Session session(options, handler, RenderError, [] {});
  std::string input(kH2Preface);
  input.append(reinterpret_cast<const char*>(data), size);

  // Reads of 1 to 64 bytes when the mode asks for small reads, else whole.
  const size_t chunk = (mode & 1) ? 1 + (mode >> 3) * 2 : input.size();
  bool failed = false;
  size_t taken = 0;
  for (size_t off = 0; off < input.size(); off += chunk) {
    size_t n = std::min(chunk, input.size() - off);
    Status st = session.Receive(reinterpret_cast<const uint8_t*>(input.data()) + off, n);
    if (failed) Check(!st.ok(), "Receive succeeded after a failure");
    if (!st.ok()) failed = true;
    for (int i = 0; i < 64; ++i) {
      std::string out = session.TakeOutput(16 * 1024);
      // One frame may cross the bound: at most a 16 KiB frame and its header.
      Check(out.size() <= 16 * 1024 + 16 * 1024 + 9, "TakeOutput over its bound");
      taken += out.size();
      if (out.empty()) break;
    }
    for (auto& w : held) {
      w->Write("more");
      w->End();
    }
    held.clear();
    *now += std::chrono::seconds(7);
    session.ExpireStalledStreams();
  }
  if (failed) {
    for (int i = 0; i < 64 && !session.TakeOutput(16 * 1024).empty(); ++i) {
    }
    Check(session.WantsClose(), "a failed session does not want to close");
  }
  session.Shutdown();
  for (int i = 0; i < 64 && !session.TakeOutput(16 * 1024).empty(); ++i) {
  }
  (void)taken;
  return 0;
}
