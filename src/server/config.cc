#include "server/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <cstdlib>
#include <set>

namespace sluice::server {
namespace {

// Applies the TOML file's values to options not given by flag or environment.
Status ApplyConfigFile(const std::string& path, CLI::App& app, Config& c) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    return Error{"InvalidConfig", "invalid config file " + path + " (" + where.str() +
                                      "): " + std::string(e.description())};
  }
  static const std::set<std::string> kKeys = {
      "host", "port", "data-dir", "region", "account-id", "credentials", "allow-open",
      "durability", "storage", "io-threads", "log-level", "kinesis-limits",
      "kinesis-subscription-lifetime-ms", "kinesis-subscription-heartbeat-ms",
      "tls-cert", "tls-key", "tls-self-signed"};
  for (const auto& [key, node] : table) {
    std::string k(key.str());
    std::string flag = k;
    for (char& ch : flag) if (ch == '_') ch = '-';
    if (!kKeys.count(flag)) {
      return Error{"InvalidConfig", "unknown key '" + k + "' in config file " + path};
    }
    CLI::Option* opt = app.get_option_no_throw("--" + flag);
    if (opt && opt->count() > 0) continue;  // flag or environment wins
    auto bad = [&](const char* want) {
      return Error{"InvalidConfig", "config file " + path + ": '" + k + "' must be " + want};
    };
    if (flag == "port" || flag == "io-threads") {
      auto v = node.value<int64_t>();
      if (!v) return bad("an integer");
      if (flag == "port") {
        if (*v < 0 || *v > 65535) return bad("a port number (0-65535)");
        c.port = static_cast<uint16_t>(*v);
      } else {
        if (*v < 0 || *v > 256) return bad("between 0 and 256");
        c.io_threads = static_cast<int>(*v);
      }
    } else if (flag == "kinesis-subscription-lifetime-ms" ||
               flag == "kinesis-subscription-heartbeat-ms") {
      auto v = node.value<int64_t>();
      if (!v) return bad("an integer");
      (flag == "kinesis-subscription-lifetime-ms" ? c.kinesis_subscription_lifetime_ms
                                                  : c.kinesis_subscription_heartbeat_ms) = *v;
    } else if (flag == "allow-open" || flag == "tls-self-signed") {
      auto v = node.value<bool>();
      if (!v) return bad("true or false");
      (flag == "allow-open" ? c.allow_open : c.tls_self_signed) = *v;
    } else {
      auto v = node.value<std::string>();
      if (!v) return bad("a string");
      if (flag == "host") c.host = *v;
      else if (flag == "data-dir") c.data_dir = *v;
      else if (flag == "region") c.region = *v;
      else if (flag == "account-id") c.account_id = *v;
      else if (flag == "credentials") c.credentials_file = *v;
      else if (flag == "durability") c.durability = *v;
      else if (flag == "storage") c.storage = *v;
      else if (flag == "log-level") c.log_level = *v;
      else if (flag == "kinesis-limits") c.kinesis_limits = *v;
      else if (flag == "tls-cert") c.tls_cert = *v;
      else if (flag == "tls-key") c.tls_key = *v;
    }
  }
  return {};
}

Status Check(const Config& c) {
  if (c.durability != "durable" && c.durability != "relaxed") {
    return Error{"InvalidConfig", "--durability must be 'durable' or 'relaxed', not '" + c.durability + "'"};
  }
  if (c.storage != "rocksdb" && c.storage != "memory") {
    return Error{"InvalidConfig", "--storage must be 'rocksdb' or 'memory', not '" + c.storage + "'"};
  }
  if (c.account_id.size() != 12 || c.account_id.find_first_not_of("0123456789") != std::string::npos) {
    return Error{"InvalidConfig", "--account-id must be 12 digits, not '" + c.account_id + "'"};
  }
  if (c.region.empty() || c.region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
    return Error{"InvalidConfig", "--region must look like 'us-east-1', not '" + c.region + "'"};
  }
  if (c.kinesis_limits != "off" && c.kinesis_limits != "enforce") {
    return Error{"InvalidConfig", "--kinesis-limits must be 'off' or 'enforce', not '" + c.kinesis_limits + "'"};
  }
  if (c.kinesis_subscription_lifetime_ms < 100 || c.kinesis_subscription_lifetime_ms > 3'600'000) {
    return Error{"InvalidConfig", "--kinesis-subscription-lifetime-ms must be between 100 and 3600000"};
  }
  if (c.kinesis_subscription_heartbeat_ms < 10 || c.kinesis_subscription_heartbeat_ms > 3'600'000) {
    return Error{"InvalidConfig", "--kinesis-subscription-heartbeat-ms must be between 10 and 3600000"};
  }
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
  if (!kLevels.count(c.log_level)) {
    return Error{"InvalidConfig", "--log-level must be one of trace, debug, info, warn, error, off"};
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Error{"InvalidConfig", "--tls-cert and --tls-key go together: give both (PEM files) or neither"};
  }
  if (c.tls_self_signed && !c.tls_cert.empty()) {
    return Error{"InvalidConfig", "--tls-self-signed makes its own certificate: give it or --tls-cert/--tls-key, not both"};
  }
  if (c.credentials_file.empty() && !c.allow_open && !IsLoopback(c.host)) {
    return Error{"InvalidConfig",
                 "refusing to serve without authentication on non-loopback address " + c.host +
                     ": give --credentials FILE, or --allow-open to accept any caller"};
  }
  return {};
}

}  // namespace

