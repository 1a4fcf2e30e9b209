// sluice: the server binary. Wires configuration, storage, services, the
// protocol layer and the HTTP front end, and runs until SIGINT or SIGTERM.
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include "auth/credentials.h"
#include "auth/sigv4.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "http/server.h"
#include "http/tls.h"
#include "protocol/dispatcher.h"
#include "protocol/eventstream.h"
#include "protocol/generated/kinesis_model.h"
#include "protocol/generated/sqs_model.h"
#include "server/asio_executor.h"
#include "server/config.h"
#include "services/kinesis/kinesis_service.h"
#include "services/sqs/sqs_service.h"
#include "storage/kv_store.h"
#include "storage/queue_store.h"
#include "storage/stream_store.h"

namespace sluice::server {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "sluice: %s\n", message.c_str());
  return 1;
}

// TLS files are part of the configuration: problems with them exit 2, as
// other configuration errors do, before anything else starts.
constexpr int kConfigError = 2;

// Loads the certificate to serve HTTPS with, making the self-signed one
// first if asked to. Null when TLS is off.
Result<std::shared_ptr<const http::TlsContext>> SetUpTls(const Config& config) {
  if (!config.tls()) return std::shared_ptr<const http::TlsContext>();
  std::string cert = config.tls_cert;
  std::string key = config.tls_key;
  if (config.tls_self_signed) {
    http::SelfSignedOptions options;
    // The --host value too, unless it is a wildcard no client connects to.
    if (config.host != "0.0.0.0" && config.host != "::") options.hosts.push_back(config.host);
    std::string dir = config.data_dir + "/tls";
    auto files = http::EnsureSelfSigned(dir, options);
    if (!files.ok()) {
      return Error{"InvalidConfig", "--tls-self-signed: " + files.error().message};
    }
    cert = files->cert_file;
    key = files->key_file;
    // Users pass this file to `aws --ca-bundle` or an SDK's verify option.
    std::printf("sluice: TLS certificate %s (self-signed, %s; trust it with aws --ca-bundle %s)\n",
                cert.c_str(), files->generated ? "new" : "reused", cert.c_str());
    std::fflush(stdout);
  }
  auto loaded = http::TlsContext::Load(cert, key);
  if (!loaded.ok()) return Error{"InvalidConfig", "TLS: " + loaded.error().message};
  return std::shared_ptr<const http::TlsContext>(std::move(loaded).value());
}


