// Tests for command-line parsing: defaults, every flag, SLUICE_* environment
// variables, the TOML file, their precedence (flag > environment > file),
// the user-facing errors, and the safety rule for non-loopback addresses.
#include "server/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::server {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEnvNames[] = {
    "SLUICE_HOST",        "SLUICE_PORT",       "SLUICE_DATA_DIR",   "SLUICE_REGION",
    "SLUICE_ACCOUNT_ID",  "SLUICE_CONFIG",     "SLUICE_CREDENTIALS", "SLUICE_ALLOW_OPEN",
    "SLUICE_DURABILITY",  "SLUICE_STORAGE",    "SLUICE_IO_THREADS", "SLUICE_LOG_LEVEL",
    "SLUICE_KINESIS_LIMITS", "SLUICE_TLS_CERT", "SLUICE_TLS_KEY", "SLUICE_TLS_SELF_SIGNED",
};

class ConfigTest : public ::testing::Test {
 protected:
  // Each test starts from a clean environment and leaves the process's as it was.
  void SetUp() override {
    for (const char* name : kEnvNames) {
      if (const char* v = std::getenv(name)) saved_[name] = v;
      unsetenv(name);
    }
    std::string templ = (fs::temp_directory_path() / "sluice-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }

  void TearDown() override {
    for (const char* name : kEnvNames) unsetenv(name);
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static Result<ParsedArgs> Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "sluice");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    return ParseArgs(static_cast<int>(args.size()), argv.data());
  }

  // Parses and expects a config to serve with.
  static Config Serve(std::vector<std::string> args) {
    auto r = Parse(std::move(args));
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return Config{};
    EXPECT_EQ(r->command, Command::kServe);
    return r->config;
  }

  // Parses and expects an InvalidConfig error; returns its message.
  static std::string Fails(std::vector<std::string> args) {
    auto r = Parse(std::move(args));
    EXPECT_FALSE(r.ok());
    if (r.ok()) return "";
    EXPECT_EQ(r.error().code, "InvalidConfig");
    return r.error().message;
  }

  std::string WriteToml(const std::string& text, const std::string& name = "sluice.toml") {
    fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

  fs::path dir_;
  std::map<std::string, std::string> saved_;
};

TEST_F(ConfigTest, Defaults) {
  Config c = Serve({"serve"});
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 4566);
  EXPECT_EQ(c.data_dir, "./sluice-data");
  EXPECT_EQ(c.region, "us-east-1");
  EXPECT_EQ(c.account_id, "000000000000");
  EXPECT_EQ(c.credentials_file, "");
  EXPECT_FALSE(c.allow_open);
  EXPECT_EQ(c.durability, "durable");
  EXPECT_EQ(c.storage, "rocksdb");
  EXPECT_EQ(c.io_threads, 0);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.kinesis_limits, "off");
  EXPECT_EQ(c.kinesis_subscription_lifetime_ms, 300'000);
  EXPECT_EQ(c.kinesis_subscription_heartbeat_ms, 5'000);
  EXPECT_EQ(c.config_file, "");
  EXPECT_EQ(c.tls_cert, "");
  EXPECT_EQ(c.tls_key, "");
  EXPECT_FALSE(c.tls_self_signed);
  EXPECT_FALSE(c.tls());
}

TEST_F(ConfigTest, EveryFlag) {
  Config c = Serve({"serve", "--host", "127.0.0.2", "--port", "9999", "--data-dir", "/var/lib/sluice",
                    "--region", "eu-west-1", "--account-id", "123456789012", "--credentials",
                    "/etc/sluice/creds", "--allow-open", "--durability", "relaxed", "--storage", "memory",
                    "--io-threads", "4", "--log-level", "debug", "--kinesis-limits", "enforce",
                    "--kinesis-subscription-lifetime-ms", "1500",
                    "--kinesis-subscription-heartbeat-ms", "200"});
  EXPECT_EQ(c.host, "127.0.0.2");
  EXPECT_EQ(c.port, 9999);
  EXPECT_EQ(c.data_dir, "/var/lib/sluice");
  EXPECT_EQ(c.region, "eu-west-1");
  EXPECT_EQ(c.account_id, "123456789012");
  EXPECT_EQ(c.credentials_file, "/etc/sluice/creds");
  EXPECT_TRUE(c.allow_open);
  EXPECT_EQ(c.durability, "relaxed");
  EXPECT_EQ(c.storage, "memory");
  EXPECT_EQ(c.io_threads, 4);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.kinesis_limits, "enforce");
  EXPECT_EQ(c.kinesis_subscription_lifetime_ms, 1500);
  EXPECT_EQ(c.kinesis_subscription_heartbeat_ms, 200);
}

TEST_F(ConfigTest, FlagsAcceptEqualsForm) {
  Config c = Serve({"serve", "--port=0", "--log-level=off"});
  EXPECT_EQ(c.port, 0);
  EXPECT_EQ(c.log_level, "off");
}

TEST_F(ConfigTest, EnvironmentVariables) {
  setenv("SLUICE_HOST", "0.0.0.0", 1);
  setenv("SLUICE_PORT", "5000", 1);
  setenv("SLUICE_DATA_DIR", "/data", 1);
  setenv("SLUICE_REGION", "ap-southeast-2", 1);
  setenv("SLUICE_ACCOUNT_ID", "111122223333", 1);
  setenv("SLUICE_ALLOW_OPEN", "true", 1);
  setenv("SLUICE_DURABILITY", "relaxed", 1);
  setenv("SLUICE_STORAGE", "memory", 1);
  setenv("SLUICE_IO_THREADS", "3", 1);
  setenv("SLUICE_LOG_LEVEL", "warn", 1);
  setenv("SLUICE_KINESIS_LIMITS", "enforce", 1);
  Config c = Serve({"serve"});
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.port, 5000);
  EXPECT_EQ(c.data_dir, "/data");
  EXPECT_EQ(c.region, "ap-southeast-2");
  EXPECT_EQ(c.account_id, "111122223333");
  EXPECT_TRUE(c.allow_open);
  EXPECT_EQ(c.durability, "relaxed");
  EXPECT_EQ(c.storage, "memory");
  EXPECT_EQ(c.io_threads, 3);
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_EQ(c.kinesis_limits, "enforce");

