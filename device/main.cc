// device_agent: one simulated device as a process (docs/device.md).
//
//   bazel run //device:device_agent -- --oem_id=oem-a --oem_target=127.0.0.1:7001
//       --relay_grpc_target=127.0.0.1:7002 --channel_target=127.0.0.1:7003
//       --state_file=/tmp/alice.state --address=+15550001 --listen=127.0.0.1:0
//
// Prints `listening grpc=HOST:PORT` once serving; SIGTERM/SIGINT shut down
// cleanly (push stream cancelled, poller stopped, server drained).
#include <atomic>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/errors.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "sim/flags.h"
#include "sim/sim.h"
#include "runtime/tls.h"
#include "device/device_agent.h"
#include "device/device_grpc.h"
#include "device/secure_element.h"

ABSL_FLAG(std::string, device_id, "", "Local name of this device for logs (the OEM assigns the real id).");
ABSL_FLAG(std::string, oem_id, "", "OEM this device belongs to, e.g. oem-a (required).");
ABSL_FLAG(std::string, oem_target, "", "OEM server gRPC address HOST:PORT (required).");
ABSL_FLAG(std::string, relay_grpc_target, "", "Relay gRPC address HOST:PORT (required).");
ABSL_FLAG(std::string, relay_http_url, "", "Not supported yet: the device speaks gRPC to the relay.");
ABSL_FLAG(std::string, channel_target, "", "Channel server gRPC address HOST:PORT.");
ABSL_FLAG(std::string, state_file, "", "Secure-element state file (0600; holds private keys). Empty: memory only.");
ABSL_FLAG(std::string, listen, "127.0.0.1:0", "Control API listen address (port 0 picks one).");
ABSL_FLAG(std::string, address, "", "This device's channel address, e.g. +15550001 or alice@example.");
ABSL_FLAG(std::string, model, "sim-phone", "Model string sent at enrolment.");
ABSL_FLAG(std::string, tls_ca, "", "PEM roots for outbound TLS (OEM, relay, channel, access points). Empty: plaintext.");
ABSL_FLAG(std::string, tls_client_cert, "", "PEM client certificate for mutual TLS to the OEM (and others).");
ABSL_FLAG(std::string, tls_client_key, "", "PEM key of --tls_client_cert.");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate for the control API. Empty: plaintext.");
ABSL_FLAG(std::string, tls_key, "", "PEM key of --tls_cert.");
ABSL_FLAG(bool, enrol_at_start, true, "Enrol with the OEM at start-up (retried by the Enrol RPC if it fails).");
ABSL_FLAG(absl::Duration, poll_initial, absl::Seconds(2), "First polling interval when no push arrives.");
ABSL_FLAG(bool, no_push, false,
          "Do not subscribe to the OEM's push notifications: the device learns of replies and "
          "shares only by polling (push-lost scenarios).");
ABSL_FLAG(absl::Duration, poll_max, absl::Seconds(60), "Polling interval cap (exponential backoff).");

namespace {

int Fail(const absl::Status& status) {
  std::cerr << "device_agent: " << status.message() << " (" << sct::ReasonOf(status) << ")\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  sct::BlockTerminationSignals();
  absl::ParseCommandLine(argc, argv);
  const std::string name = absl::GetFlag(FLAGS_device_id);
  if (absl::GetFlag(FLAGS_oem_id).empty()) return Fail(sct::InvalidField("--oem_id", "required"));
  if (absl::GetFlag(FLAGS_oem_target).empty()) {
    return Fail(sct::InvalidField("--oem_target", "required"));
  }
  if (absl::GetFlag(FLAGS_relay_grpc_target).empty()) {
    return Fail(sct::InvalidField("--relay_grpc_target",
                                  absl::GetFlag(FLAGS_relay_http_url).empty()
                                      ? "required"
                                      : "required (--relay_http_url is not supported yet)"));
  }
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (!absl::GetFlag(FLAGS_tls_ca).empty() || !absl::GetFlag(FLAGS_tls_client_cert).empty()) {
    auto loaded = sct::LoadClientCredentials({absl::GetFlag(FLAGS_tls_ca),
                                              absl::GetFlag(FLAGS_tls_client_cert),
                                              absl::GetFlag(FLAGS_tls_client_key)});
    if (!loaded.ok()) return Fail(loaded.status());
    creds = *loaded;
  }
  std::shared_ptr<grpc::ServerCredentials> server_creds;
  if (!absl::GetFlag(FLAGS_tls_cert).empty()) {
    auto loaded = sct::LoadServerCredentials(
        {absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key), "", false});
    if (!loaded.ok()) return Fail(loaded.status());
    server_creds = *loaded;
  }

