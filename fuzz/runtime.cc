// Runtime settings compiled into every fuzz target.
//
// Sanitizer defaults, so that running a binary by hand behaves as
// fuzz/run.sh does (ASAN_OPTIONS and UBSAN_OPTIONS still override them), and
// the handler for Boost assertions (the targets are built with
// BOOST_ENABLE_ASSERT_HANDLER): a failed assertion aborts, except the one
// Boost 1.74 gets wrong.
#include <boost/assert.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:suppressions=" SLUICE_FUZZ_UBSAN_SUPPRESSIONS;
}

extern "C" const char* __asan_default_options() { return "detect_leaks=1"; }

namespace {

// Beast's chunked-body parser asserts `n >= 5` when it resumes after the
// last chunk ("0\r\n") with fewer bytes buffered, which a client causes by
// sending an empty chunked body and its final CRLF in separate packets. The
// code after the assertion handles that case, and upstream corrected the
// assertion in May 2024 (boostorg/beast pull request 2861). Release builds
// compile it out; Debug builds of the server abort on it.
bool KnownWrongAssertion(const char* expr, const char* file) {
  return std::strcmp(expr, "n >= 5") == 0 && std::strstr(file, "beast/http/impl/basic_parser.ipp") != nullptr;
}

}  // namespace

namespace boost {

void assertion_failed(const char* expr, const char* function, const char* file, long line) {
  if (KnownWrongAssertion(expr, file)) return;
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.\n", file, line, function, expr);
  std::abort();
}

void assertion_failed_msg(const char* expr, const char* msg, const char* function, const char* file, long line) {
  if (KnownWrongAssertion(expr, file)) return;
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed: %s\n", file, line, function, expr, msg);
  std::abort();
}

}  // namespace boost