bool IsLoopback(const std::string& host) {
  // Address literals only (a name such as "127.example.com" may resolve anywhere).
  if (host == "localhost") return true;
  in_addr v4;
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

Result<ParsedArgs> ParseArgs(int argc, char** argv) {
  ParsedArgs out;
  Config& c = out.config;
  CLI::App app{"Sluice: AWS-compatible SQS, SNS and Kinesis in one durable server.", "sluice"};
  app.set_version_flag("--version", std::string("sluice ") + SLUICE_VERSION);
  app.require_subcommand(0, 1);
  CLI::App* serve = app.add_subcommand("serve", "Start the server.");
  serve->add_option("--host", c.host, "Address to listen on")->envname("SLUICE_HOST")->capture_default_str();
  serve->add_option("--port", c.port, "TCP port (0 picks a free one)")->envname("SLUICE_PORT")->capture_default_str();
  serve->add_option("--data-dir", c.data_dir, "Directory of the embedded store")->envname("SLUICE_DATA_DIR")->capture_default_str();
  serve->add_option("--region", c.region, "Region reported in ARNs")->envname("SLUICE_REGION")->capture_default_str();
  serve->add_option("--account-id", c.account_id, "Account id of unsigned and open-mode requests")->envname("SLUICE_ACCOUNT_ID")->capture_default_str();
  serve->add_option("--config", c.config_file, "TOML file with any of these settings (keys as the flag names)")->envname("SLUICE_CONFIG");
  serve->add_option("--credentials", c.credentials_file,
                    "File of 'ACCESS_KEY SECRET ACCOUNT_ID' lines; enables strict SigV4 checking")
      ->envname("SLUICE_CREDENTIALS");
  serve->add_flag("--allow-open", c.allow_open,
                  "Accept unsigned requests on a non-loopback address (logs a warning)")
      ->envname("SLUICE_ALLOW_OPEN");
  serve->add_option("--durability", c.durability,
                    "durable: acknowledge a write only once it is synced to disk (group commit). "
                    "relaxed: acknowledge once written to the OS; faster, but a machine crash or "
                    "power loss can lose acknowledged messages")
      ->envname("SLUICE_DURABILITY")->capture_default_str();
  serve->add_option("--storage", c.storage, "rocksdb (embedded, persistent) or memory (nothing survives a restart)")
      ->envname("SLUICE_STORAGE")->capture_default_str();
  serve->add_option("--io-threads", c.io_threads, "Network threads; 0 means one per core")
      ->envname("SLUICE_IO_THREADS")->capture_default_str();
  serve->add_option("--log-level", c.log_level, "trace, debug, info, warn, error or off")
      ->envname("SLUICE_LOG_LEVEL")->capture_default_str();
  serve->add_option("--kinesis-limits", c.kinesis_limits,
                    "off, or enforce: AWS's per-shard Kinesis throughput limits (writes 1 MiB/s or "
                    "1,000 records/s, reads 5 calls/s and 2 MiB/s), answered with "
                    "ProvisionedThroughputExceededException")
      ->envname("SLUICE_KINESIS_LIMITS")->capture_default_str();
  serve->add_option("--kinesis-subscription-lifetime-ms", c.kinesis_subscription_lifetime_ms,
                    "How long a SubscribeToShard stream lasts before it ends (AWS: 5 minutes); "
                    "shorter for tests")
      ->envname("SLUICE_KINESIS_SUBSCRIPTION_LIFETIME_MS")->capture_default_str();
  serve->add_option("--kinesis-subscription-heartbeat-ms", c.kinesis_subscription_heartbeat_ms,
                    "Longest gap between SubscribeToShard events while no records arrive "
                    "(AWS: 5 seconds); for tests")
      ->envname("SLUICE_KINESIS_SUBSCRIPTION_HEARTBEAT_MS")->capture_default_str();
  serve->add_option("--tls-cert", c.tls_cert,
                    "PEM certificate (chain) to serve HTTPS with, on the same port as HTTP; needs --tls-key")
      ->envname("SLUICE_TLS_CERT");
  serve->add_option("--tls-key", c.tls_key, "PEM private key of --tls-cert (unencrypted)")
      ->envname("SLUICE_TLS_KEY");
  serve->add_flag("--tls-self-signed", c.tls_self_signed,
                  "Serve HTTPS with a self-signed certificate for localhost, 127.0.0.1 and --host, "
                  "made once and kept in <data-dir>/tls (pass cert.pem to aws --ca-bundle)")
      ->envname("SLUICE_TLS_SELF_SIGNED");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out.command = Command::kHelp;
    out.output = app.help("", CLI::AppFormatMode::All);
    return out;
  } catch (const CLI::CallForAllHelp&) {
    out.command = Command::kHelp;
    out.output = app.help("", CLI::AppFormatMode::All);
    return out;
  } catch (const CLI::CallForVersion&) {
    out.command = Command::kVersion;
    out.output = std::string("sluice ") + SLUICE_VERSION + "\n";
    return out;
  } catch (const CLI::ParseError& e) {
    return Error{"InvalidConfig", e.what()};
  }
  if (!serve->parsed()) {
    out.command = Command::kHelp;
    out.output = app.help("", CLI::AppFormatMode::All);
    out.exit_code = 2;
    return out;
  }
  if (!c.config_file.empty()) {
    Status st = ApplyConfigFile(c.config_file, *serve, c);
    if (!st.ok()) return std::move(st).error();
  }
  Status st = Check(c);
  if (!st.ok()) return std::move(st).error();
  return out;
}

}  // namespace sluice::server
