#include "device/device_process.h"

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "device/device_grpc.h"
#include "device/http_relay_client.h"
#include "runtime/tls.h"

namespace sct::device {

// The push stream and the poller, each on its own thread.
class DeviceProcess::Loops {
 public:
  Loops(DeviceAgent* agent, bool push) : agent_(agent) {
    if (push) push_thread_ = std::thread([this] { PushLoop(); });
    poll_thread_ = std::thread([this] { PollLoop(); });
  }
  ~Loops() {
    RequestStop();
    Join();
  }

  // Makes both loops end soon and cancels the running push stream.
  void RequestStop() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;  // under mu_: wakes SleepUnlessStopping at once
    if (push_context_ != nullptr) push_context_->TryCancel();
  }
  void Join() {
    if (push_thread_.joinable()) push_thread_.join();
    if (poll_thread_.joinable()) poll_thread_.join();
  }

 private:
  // Runs the push stream; after it ends, waits (1 s, doubling up to 30 s)
  // and subscribes again. Polling covers the gaps.
  void PushLoop() {
    absl::Duration backoff = absl::Seconds(1);
    while (!stopping_) {
      grpc::ClientContext context;
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) break;
        push_context_ = &context;
      }
      absl::Status st = agent_->RunPushStream(&context);
      {
        absl::MutexLock lock(&mu_);
        push_context_ = nullptr;
      }
      if (stopping_) break;
      if (ReasonOf(st) != "not_enrolled") {
        std::cerr << "device_agent: push stream ended (" << ReasonOf(st)
                  << "); polling covers the gap\n";
      }
      SleepUnlessStopping(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(30));
    }
  }

  void PollLoop() {
    while (!stopping_) {
      agent_->Tick();
      SleepUnlessStopping(absl::Milliseconds(100));
    }
  }

  // Waits `duration`, or less: RequestStop ends the wait at once (a device
  // asked to stop used to finish its 100 ms sleep step first, which was most
  // of a scenario's stop phase).
  void SleepUnlessStopping(absl::Duration duration) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&StopRequested, &stopping_), duration);
  }
  static bool StopRequested(std::atomic<bool>* stopping) { return stopping->load(); }

  DeviceAgent* const agent_;
  std::atomic<bool> stopping_{false};
  absl::Mutex mu_;
  grpc::ClientContext* push_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread push_thread_;
  std::thread poll_thread_;
};

