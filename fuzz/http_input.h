// Shared by the HTTP-level fuzz targets: reads requests out of a fuzz input
// the way the front end (src/http/server.cc) reads them off a socket.
//
// The bytes are served through a synchronous stream in chunks whose size an
// optional first byte chooses, so the parser sees requests split at arbitrary
// points. Beast's read_header/read run the same parse loop as the
// async_read_header/async_read calls of the server, with the server's header
// and body limits. Requests follow one another on the "connection" as long
// as each asks for keep-alive (pipelining).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

#include "common/http_message.h"
#include "http/server.h"

namespace sluice::fuzz {

namespace beast = boost::beast;
namespace bhttp = beast::http;

// A SyncReadStream over the fuzz input that returns at most `chunk` bytes per
// read and then end-of-file.
class ChunkedInput {
 public:
  ChunkedInput(const uint8_t* data, size_t size, size_t chunk) : data_(data), size_(size), chunk_(chunk) {}

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    beast::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, beast::error_code& ec) {
    ec = {};
    if (pos_ == size_) {
      ec = boost::asio::error::eof;
      return 0;
    }
    size_t want = std::min(chunk_, size_ - pos_);
    size_t n = boost::asio::buffer_copy(buffers, boost::asio::buffer(data_ + pos_, want));
    pos_ += n;
    return n;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t chunk_;
  size_t pos_ = 0;
};

// Parses every request in `data` (after the optional chunk-size byte) and hands each
// complete one, converted as Session::OnRead converts it, to `on_request`.
// Stops at the first error, at a request without keep-alive or at the end.
inline void ForEachRequest(const uint8_t* data, size_t size,
                           const std::function<void(const HttpRequest&)>& on_request) {
  if (size == 0) return;
  // A leading control byte (below 0x20) is not part of the stream: it sets
  // how many bytes each read returns (1..31; 0 means all at once). Without
  // it the whole input is the stream, read at once, so seeds are plain HTTP.
  size_t chunk = size;
  if (data[0] < 0x20) {
    if (data[0] != 0) chunk = data[0];
    ++data;
    --size;
  }
  ChunkedInput input(data, size, chunk);
  const http::ServerOptions limits;
  beast::flat_buffer buffer;
  for (int n = 0; n < 32; ++n) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    beast::error_code ec;
    bhttp::read_header(input, buffer, parser, ec);
    if (ec) return;
    auto& req = parser.get();
    // Session::OnHeader looks at Expect before reading the body.
    (void)beast::iequals(req[bhttp::field::expect], "100-continue");
    (void)parser.is_done();
    bhttp::read(input, buffer, parser, ec);
    if (ec) return;
    // The body limit holds whatever the framing (Content-Length or chunked).
    if (req.body().size() > limits.max_body_bytes) __builtin_trap();

    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& f : req) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(req.body());
    r.remote_address = "127.0.0.1";
    bool keep_alive = req.keep_alive();
    (void)req.version();
    on_request(r);
    if (!keep_alive) return;
  }
}

}  // namespace sluice::fuzz