  unsetenv("SLUICE_ALLOW_OPEN");
  setenv("SLUICE_CREDENTIALS", "/creds", 1);
  Config strict = Serve({"serve"});
  EXPECT_EQ(strict.credentials_file, "/creds");
  EXPECT_FALSE(strict.allow_open);
}

TEST_F(ConfigTest, BadEnvironmentValueIsAnError) {
  setenv("SLUICE_PORT", "not-a-port", 1);
  Fails({"serve"});
  setenv("SLUICE_PORT", "4567", 1);
  setenv("SLUICE_DURABILITY", "sometimes", 1);
  EXPECT_NE(Fails({"serve"}).find("--durability"), std::string::npos);
}

TEST_F(ConfigTest, TomlFileSetsEveryKey) {
  std::string path = WriteToml(
      "host = \"0.0.0.0\"\n"
      "port = 6000\n"
      "data-dir = \"/srv/sluice\"\n"
      "region = \"eu-central-1\"\n"
      "account-id = \"444455556666\"\n"
      "credentials = \"/etc/creds\"\n"
      "allow-open = true\n"
      "durability = \"relaxed\"\n"
      "storage = \"memory\"\n"
      "io-threads = 8\n"
      "log-level = \"error\"\n"
      "kinesis-limits = \"enforce\"\n");
  Config c = Serve({"serve", "--config", path});
  EXPECT_EQ(c.config_file, path);
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.port, 6000);
  EXPECT_EQ(c.data_dir, "/srv/sluice");
  EXPECT_EQ(c.region, "eu-central-1");
  EXPECT_EQ(c.account_id, "444455556666");
  EXPECT_EQ(c.credentials_file, "/etc/creds");
  EXPECT_TRUE(c.allow_open);
  EXPECT_EQ(c.durability, "relaxed");
  EXPECT_EQ(c.storage, "memory");
  EXPECT_EQ(c.io_threads, 8);
  EXPECT_EQ(c.log_level, "error");
  EXPECT_EQ(c.kinesis_limits, "enforce");
}

