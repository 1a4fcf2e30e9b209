// sluice-bench: a load generator speaking the AWS wire protocols.
//
//   sluice-bench [shared flags] SCENARIO [scenario flags]
//
// Exit status: 0 the run completed; 1 set-up failed (endpoint down, queue
// could not be created); 2 invalid flags; 3 the run completed but no request
// succeeded.
#include <csignal>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "bench/engine.h"
#include "bench/scenario.h"

namespace {

std::atomic<bool> g_interrupted{false};

void OnSignal(int) { g_interrupted.store(true); }

constexpr double kRequestRunTimeCapS = 600;

int Fail(int status, const std::string& message) {
  std::fprintf(stderr, "sluice-bench: %s\n", message.c_str());
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sluice::bench;
  ScenarioRegistry registry = BuiltinScenarios();

  CLI::App app{"Load generator for Sluice and other AWS-compatible endpoints (SigV4-signed HTTP/1.1 keep-alive).",
               "sluice-bench"};
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("--version", "sluice-bench " SLUICE_VERSION);

  RunOptions options;
  std::string endpoint = "http://127.0.0.1:4566";
  std::string protocol = "json";
  bool allow_remote = false;
  bool json = false;
  app.add_option("--endpoint", endpoint, "http://HOST:PORT to load; loopback only unless --allow-remote")
      ->capture_default_str();
  app.add_flag("--allow-remote", allow_remote, "allow an endpoint that is not 127.0.0.0/8 or ::1");
  app.add_option("--protocol", protocol, "json (AWS JSON 1.0) or query (form POST, XML answers)")
      ->capture_default_str();
  app.add_option("--region", options.region, "SigV4 region")->capture_default_str();
  app.add_option("--access-key", options.credentials.access_key, "SigV4 access key")->capture_default_str();
  app.add_option("--secret-key", options.credentials.secret, "SigV4 secret key")->capture_default_str();
  app.add_option("--session-token", options.credentials.session_token, "SigV4 session token (optional)");
  app.add_option("--threads", options.threads, "client I/O threads")->capture_default_str();
  CLI::Option* duration = app.add_option("--duration", options.duration_s, "measured seconds")->capture_default_str();
  app.add_option("--requests", options.requests,
                 "stop after this many requests by the sending connections (0: no limit)")
      ->capture_default_str();
  app.add_option("--rate", options.rate, "requests/s over all sending connections (0: as fast as possible)")
      ->capture_default_str();
  app.add_option("--warmup", options.warmup_s, "seconds of load before measuring starts")->capture_default_str();
  app.add_option("--timeout", options.timeout_s, "seconds a request may take before it counts as failed")
      ->capture_default_str();
  app.add_flag("--json", json, "print the summary as one JSON object on stdout");
  app.add_flag("--quiet", options.quiet, "no progress line");

  std::vector<std::pair<CLI::App*, std::unique_ptr<Scenario>>> scenarios;
  for (const ScenarioSpec& spec : registry.specs()) {
    CLI::App* cmd = app.add_subcommand(spec.name, spec.summary);
    scenarios.emplace_back(cmd, spec.make(*cmd));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  std::string name;
  Scenario* scenario = nullptr;
  for (auto& [cmd, s] : scenarios) {
    if (cmd->parsed()) {
      name = cmd->get_name();
      scenario = s.get();
    }
  }
  if (!scenario) return Fail(2, "no scenario given; see --help");

  // Shared flags.
  if (protocol == "json") {
    options.protocol = Protocol::kJson;
  } else if (protocol == "query") {
    options.protocol = Protocol::kQuery;
  } else {
    return Fail(2, "--protocol must be json or query");
  }
  if (options.threads < 1 || options.threads > 256) return Fail(2, "--threads must be between 1 and 256");
  if (options.credentials.access_key.empty() || options.credentials.secret.empty()) {
    return Fail(2, "--access-key and --secret-key must not be empty");
  }
  if (options.region.empty()) return Fail(2, "--region must not be empty");
  if (!(options.rate >= 0) || options.rate > 1e7) return Fail(2, "--rate must be between 0 and 10000000");
  if (!(options.timeout_s > 0) || options.timeout_s > 600) return Fail(2, "--timeout must be in (0, 600] seconds");
  if (!(options.warmup_s >= 0) || options.warmup_s > 3600) return Fail(2, "--warmup must be in [0, 3600] seconds");
  if (options.requests > 0 && options.warmup_s > 0) return Fail(2, "--warmup cannot be combined with --requests");
  if (duration->count() == 0 && options.requests > 0) options.duration_s = kRequestRunTimeCapS;
  if (!(options.duration_s > 0) || options.duration_s > 86400) {
    return Fail(2, "--duration must be in (0, 86400] seconds");
  }

  auto parsed = ParseEndpoint(endpoint);
  if (!parsed.ok()) return Fail(2, parsed.error().message);
  options.endpoint = std::move(parsed.value());
  if (auto st = Resolve(options.endpoint, allow_remote); !st.ok()) return Fail(2, st.error().message);

  if (auto st = scenario->Validate(options); !st.ok()) return Fail(2, st.error().message);

  std::signal(SIGPIPE, SIG_IGN);
  SetupClient setup(options, scenario->signing_service());
  if (auto st = scenario->Prepare(setup); !st.ok()) return Fail(1, st.error().message);

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  Report report = RunLoad(*scenario, name, options, g_interrupted);
  report.parameters.emplace_back("duration_s", options.duration_s);
  report.parameters.emplace_back("requests", static_cast<int64_t>(options.requests));
  report.parameters.emplace_back("rate", options.rate);
  report.parameters.emplace_back("warmup_s", options.warmup_s);

  const std::string text = ReportText(report);
  if (json) {
    std::cout << ReportJson(report) << std::endl;
    if (!options.quiet) std::cerr << text;
  } else {
    std::cout << text;
  }
  return report.requests > report.errors ? 0 : 3;
}