int Serve(const Config& config) {
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  // Signals are taken by this thread alone (sigwait below).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto tls = SetUpTls(config);
  if (!tls.ok()) {
    std::fprintf(stderr, "sluice: %s\n", tls.error().message.c_str());
    return kConfigError;
  }

  SystemClock clock;
  auth::CredentialStore credentials;
  auth::AuthMode mode = auth::AuthMode::kOpen;
  if (!config.credentials_file.empty()) {
    auto loaded = auth::CredentialStore::LoadFile(config.credentials_file);
    if (!loaded.ok()) return Fail(loaded.error().message);
    credentials = std::move(loaded).value();
    if (credentials.empty()) return Fail("credentials file " + config.credentials_file + " has no keys");
    mode = auth::AuthMode::kStrict;
  } else if (!IsLoopback(config.host)) {
    spdlog::warn("open mode on {}: any caller is accepted without a signature check", config.host);
  }

  std::unique_ptr<storage::KvStore> kv;
  if (config.storage == "memory") {
    kv = storage::OpenMemoryKvStore();
  } else {
    auto opened = storage::OpenRocksKvStore(
        config.data_dir, config.durability == "relaxed" ? storage::Durability::kRelaxed
                                                        : storage::Durability::kDurable);
    if (!opened.ok()) return Fail(opened.error().message);
    kv = std::move(opened).value();
  }
  auto started = std::chrono::steady_clock::now();
  auto queues = storage::OpenEmbeddedQueueStore(kv.get(), clock.NowMillis());
  if (!queues.ok()) return Fail("cannot recover queues: " + queues.error().message);
  auto streams = storage::OpenEmbeddedStreamStore(kv.get(), clock.NowMillis());
  if (!streams.ok()) return Fail("cannot recover streams: " + streams.error().message);

  int threads = config.io_threads > 0 ? config.io_threads
                                      : std::max(1u, std::thread::hardware_concurrency());
  // Connections and commit completions share one set of threads (one per
  // core), so an answer is rendered and written where its commit completed.
  // Service work that may read from disk (receives, GetRecords) and timers
  // run on a separate pool, so a slow read never holds up a connection.
  AsioExecutor io(&clock, threads);
  AsioExecutor executor(&clock, 2);
  kv->SetCompletionExecutor([&io](std::function<void()> fn) { io.Post(std::move(fn)); });
  sqs::SqsOptions sqs_options;
  sqs_options.region = config.region;
  // Completed with the bound port once the listener is up (--port 0).
  sqs_options.fallback_host = config.host + ":" + std::to_string(config.port);
  sqs::SqsService sqs_service(queues->get(), &clock, &executor, sqs_options);
  kinesis::KinesisOptions kinesis_options;
  kinesis_options.region = config.region;
  kinesis_options.enforce_limits = config.kinesis_limits == "enforce";
  kinesis_options.subscription.lifetime_ms = config.kinesis_subscription_lifetime_ms;
  kinesis_options.subscription.heartbeat_ms = config.kinesis_subscription_heartbeat_ms;
  // Derived from the store's persistent secret: shard iterators stay valid
  // across a restart, as they do across AWS's fleet.
  kinesis_options.iterator_secret = crypto::HmacSha256((*queues)->Secret(), "kinesis shard iterators");
  kinesis::KinesisService kinesis_service(streams->get(), &clock, &executor, kinesis_options);

  auth::SigV4Verifier verifier(mode, &credentials, &clock);
  protocol::Dispatcher dispatcher(&verifier, {config.account_id, config.region});
  protocol::ServiceBinding sqs_binding;
  sqs_binding.model = &model::SqsModel();
  sqs_binding.service = &sqs_service;
  sqs_binding.scope_name = "sqs";
  sqs_binding.json_protocol = protocol::WireProtocol::kJson10;
  sqs_binding.query = true;
  sqs_binding.query_compatible = true;
  sqs_binding.path_member = "QueueUrl";
  dispatcher.Register(sqs_binding);
  protocol::ServiceBinding kinesis_binding;
  kinesis_binding.model = &model::KinesisModel();
  kinesis_binding.service = &kinesis_service;
  kinesis_binding.scope_name = "kinesis";
  kinesis_binding.json_protocol = protocol::WireProtocol::kJson11;
  kinesis_binding.query = false;
  kinesis_binding.style = protocol::ValidationStyle::kValidation;
  kinesis_binding.event_encoder = [](protocol::WireProtocol p) {
    namespace es = protocol::eventstream;
    es::PayloadFormat format = p == protocol::WireProtocol::kCbor11 ? es::PayloadFormat::kCbor
                                                                     : es::PayloadFormat::kJson;
    EventEncoder e;
    e.initial_response = [format] { return es::KinesisInitialResponse(format); };
    e.event = [format](const Value& event) { return es::KinesisSubscribeToShardEvent(event, format); };
    e.exception = [format](const Error& error) { return es::KinesisException(error, format); };
    return e;
  };
  dispatcher.Register(kinesis_binding);

  auto health = [&]() {
    HttpResponse r;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = std::string("{\"status\":\"ok\",\"version\":\"") + SLUICE_VERSION +
             "\",\"services\":{\"sqs\":\"" + sqs_service.HealthState() +
             "\",\"kinesis\":\"" + kinesis_service.HealthState() +
             "\"},\"storage\":\"" + config.storage + "\",\"durability\":\"" + config.durability +
             "\",\"auth\":\"" + (mode == auth::AuthMode::kStrict ? "strict" : "open") + "\"}";
    return r;
  };

  // Requests without a Host header (HTTP/1.0) get URLs for the bound address.
  std::atomic<uint16_t> bound_port{config.port};
  http::ServerOptions http_options;
  http_options.host = config.host;
  http_options.port = config.port;
  http_options.threads = threads;
  http_options.context = &io.context();
  http_options.tls = *tls;
  http::Server server(
      http_options,
      [&](HttpRequest req, http::Responder respond) {
        if (req.method == "GET" && req.Path() == "/health") return respond(health());
        if (req.Header("Host").empty()) {
          req.headers.emplace_back("Host", config.host + ":" + std::to_string(bound_port.load()));
        }
        dispatcher.Handle(req, std::move(respond));
      },
      [&](int status, const std::string& code, const std::string& message) {
        return dispatcher.RenderTransportError(status, code, message);
      });
  Status st = server.Start();
  if (!st.ok()) return Fail(st.error().message);
  bound_port = server.port();
  auto ready_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started).count();
  spdlog::info("sluice {} listening on http://{}:{}{} (data {}, storage {}, durability {}, auth {}, ready in {} ms)",
               SLUICE_VERSION, config.host, server.port(),
               config.tls() ? " and https://" + config.host + ":" + std::to_string(server.port()) : "",
               config.data_dir, config.storage, config.durability,
               mode == auth::AuthMode::kStrict ? "strict" : "open", ready_ms);
  // A line tests and scripts can wait for.
  std::printf("sluice: listening on %s:%u\n", config.host.c_str(), server.port());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  sqs_service.Shutdown();   // long polls answer now, empty
  kinesis_service.Shutdown();  // no more periodic trims
  server.Stop(std::chrono::seconds(25));
  kv->Close();       // completes pending writes; their completions run on `io`
  executor.Stop();
  io.Stop();
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace
}  // namespace sluice::server

int main(int argc, char** argv) {
  using namespace sluice::server;
  auto parsed = ParseArgs(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "sluice: %s\nRun 'sluice --help' for the flags.\n", parsed.error().message.c_str());
    return 2;
  }
  switch (parsed->command) {
    case Command::kHelp:
    case Command::kVersion:
      std::fputs(parsed->output.c_str(), parsed->exit_code ? stderr : stdout);
      return parsed->exit_code;
    case Command::kExit:
      return parsed->exit_code;
    case Command::kServe:
      return Serve(parsed->config);
  }
  return 0;
}
