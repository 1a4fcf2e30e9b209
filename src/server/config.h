// Server configuration from flags, SLUICE_* environment variables and an
// optional TOML file, in that order of precedence.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace sluice::server {

struct Config {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;
  std::string data_dir = "./sluice-data";
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string credentials_file;  // strict SigV4 mode when set
  bool allow_open = false;       // open mode on a non-loopback address
  std::string durability = "durable";
  std::string storage = "rocksdb";  // "rocksdb" or "memory"
  int io_threads = 0;               // 0: one per core
  std::string log_level = "info";
  std::string kinesis_limits = "off";  // "off" or "enforce": AWS's per-shard throughput limits
  // SubscribeToShard timing; AWS's are fixed (5 min, 5 s). Shorter ones let
  // tests see a subscription end or idle without waiting minutes.
  int64_t kinesis_subscription_lifetime_ms = 300'000;
  int64_t kinesis_subscription_heartbeat_ms = 5'000;
  std::string config_file;
  // HTTPS on the same port as HTTP (see README "HTTPS"): PEM files given by
  // the user, both or neither, or a self-signed pair kept in <data-dir>/tls.
  std::string tls_cert;
  std::string tls_key;
  bool tls_self_signed = false;

  bool tls() const { return tls_self_signed || !tls_cert.empty(); }
};

enum class Command { kServe, kVersion, kHelp, kExit };

struct ParsedArgs {
  Command command = Command::kServe;
  Config config;
  std::string output;  // help text to print
  int exit_code = 0;
};

// True for "localhost" and loopback address literals (127.0.0.0/8, ::1).
bool IsLoopback(const std::string& host);

// Parses argv. On a bad flag, value or config file returns an Error whose
// message is meant for the user.
Result<ParsedArgs> ParseArgs(int argc, char** argv);

}  // namespace sluice::server