TEST_F(ConfigTest, TomlKeysMayUseUnderscores) {
  std::string path = WriteToml("data_dir = \"/x\"\naccount_id = \"999988887777\"\nio_threads = 2\n");
  Config c = Serve({"serve", "--config", path});
  EXPECT_EQ(c.data_dir, "/x");
  EXPECT_EQ(c.account_id, "999988887777");
  EXPECT_EQ(c.io_threads, 2);
}

TEST_F(ConfigTest, ConfigFileFromTheEnvironment) {
  setenv("SLUICE_CONFIG", WriteToml("port = 6001\n").c_str(), 1);
  EXPECT_EQ(Serve({"serve"}).port, 6001);
}

TEST_F(ConfigTest, FlagBeatsEnvironmentBeatsFile) {
  std::string path = WriteToml("port = 6000\nregion = \"eu-west-3\"\nlog-level = \"debug\"\n");
  setenv("SLUICE_PORT", "5000", 1);
  setenv("SLUICE_REGION", "eu-west-2", 1);

  Config all = Serve({"serve", "--config", path, "--port", "7000", "--region", "eu-west-1"});
  EXPECT_EQ(all.port, 7000);
  EXPECT_EQ(all.region, "eu-west-1");
  EXPECT_EQ(all.log_level, "debug");  // only the file sets it

  Config env = Serve({"serve", "--config", path});
  EXPECT_EQ(env.port, 5000);
  EXPECT_EQ(env.region, "eu-west-2");

  unsetenv("SLUICE_PORT");
  unsetenv("SLUICE_REGION");
  Config file = Serve({"serve", "--config", path});
  EXPECT_EQ(file.port, 6000);
  EXPECT_EQ(file.region, "eu-west-3");

  // A flag equal to the default still beats the file.
  Config explicit_default = Serve({"serve", "--config", path, "--port", "4566"});
  EXPECT_EQ(explicit_default.port, 4566);
}

TEST_F(ConfigTest, TomlSyntaxErrorNamesTheFile) {
  std::string path = WriteToml("port = = 1\n");
  std::string msg = Fails({"serve", "--config", path});
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
}

TEST_F(ConfigTest, MissingTomlFileIsAnError) {
  std::string msg = Fails({"serve", "--config", (dir_ / "absent.toml").string()});
  EXPECT_NE(msg.find("absent.toml"), std::string::npos) << msg;
}

TEST_F(ConfigTest, TomlUnknownKeyIsAnError) {
  std::string path = WriteToml("port = 1\nbogus = 2\n");
  std::string msg = Fails({"serve", "--config", path});
  EXPECT_NE(msg.find("unknown key 'bogus'"), std::string::npos) << msg;
  // "config" is a flag, not a file key.
  EXPECT_NE(Fails({"serve", "--config", WriteToml("config = \"x\"\n", "b.toml")}).find("unknown key 'config'"),
            std::string::npos);
  // Nested tables are not settings either.
  EXPECT_NE(Fails({"serve", "--config", WriteToml("[server]\nport = 1\n", "c.toml")}).find("unknown key 'server'"),
            std::string::npos);
}

TEST_F(ConfigTest, TomlWrongTypesAreErrors) {
  struct Case {
    const char* toml;
    const char* expect;
  };
  const Case cases[] = {
      {"port = \"4566\"\n", "'port' must be an integer"},
      {"port = 70000\n", "'port' must be a port number"},
      {"port = -1\n", "'port' must be a port number"},
      {"io-threads = \"four\"\n", "'io-threads' must be an integer"},
      {"io-threads = 257\n", "'io-threads' must be between 0 and 256"},
      {"allow-open = \"yes\"\n", "'allow-open' must be true or false"},
      {"host = 127\n", "'host' must be a string"},
      {"durability = true\n", "'durability' must be a string"},
      {"region = [\"us-east-1\"]\n", "'region' must be a string"},
  };
  int i = 0;
  for (const Case& c : cases) {
    std::string path = WriteToml(c.toml, "case" + std::to_string(i++) + ".toml");
    std::string msg = Fails({"serve", "--config", path});
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.toml << " -> " << msg;
  }
}

