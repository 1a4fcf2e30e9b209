// Result<T>: an expected value or an Error, for failures that input can cause.
//
// g++ 12 in C++20 mode has no std::expected, so this is the small subset we use.
// Errors are values: the happy path reads straight down, and exactly one place
// (protocol/errors) turns an Error into bytes on the wire.
#pragma once

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace sluice {

// An error as AWS names it. `code` is the model's shape name (for example
// "QueueDoesNotExist" or "InvalidParameterValue"); the protocol layer looks it
// up in the generated error table to find the HTTP status, the JSON __type and
// the Query code. Codes without a table entry are treated as client errors
// (HTTP 400, Sender) unless `http_status` is set.
struct Error {
  std::string code;
  std::string message;
  int http_status = 0;  // 0: take it from the error table
  bool sender_fault = true;
};

// Invariant checks for programming errors only; never for client input.
#define SLUICE_CHECK(cond)                                                          \
  do {                                                                              \
    if (!(cond)) ::sluice::CheckFailed(#cond, __FILE__, __LINE__);                  \
  } while (0)

[[noreturn]] void CheckFailed(const char* expr, const char* file, int line);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return err_; }
  Error&& error() && { return std::move(err_); }

 private:
  Error err_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Error MakeError(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

}  // namespace sluice
