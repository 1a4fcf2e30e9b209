#include "auth/credentials.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>
#include <vector>

namespace sluice::auth {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool ContainsKeyWord(std::string_view s) {
  for (std::size_t i = 0; i + 3 <= s.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(s[i]) == 'k' && lower(s[i + 1]) == 'e' && lower(s[i + 2]) == 'y') return true;
  }
  return false;
}

Error ConfigError(const std::string& path, std::size_t line, const std::string& what) {
  Error e;
  e.code = "InvalidConfig";
  e.message = "credentials file '" + path + "'";
  if (line > 0) e.message += ", line " + std::to_string(line);
  e.message += ": " + what;
  e.http_status = 500;
  e.sender_fault = false;
  return e;
}

std::vector<std::string> SplitWhitespace(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsBlank(line[i])) ++i;
    std::size_t start = i;
    while (i < line.size() && !IsBlank(line[i])) ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

std::vector<std::string> SplitCsv(std::string_view line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = line.find(',', start);
    std::string_view field = Trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                                      : comma - start));
    if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
      field = Trim(field.substr(1, field.size() - 2));
    }
    out.emplace_back(field);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

Result<CredentialStore> CredentialStore::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::in | std::ios::binary);
  if (!in) {
    return ConfigError(path, 0, std::string("cannot be opened: ") + std::strerror(errno));
  }
  CredentialStore store;
  std::map<std::string, std::size_t, std::less<>> first_line;
  std::string raw;
  std::size_t line_no = 0;
  bool seen_data_line = false;
  while (std::getline(in, raw)) {
    ++line_no;
    std::string_view line = Trim(raw);
    if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line = Trim(line.substr(3));  // UTF-8 BOM
    if (line.empty() || line.front() == '#') continue;

    const bool csv = line.find(',') != std::string_view::npos;
    std::vector<std::string> fields = csv ? SplitCsv(line) : SplitWhitespace(line);
    const bool first_data_line = !seen_data_line;
    seen_data_line = true;
    if (fields.size() != 3) {
      return ConfigError(path, line_no,
                         "expected 3 fields (ACCESS_KEY SECRET ACCOUNT_ID), found " + std::to_string(fields.size()));
    }
    if (csv && first_data_line && !AllDigits(fields[2]) && ContainsKeyWord(fields[0])) {
      continue;  // CSV header row
    }
    for (std::size_t i = 0; i < 3; ++i) {
      if (fields[i].empty()) {
        static constexpr const char* kNames[] = {"access key", "secret", "account id"};
        return ConfigError(path, line_no, std::string(kNames[i]) + " is empty");
      }
    }
    if (fields[0].find('/') != std::string::npos) {
      return ConfigError(path, line_no, "access key '" + fields[0] + "' must not contain '/'");
    }
    if (fields[2].size() != 12 || !AllDigits(fields[2])) {
      return ConfigError(path, line_no, "account id '" + fields[2] + "' must be 12 digits");
    }
    auto [it, inserted] = first_line.emplace(fields[0], line_no);
    if (!inserted) {
      return ConfigError(path, line_no,
                         "duplicate access key '" + fields[0] + "' (first defined on line " +
                             std::to_string(it->second) + ")");
    }
    store.Add(std::move(fields[0]), std::move(fields[1]), std::move(fields[2]));
  }
  if (in.bad()) {
    return ConfigError(path, 0, std::string("read failed: ") + std::strerror(errno));
  }
  if (store.empty()) {
    return ConfigError(path, 0, "no credentials defined");
  }
  return store;
}

void CredentialStore::Add(std::string access_key, std::string secret, std::string account_id) {
  entries_.insert_or_assign(std::move(access_key), Entry{std::move(secret), std::move(account_id)});
}

const CredentialStore::Entry* CredentialStore::Find(std::string_view access_key) const {
  auto it = entries_.find(access_key);
  return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace sluice::auth