TEST_F(ConfigTest, ValuesAreCheckedWhereverTheyComeFrom) {
  EXPECT_EQ(Fails({"serve", "--durability", "fast"}),
            "--durability must be 'durable' or 'relaxed', not 'fast'");
  EXPECT_EQ(Fails({"serve", "--config", WriteToml("durability = \"fast\"\n")}),
            "--durability must be 'durable' or 'relaxed', not 'fast'");
  EXPECT_NE(Fails({"serve", "--storage", "postgres"}).find("--storage"), std::string::npos);
  EXPECT_NE(Fails({"serve", "--account-id", "12345"}).find("--account-id"), std::string::npos);
  EXPECT_NE(Fails({"serve", "--account-id", "12345678901a"}).find("--account-id"), std::string::npos);
  EXPECT_NE(Fails({"serve", "--region", "US_EAST_1"}).find("--region"), std::string::npos);
  EXPECT_NE(Fails({"serve", "--region", ""}).find("--region"), std::string::npos);
  EXPECT_NE(Fails({"serve", "--log-level", "verbose"}).find("--log-level"), std::string::npos);
  EXPECT_EQ(Fails({"serve", "--kinesis-limits", "on"}),
            "--kinesis-limits must be 'off' or 'enforce', not 'on'");
  EXPECT_EQ(Fails({"serve", "--config", WriteToml("kinesis_limits = \"strict\"\n")}),
            "--kinesis-limits must be 'off' or 'enforce', not 'strict'");
  EXPECT_NE(Fails({"serve", "--kinesis-subscription-lifetime-ms", "0"})
                .find("--kinesis-subscription-lifetime-ms"),
            std::string::npos);
  EXPECT_NE(Fails({"serve", "--config", WriteToml("kinesis_subscription_heartbeat_ms = 1\n")})
                .find("--kinesis-subscription-heartbeat-ms"),
            std::string::npos);
  Fails({"serve", "--config", WriteToml("kinesis_subscription_lifetime_ms = \"long\"\n")});
  Fails({"serve", "--port", "70000"});
  Fails({"serve", "--port", "http"});
  Fails({"serve", "--io-threads", "many"});
}

TEST_F(ConfigTest, TlsFromFlagsEnvironmentAndFile) {
  Config flags = Serve({"serve", "--tls-cert", "/etc/sluice/cert.pem", "--tls-key", "/etc/sluice/key.pem"});
  EXPECT_EQ(flags.tls_cert, "/etc/sluice/cert.pem");
  EXPECT_EQ(flags.tls_key, "/etc/sluice/key.pem");
  EXPECT_FALSE(flags.tls_self_signed);
  EXPECT_TRUE(flags.tls());

  Config self = Serve({"serve", "--tls-self-signed"});
  EXPECT_TRUE(self.tls_self_signed);
  EXPECT_TRUE(self.tls());

  setenv("SLUICE_TLS_CERT", "/env/cert.pem", 1);
  setenv("SLUICE_TLS_KEY", "/env/key.pem", 1);
  Config env = Serve({"serve"});
  EXPECT_EQ(env.tls_cert, "/env/cert.pem");
  EXPECT_EQ(env.tls_key, "/env/key.pem");
  unsetenv("SLUICE_TLS_CERT");
  unsetenv("SLUICE_TLS_KEY");
  setenv("SLUICE_TLS_SELF_SIGNED", "true", 1);
  EXPECT_TRUE(Serve({"serve"}).tls_self_signed);
  unsetenv("SLUICE_TLS_SELF_SIGNED");

  Config file = Serve({"serve", "--config",
                       WriteToml("tls-cert = \"/file/cert.pem\"\ntls_key = \"/file/key.pem\"\n")});
  EXPECT_EQ(file.tls_cert, "/file/cert.pem");
  EXPECT_EQ(file.tls_key, "/file/key.pem");
  EXPECT_TRUE(Serve({"serve", "--config", WriteToml("tls-self-signed = true\n", "s.toml")}).tls_self_signed);

  // A flag beats the file, key by key.
  Config mixed = Serve({"serve", "--tls-cert", "/flag/cert.pem", "--config",
                        WriteToml("tls-cert = \"/file/cert.pem\"\ntls-key = \"/file/key.pem\"\n", "m.toml")});
  EXPECT_EQ(mixed.tls_cert, "/flag/cert.pem");
  EXPECT_EQ(mixed.tls_key, "/file/key.pem");
}