namespace {

absl::Status CheckVendorlessConfig(const DeviceConfig& config) {
  if (!config.oem_target.empty()) {
    return InvalidField("--oem_target",
                        "a vendorless device (--vendorless_authority_target) has no OEM server");
  }
  if (config.vendorless_attestation_key.empty()) {
    return InvalidField("--vendorless_attestation_key", "required with --vendorless_authority_target");
  }
  if (config.vendorless_attestation_cert.empty()) {
    return InvalidField("--vendorless_attestation_cert",
                        "required with --vendorless_authority_target");
  }
  if (config.tls_client_cert.empty()) {
    return InvalidField("--tls_client_cert",
                        "required with --vendorless_authority_target (the authority knows the "
                        "device by its certificate)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckConfig(const DeviceConfig& config) {
  if (config.oem_id.empty()) return InvalidField("--oem_id", "required");
  if (!config.vendorless_authority_target.empty()) {
    RETURN_IF_ERROR(CheckVendorlessConfig(config));
  } else if (config.oem_target.empty()) {
    return InvalidField("--oem_target", "required");
  }
  if (config.wallet_retention <= absl::ZeroDuration()) {
    return InvalidField("--wallet_retention", "must be positive");
  }
  if (config.relay_grpc_target.empty() == config.relay_http_url.empty()) {
    return InvalidField("--relay_grpc_target",
                        config.relay_http_url.empty()
                            ? "required, or --relay_http_url"
                            : "give --relay_grpc_target or --relay_http_url, not both");
  }
  if (!config.relay_ca_file.empty() && config.relay_http_url.empty() &&
      config.derived_relay_url.empty()) {
    return InvalidField("--relay_ca_file", "needs --relay_http_url");
  }
  if (!config.ohttp_relay_url.empty() && config.relay_http_url.empty()) {
    return InvalidField("--ohttp_relay_url", "needs --relay_http_url");
  }
  if (config.tls_cert.empty() && !config.tls_client_ca.empty()) {
    return InvalidField("--tls_client_ca", "needs --tls_cert");
  }
  return absl::OkStatus();
}

DeviceAgentOptions AgentOptionsFrom(const DeviceConfig& config) {
  DeviceAgentOptions options;
  options.oem_id = config.oem_id;
  options.model = config.model;
  options.address = config.address;
  options.poll_initial = config.poll_initial;
  options.poll_max = config.poll_max;
  options.wallet_retention = config.wallet_retention;
  options.pin_in_key = config.pin_in_key;
  options.relay_attestation = config.relay_attestation;
  options.push_tokens = config.vendorless_authority_target.empty();
  return options;
}

DeviceProcess::DeviceProcess() = default;

DeviceProcess::~DeviceProcess() { Shutdown(); }

absl::StatusOr<std::unique_ptr<DeviceProcess>> DeviceProcess::Start(
    const DeviceConfig& config, std::unique_ptr<sim::SimState> sim) {
  RETURN_IF_ERROR(CheckConfig(config));
  std::shared_ptr<grpc::ChannelCredentials> client_credentials = grpc::InsecureChannelCredentials();
  if (!config.tls_ca.empty() || !config.tls_client_cert.empty()) {
    ASSIGN_OR_RETURN(
        client_credentials,
        LoadClientCredentials({config.tls_ca, config.tls_client_cert, config.tls_client_key}));
  }
  std::shared_ptr<grpc::ServerCredentials> server_credentials;
  if (!config.tls_cert.empty()) {
    ASSIGN_OR_RETURN(server_credentials, LoadServerCredentials({config.tls_cert, config.tls_key,
                                                                config.tls_client_ca, false}));
  }
  std::unique_ptr<DeviceProcess> process(new DeviceProcess());
  process->sim_ = std::move(sim);
  RETURN_IF_ERROR(process->BuildAgent(config, std::move(client_credentials)));
  if (config.enrol_at_start) {
    absl::StatusOr<::device::v1::EnrolResponse> enrolled = process->agent_->Enrol({});
    if (!enrolled.ok()) {
      std::cerr << "device_agent: enrolment failed (" << ReasonOf(enrolled.status())
                << "); call Enrol to retry\n";
    }
  }
  RETURN_IF_ERROR(process->StartServer(config, std::move(server_credentials)));
  const bool push = config.push && config.vendorless_authority_target.empty();
  process->loops_ = std::make_unique<Loops>(process->agent_.get(), push);
  return process;
}

absl::StatusOr<::oem::v1::Oem::StubInterface*> DeviceProcess::BuildVendor(
    const DeviceConfig& config, std::shared_ptr<grpc::ChannelCredentials> credentials) {
  sim::SimState* sim = sim_.get();
  if (config.vendorless_authority_target.empty()) {
    oem_ =
        ::oem::v1::Oem::NewStub(sim::Channel(config.oem_target, credentials, config.oem_id, sim));
    return oem_.get();
  }
  ASSIGN_OR_RETURN(
      in_process_oem_,
      InProcessOem::Start(sim::Channel(config.vendorless_authority_target, credentials, "ca", sim),
                          config.oem_id, config.vendorless_attestation_key,
                          config.vendorless_attestation_cert, &sim::ClockOr(sim),
                          AgentOptionsFrom(config).rpc_timeout));
  return in_process_oem_->stub();
}

absl::Status DeviceProcess::BuildAgent(const DeviceConfig& config,
                                       std::shared_ptr<grpc::ChannelCredentials> credentials) {
  ASSIGN_OR_RETURN(secure_element_, SecureElement::Open(config.state_file));
  sim::SimState* sim = sim_.get();
  DeviceAgentDeps deps;
  ASSIGN_OR_RETURN(deps.oem, BuildVendor(config, credentials));
  if (config.relay_http_url.empty()) {
    relay_ = ::relay::v1::Relay::NewStub(
        sim::Channel(config.relay_grpc_target, credentials, "relay", sim));
    deps.relay = relay_.get();
    deps.relay_target = config.relay_grpc_target;
  } else {
    HttpRelayClientOptions http;
    http.base_url = config.relay_http_url;
    http.ca_file = config.relay_ca_file.empty() ? config.tls_ca : config.relay_ca_file;
    http.timeout = AgentOptionsFrom(config).rpc_timeout;
    http.sim = sim;
    http.ohttp_relay_url = config.ohttp_relay_url;
    http.ohttp_keys_file = config.ohttp_keys_file;
    ASSIGN_OR_RETURN(relay_client_, HttpRelayClient::Create(std::move(http)));
    deps.relay_client = relay_client_.get();
  }
  if (!config.derived_relay_url.empty()) {
    HttpDerivedRelayClientOptions derived;
    derived.base_url = config.derived_relay_url;
    derived.ca_file = config.relay_ca_file.empty() ? config.tls_ca : config.relay_ca_file;
    derived.timeout = AgentOptionsFrom(config).rpc_timeout;
    if (sim != nullptr) derived.actor = sim->actor_id();
    ASSIGN_OR_RETURN(derived_relay_, HttpDerivedRelayClient::Create(std::move(derived)));
    deps.derived_relay = derived_relay_.get();
    deps.derived_relay_url = config.derived_relay_url;
  }
  if (!config.channel_target.empty()) {
    channel_ = ::channel::v1::Channel::NewStub(
        sim::Channel(config.channel_target, credentials, "channel", sim));
  }
  deps.clock = &sim::ClockOr(sim);
  deps.secure_element = secure_element_.get();
  deps.channel = channel_.get();
  // One kept channel per access point: a use after the first rides the
  // connection already made instead of a new TCP and TLS handshake.
  access_points_ = std::make_unique<ChannelCache>([credentials, sim](const std::string& address) {
    return sim::Channel(address, credentials, address, sim);
  });
  deps.access_point_factory = [cache = access_points_.get()](const std::string& address) {
    return std::unique_ptr<::access_point::v1::AccessPoint::StubInterface>(
        ::access_point::v1::AccessPoint::NewStub(cache->Get(address)));
  };
  if (sim != nullptr) {
    deps.observe_plaintext = [sim](absl::string_view plaintext) {
      sim->recorder().Observe(::common::v1::PLAINTEXT, plaintext, "device");
    };
  }
  ASSIGN_OR_RETURN(agent_, DeviceAgent::Create(AgentOptionsFrom(config), std::move(deps)));
  return absl::OkStatus();
}

absl::Status DeviceProcess::StartServer(const DeviceConfig& config,
                                        std::shared_ptr<grpc::ServerCredentials> credentials) {
  service_ = std::make_unique<DeviceAgentGrpcService>(agent_.get());
  GrpcServerOptions options;
  options.address = config.listen;
  options.credentials = std::move(credentials);
  options.services = {service_.get()};
  // With TLS only the admin certificate may use the simulation controls;
  // plaintext: loopback callers only.
  sim::AdminAuth admin_auth;
  admin_auth.client_certs = options.credentials != nullptr;
  ASSIGN_OR_RETURN(sim_hooks_, sim::ServerHooks::Attach(sim_.get(), admin_auth, &options));
  ASSIGN_OR_RETURN(server_, GrpcServer::Start(options));
  return absl::OkStatus();
}

std::string DeviceProcess::address() const { return server_->address(); }

void DeviceProcess::Shutdown() {
  if (loops_ != nullptr) loops_->RequestStop();
  if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
  if (loops_ != nullptr) loops_->Join();
}

}  // namespace sct::device