  auto se = sct::device::SecureElement::Open(absl::GetFlag(FLAGS_state_file));
  if (!se.ok()) return Fail(se.status());
  // --sim_control: SimClock, trace, Audit/SimControl (docs/sim.md); else null.
  std::unique_ptr<sct::sim::SimState> sim_state =
      sct::sim::StateFromFlags(name.empty() ? "device" : name);
  sct::sim::SimState* sim = sim_state.get();
  auto oem = ::oem::v1::Oem::NewStub(sct::sim::Channel(absl::GetFlag(FLAGS_oem_target), creds,
                                                       absl::GetFlag(FLAGS_oem_id), sim));
  auto relay = ::relay::v1::Relay::NewStub(
      sct::sim::Channel(absl::GetFlag(FLAGS_relay_grpc_target), creds, "relay", sim));
  std::unique_ptr<::channel::v1::Channel::Stub> channel;
  if (!absl::GetFlag(FLAGS_channel_target).empty()) {
    channel = ::channel::v1::Channel::NewStub(
        sct::sim::Channel(absl::GetFlag(FLAGS_channel_target), creds, "channel", sim));
  }
  sct::device::DeviceAgentOptions options;
  options.oem_id = absl::GetFlag(FLAGS_oem_id);
  options.model = absl::GetFlag(FLAGS_model);
  options.address = absl::GetFlag(FLAGS_address);
  options.poll_initial = absl::GetFlag(FLAGS_poll_initial);
  options.poll_max = absl::GetFlag(FLAGS_poll_max);
  sct::device::DeviceAgentDeps deps;
  deps.clock = &sct::sim::ClockOr(sim);
  deps.secure_element = se->get();
  deps.oem = oem.get();
  deps.relay = relay.get();
  deps.channel = channel.get();
  deps.access_point_factory = [creds, sim](const std::string& address) {
    return std::unique_ptr<::access_point::v1::AccessPoint::StubInterface>(
        ::access_point::v1::AccessPoint::NewStub(sct::sim::Channel(address, creds, address, sim)));
  };
  if (sim != nullptr) {
    deps.observe_plaintext = [sim](absl::string_view plaintext) {
      sim->recorder().Observe(::common::v1::PLAINTEXT, plaintext, "device");
    };
  }
  auto agent = sct::device::DeviceAgent::Create(options, deps);
  if (!agent.ok()) return Fail(agent.status());

  if (absl::GetFlag(FLAGS_enrol_at_start)) {
    auto enrolled = (*agent)->Enrol({});
    if (!enrolled.ok()) {
      std::cerr << "device_agent: enrolment failed (" << sct::ReasonOf(enrolled.status())
                << "); call Enrol to retry\n";
    }
  }

  sct::device::DeviceAgentGrpcService service(agent->get());
  sct::GrpcServerOptions server_options;
  server_options.address = absl::GetFlag(FLAGS_listen);
  server_options.credentials = server_creds;
  server_options.services = {&service};
  // The control API verifies no client certificates: simulation controls for
  // loopback callers only.
  auto sim_hooks = sct::sim::ServerHooks::Attach(sim, {}, &server_options);
  if (!sim_hooks.ok()) return Fail(sim_hooks.status());
  auto server = sct::GrpcServer::Start(server_options);
  if (!server.ok()) return Fail(server.status());

  std::atomic<bool> stopping{false};
  std::mutex push_mu;
  grpc::ClientContext* push_ctx = nullptr;
  const bool no_push = absl::GetFlag(FLAGS_no_push);
  std::thread push_thread([&] {
    absl::Duration backoff = absl::Seconds(1);
    while (!stopping && !no_push) {
      grpc::ClientContext ctx;
      {
        std::lock_guard<std::mutex> lock(push_mu);
        if (stopping) break;
        push_ctx = &ctx;
      }
      absl::Status st = (*agent)->RunPushStream(&ctx);
      {
        std::lock_guard<std::mutex> lock(push_mu);
        push_ctx = nullptr;
      }
      if (stopping) break;
      if (sct::ReasonOf(st) != "not_enrolled") {
        std::cerr << "device_agent: push stream ended (" << sct::ReasonOf(st)
                  << "); polling covers the gap\n";
      }
      for (absl::Duration waited; waited < backoff && !stopping; waited += absl::Milliseconds(100)) {
        absl::SleepFor(absl::Milliseconds(100));
      }
      backoff = std::min(backoff * 2, absl::Seconds(30));
    }
  });
  std::thread poll_thread([&] {
    while (!stopping) {
      (*agent)->Tick();
      absl::SleepFor(absl::Milliseconds(100));
    }
  });

  sct::PrintListeningLine({{"grpc", (*server)->address()}});
  std::cerr << "device_agent " << name << " (" << options.oem_id << ") serving on "
            << (*server)->address() << "\n";
  int sig = sct::WaitForTerminationSignal();
  std::cerr << "device_agent: signal " << sig << ", shutting down\n";
  stopping = true;
  {
    std::lock_guard<std::mutex> lock(push_mu);
    if (push_ctx != nullptr) push_ctx->TryCancel();
  }
  (*server)->Shutdown(absl::Seconds(2));
  push_thread.join();
  poll_thread.join();
  return 0;
}