TEST_F(ConfigTest, TlsCertAndKeyGoTogether) {
  EXPECT_EQ(Fails({"serve", "--tls-cert", "/c.pem"}),
            "--tls-cert and --tls-key go together: give both (PEM files) or neither");
  EXPECT_EQ(Fails({"serve", "--tls-key", "/k.pem"}),
            "--tls-cert and --tls-key go together: give both (PEM files) or neither");
  EXPECT_NE(Fails({"serve", "--config", WriteToml("tls-key = \"/k.pem\"\n")}).find("--tls-cert and --tls-key"),
            std::string::npos);
  EXPECT_NE(Fails({"serve", "--tls-self-signed", "--tls-cert", "/c.pem", "--tls-key", "/k.pem"})
                .find("--tls-self-signed"),
            std::string::npos);
  EXPECT_NE(Fails({"serve", "--config", WriteToml("tls-self-signed = \"yes\"\n", "b.toml")})
                .find("'tls-self-signed' must be true or false"),
            std::string::npos);
  EXPECT_NE(Fails({"serve", "--config", WriteToml("tls-cert = 1\ntls-key = 2\n", "c.toml")})
                .find("'tls-cert' must be a string"),
            std::string::npos);
}

TEST_F(ConfigTest, UnknownFlagsAndArgumentsAreErrors) {
  Fails({"serve", "--bogus"});
  Fails({"serve", "extra"});
  Fails({"start"});
  Fails({"serve", "--port"});  // missing value
}

TEST_F(ConfigTest, NonLoopbackHostNeedsCredentialsOrAllowOpen) {
  std::string msg = Fails({"serve", "--host", "0.0.0.0"});
  EXPECT_NE(msg.find("0.0.0.0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--credentials"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--allow-open"), std::string::npos) << msg;
  Fails({"serve", "--host", "192.168.1.10"});
  Fails({"serve", "--host", "::"});
  Fails({"serve", "--config", WriteToml("host = \"10.0.0.1\"\n")});

  EXPECT_TRUE(Serve({"serve", "--host", "0.0.0.0", "--allow-open"}).allow_open);
  EXPECT_EQ(Serve({"serve", "--host", "0.0.0.0", "--credentials", "/etc/creds"}).host, "0.0.0.0");
  for (const char* loopback : {"127.0.0.1", "127.10.0.1", "localhost", "::1"}) {
    EXPECT_EQ(Serve({"serve", "--host", loopback}).host, loopback);
  }
}

// The loopback exemption must hold for addresses, not for names: the server
// resolves a name such as "127.example.com" to whatever DNS says, which may
// be a public address, and would then serve it without authentication.
TEST_F(ConfigTest, NameThatMerelyStartsWith127IsNotLoopback) {
  Fails({"serve", "--host", "127.example.com"});
}

TEST_F(ConfigTest, HelpAndVersion) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"serve", "--help"}}) {
    auto r = Parse(args);
    ASSERT_TRUE(r.ok()) << args.back();
    EXPECT_EQ(r->command, Command::kHelp);
    EXPECT_EQ(r->exit_code, 0);
    EXPECT_NE(r->output.find("--port"), std::string::npos) << r->output;
    EXPECT_NE(r->output.find("--durability"), std::string::npos);
  }
  auto v = Parse({"--version"});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->command, Command::kVersion);
  EXPECT_EQ(v->output, std::string("sluice ") + SLUICE_VERSION + "\n");
  EXPECT_EQ(v->exit_code, 0);
}

TEST_F(ConfigTest, NoCommandPrintsHelpAndFails) {
  auto r = Parse({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->command, Command::kHelp);
  EXPECT_EQ(r->exit_code, 2);
  EXPECT_NE(r->output.find("serve"), std::string::npos);
}

}  // namespace
}  // namespace sluice::server
