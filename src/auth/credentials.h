// CredentialStore: the access keys the server accepts in strict mode, each with
// its secret and the account it acts for.
//
// A store is filled once at startup (LoadFile, or Add in tests) and then only
// read. Find is const and safe to call from any number of threads as long as
// no thread calls Add at the same time.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace sluice::auth {

class CredentialStore {
 public:
  struct Entry {
    std::string secret;
    std::string account_id;
  };

  CredentialStore() = default;

  // Reads a credentials file. One credential per line:
  //
  //   ACCESS_KEY SECRET ACCOUNT_ID        (separated by spaces or tabs), or
  //   ACCESS_KEY,SECRET,ACCOUNT_ID        (simple CSV; fields may be quoted)
  //
  // Blank lines and lines whose first non-blank character is '#' are ignored,
  // as is a CSV header row (a first data line whose third column is not a
  // number and whose first column mentions "key"). ACCOUNT_ID must be 12
  // digits; an access key must not contain '/'. Every problem is an Error with
  // code "InvalidConfig" whose message names the file and the line. A file
  // that defines no credential at all is an error too.
  static Result<CredentialStore> LoadFile(const std::string& path);

  // Adds a credential, replacing any earlier one with the same access key.
  void Add(std::string access_key, std::string secret, std::string account_id);

  // The entry for `access_key`, or nullptr. The pointer stays valid until the
  // store is modified or destroyed.
  const Entry* Find(std::string_view access_key) const;

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

 private:
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace sluice::auth
