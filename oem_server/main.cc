// oem_server: one device vendor's (OEM's) server, run once per vendor.
// Flags, wiring, start, wait for SIGINT/SIGTERM, clean shutdown. No logic.
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "common/host_port.h"
#include "sim/flags.h"
#include "sim/sim.h"
#include "runtime/tls.h"
#include "grpcpp/grpcpp.h"
#include "oem_server/attestation_ca.h"
#include "oem_server/grpc_authority_client.h"
#include "oem_server/oem_grpc.h"
#include "oem_server/oem_service.h"
#include "oem_server/sqlite_device_registry.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"

ABSL_FLAG(std::string, oem_id, "", "This OEM's id, e.g. oem-a (required).");
ABSL_FLAG(sct::HostPort, listen, (sct::HostPort{"127.0.0.1", 0}),
          "gRPC listen address HOST:PORT; port 0 picks a free port.");
ABSL_FLAG(std::string, db_path, "", "SQLite device registry file (required).");
ABSL_FLAG(std::string, attestation_ca_key, "",
          "PEM private key of the attestation root (created if missing).");
ABSL_FLAG(std::string, attestation_ca_cert, "",
          "PEM certificate of the attestation root (created if missing).");
ABSL_FLAG(std::string, ca_target, "",
          "Credential authority gRPC address HOST:PORT (required).");
ABSL_FLAG(std::string, ca_tls_cert, "",
          "PEM client certificate presented to the authority (CN = oem_id).");
ABSL_FLAG(std::string, ca_tls_key, "", "PEM key for --ca_tls_cert.");
ABSL_FLAG(std::string, ca_tls_root, "",
          "PEM roots the authority's server certificate must chain to.");
ABSL_FLAG(std::string, ca_tls_server_name, "",
          "Expected name in the authority's certificate (default: host of "
          "--ca_target).");
ABSL_FLAG(absl::Duration, ca_timeout, absl::Seconds(10),
          "Deadline of each call to the authority.");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate (required).");
ABSL_FLAG(std::string, tls_key, "", "PEM key for --tls_cert (required).");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle for client certificates (relay, devices); a "
          "presented certificate must chain to it (required).");
ABSL_FLAG(bool, tls_require_client_cert, false,
          "Refuse clients without a certificate (devices then need one too).");
ABSL_FLAG(std::string, relay_cn, "",
          "TLS client-certificate CN allowed to call Notify (required).");
ABSL_FLAG(bool, insecure, false,
          "Development only: plaintext gRPC both ways; Notify open to anyone "
          "when --relay_cn is empty.");
ABSL_FLAG(absl::Duration, challenge_ttl, absl::Minutes(5),
          "Lifetime of enrolment/attestation nonces.");
ABSL_FLAG(absl::Duration, push_token_ttl, absl::Hours(24 * 7),
          "Lifetime of a minted push token.");
ABSL_FLAG(int, push_queue_limit, 64,
          "Notifications kept per device (offline queue and resume window).");

namespace {

int Fail(const absl::Status& status) {
  std::cerr << "oem_server: " << status << "\n";
  return 1;
}

absl::Status Required(absl::string_view flag, const std::string& value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " is required"));
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  sct::BlockTerminationSignals();
  absl::SetProgramUsageMessage(
      "SCT Lab OEM server: device enrolment, key attestation, authority "
      "bridge, push. See docs/oem_server.md.");
  absl::ParseCommandLine(argc, argv);

  const bool insecure = absl::GetFlag(FLAGS_insecure);
  sct::oem::OemServiceOptions options;
  options.oem_id = absl::GetFlag(FLAGS_oem_id);
  options.relay_cn = absl::GetFlag(FLAGS_relay_cn);
  options.challenge_ttl = absl::GetFlag(FLAGS_challenge_ttl);
  options.push_token_ttl = absl::GetFlag(FLAGS_push_token_ttl);
  options.push_queue_limit = absl::GetFlag(FLAGS_push_queue_limit);

  for (auto [flag, value] :
       {std::pair<const char*, std::string>{"oem_id", options.oem_id},
        {"db_path", absl::GetFlag(FLAGS_db_path)},
        {"attestation_ca_key", absl::GetFlag(FLAGS_attestation_ca_key)},
        {"attestation_ca_cert", absl::GetFlag(FLAGS_attestation_ca_cert)},
        {"ca_target", absl::GetFlag(FLAGS_ca_target)}}) {
    if (absl::Status s = Required(flag, value); !s.ok()) return Fail(s);
  }
  if (!insecure) {
    for (auto [flag, value] :
         {std::pair<const char*, std::string>{"tls_cert",
                                              absl::GetFlag(FLAGS_tls_cert)},
          {"tls_key", absl::GetFlag(FLAGS_tls_key)},
          {"tls_client_ca", absl::GetFlag(FLAGS_tls_client_ca)},
          {"relay_cn", options.relay_cn},
          {"ca_tls_cert", absl::GetFlag(FLAGS_ca_tls_cert)},
          {"ca_tls_key", absl::GetFlag(FLAGS_ca_tls_key)},
          {"ca_tls_root", absl::GetFlag(FLAGS_ca_tls_root)}}) {
      if (absl::Status s = Required(flag, value); !s.ok()) return Fail(s);
    }
  }
  if (options.push_queue_limit < 1) {
    return Fail(absl::InvalidArgumentError("--push_queue_limit must be >= 1"));
  }
  if (absl::StatusOr<sct::HostPort> t =
          sct::ParseHostPort(absl::GetFlag(FLAGS_ca_target), "--ca_target");
      !t.ok()) {
    return Fail(t.status());
  }

  // --sim_control: SimClock, trace, Audit/SimControl (docs/sim.md); else null.
  std::unique_ptr<sct::sim::SimState> sim_state = sct::sim::StateFromFlags(options.oem_id);
  sct::Clock& clock = sct::sim::ClockOr(sim_state.get());
  auto ca = sct::oem::AttestationCa::LoadOrCreate(
      options.oem_id, absl::GetFlag(FLAGS_attestation_ca_key),
      absl::GetFlag(FLAGS_attestation_ca_cert), clock.Now());
  if (!ca.ok()) return Fail(ca.status());
  auto registry =
      sct::oem::SqliteDeviceRegistry::Open(absl::GetFlag(FLAGS_db_path));
  if (!registry.ok()) return Fail(registry.status());

  // Outbound: mutual TLS to the authority, as this OEM.
  std::shared_ptr<grpc::ChannelCredentials> ca_creds =
      grpc::InsecureChannelCredentials();
  grpc::ChannelArguments channel_args;
  if (!insecure) {
    auto creds = sct::LoadClientCredentials({absl::GetFlag(FLAGS_ca_tls_root),
                                             absl::GetFlag(FLAGS_ca_tls_cert),
                                             absl::GetFlag(FLAGS_ca_tls_key)});
    if (!creds.ok()) return Fail(creds.status());
    ca_creds = *creds;
    if (!absl::GetFlag(FLAGS_ca_tls_server_name).empty()) {
      channel_args.SetSslTargetNameOverride(
          absl::GetFlag(FLAGS_ca_tls_server_name));
    }
  }
  auto channel = sct::sim::Channel(absl::GetFlag(FLAGS_ca_target), ca_creds,
                                   "ca", sim_state.get(), channel_args);
  auto stub = credential_authority::v1::CredentialAuthority::NewStub(channel);
  sct::oem::GrpcAuthorityClient authority(stub.get(),
                                          absl::GetFlag(FLAGS_ca_timeout));

  sct::oem::OemService service(options, clock, registry->get(), &*ca,
                               &authority);
  sct::oem::OemGrpcService grpc_service(&service);

  sct::GrpcServerOptions server_options;
  server_options.address = absl::GetFlag(FLAGS_listen).ToString();
  server_options.services = {&grpc_service};
  if (!insecure) {
    auto creds = sct::LoadServerCredentials(
        {absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key),
         absl::GetFlag(FLAGS_tls_client_ca),
         absl::GetFlag(FLAGS_tls_require_client_cert)});
    if (!creds.ok()) return Fail(creds.status());
    server_options.credentials = *creds;
  } else {
    std::cerr << "oem_server: WARNING --insecure: plaintext gRPC"
              << (options.relay_cn.empty() ? ", Notify open to anyone" : "")
              << "\n";
  }
  // With TLS the OEM verifies client certificates: only the admin
  // certificate may use the simulation controls; --insecure: loopback only.
  auto sim_hooks = sct::sim::ServerHooks::Attach(
      sim_state.get(), sct::sim::AdminAuth{!insecure, "admin"}, &server_options);
  if (!sim_hooks.ok()) return Fail(sim_hooks.status());
  auto server = sct::GrpcServer::Start(server_options);
  if (!server.ok()) return Fail(server.status());

  std::cerr << "oem_server: " << options.oem_id << " serving; authority at "
            << absl::GetFlag(FLAGS_ca_target) << "; registry "
            << absl::GetFlag(FLAGS_db_path) << "\n";
  sct::PrintListeningLine({{"grpc", (*server)->address()}});

  int sig = sct::WaitForTerminationSignal();
  std::cerr << "oem_server: signal " << sig << ", shutting down\n";
  service.Shutdown();  // ends notification streams first
  (*server)->Shutdown(absl::Seconds(2));
  (*server)->Wait();
  std::cerr << "oem_server: stopped\n";
  return 0;
}
