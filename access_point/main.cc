// access_point: a car, door or hotel lock as a gRPC service
// (access_point.v1.AccessPoint). Flags, wiring, start, wait for SIGINT or
// SIGTERM, shut down cleanly. No logic lives here. See docs/access_point.md.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "access_point/ap_grpc.h"
#include "access_point/key_grant_sync.h"
#include "access_point/revocation_list.h"
#include "access_point/revocation_sync.h"
#include "access_point/verifier.h"
#include "common/clock.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "common/host_port.h"
#include "sim/flags.h"
#include "sim/sim.h"
#include "common/status_mapping.h"
#include "runtime/files.h"
#include "runtime/tls.h"
#include "crypto/ecdsa.h"
#include "crypto/pem.h"
#include "crypto/x509.h"
#include "grpcpp/grpcpp.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"

ABSL_FLAG(sct::HostPort, listen, (sct::HostPort{"127.0.0.1", 0}),
          "HOST:PORT to listen on (port 0 picks one and prints "
          "'listening grpc=HOST:PORT')");
ABSL_FLAG(std::string, ap_id, "",
          "this access point's id, e.g. car-1 (required)");
ABSL_FLAG(std::string, kind, "car", "car, door or hotel_lock");
ABSL_FLAG(
    std::vector<std::string>, actions, {},
    "supported actions (default by kind: car unlock,lock,drive,open_trunk; "
    "door enter,unlock,lock; hotel_lock enter)");
ABSL_FLAG(std::string, ca_target, "",
          "HOST:PORT of the credential authority (required)");
ABSL_FLAG(
    std::string, ca_trust_anchor, "",
    "PEM file: the authority's root CERTIFICATE(s) (credential chains and, "
    "unless a PUBLIC KEY block is also present, the revocation-list key), "
    "or only its PUBLIC KEY (then the root is fetched with "
    "GetAuthorityInfo over the authenticated channel and must be over "
    "that key) (required)");
ABSL_FLAG(std::string, authority_id, "ca",
          "authority id revocation lists must name (empty: any)");
ABSL_FLAG(std::string, ca_tls_ca, "",
          "PEM roots the authority's TLS certificate must chain to (empty: "
          "plaintext to the authority, development only)");
ABSL_FLAG(std::string, ca_tls_cert, "",
          "this access point's TLS client certificate for the authority (CN = "
          "--ap_id)");
ABSL_FLAG(std::string, ca_tls_key, "", "private key for --ca_tls_cert");
ABSL_FLAG(std::string, tls_cert, "",
          "server certificate chain (PEM); empty: plaintext");
ABSL_FLAG(std::string, tls_key, "", "server private key (PEM)");
ABSL_FLAG(
    std::string, tls_client_ca, "",
    "PEM CA that device client certificates must chain to (requires them)");
ABSL_FLAG(std::string, ap_key, "",
          "PEM P-256 private key registered with the authority; symmetric "
          "credential keys are sealed to it (empty: no symmetric credentials)");
ABSL_FLAG(std::string, revocation_mode, "watch", "watch or poll");
ABSL_FLAG(absl::Duration, poll_interval, absl::Seconds(1),
          "poll period (poll), heartbeat interval asked for (watch), and "
          "key-grant pull period");
ABSL_FLAG(absl::Duration, challenge_ttl, absl::Seconds(30),
          "lifetime of a nonce");
ABSL_FLAG(
    int64_t, max_outstanding_challenges, 100000,
    "bound on live nonces (GetChallenge answers RESOURCE_EXHAUSTED beyond)");
ABSL_FLAG(bool, revocation_fail_closed, false,
          "deny (DENIED_REVOCATION_STALE) while the list is absent or past "
          "next_update");

namespace sct::access_point {
namespace {

namespace cav1 = ::credential_authority::v1;

[[noreturn]] void Fail(int code, const std::string& message) {
  std::cerr << "access_point: " << message << std::endl;
  std::exit(code);
}

std::string ReadFileOrDie(const std::string& path, const std::string& flag) {
  absl::StatusOr<std::string> data = ReadWholeFile(path);
  if (!data.ok()) Fail(2, absl::StrCat(flag, ": ", data.status().message()));
  return *std::move(data);
}

int Main(int argc, char** argv) {
  BlockTerminationSignals();
  absl::SetProgramUsageMessage(
      "An SCT Lab access point (car, door, hotel lock). See "
      "docs/access_point.md.");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1)
    Fail(2, absl::StrCat("unexpected argument \"", rest[1], "\""));

  VerifierOptions vopts;
  vopts.access_point_id = absl::GetFlag(FLAGS_ap_id);
  if (vopts.access_point_id.empty()) Fail(2, "--ap_id: required");
  const std::string kind = absl::GetFlag(FLAGS_kind);
  if (kind == "car") {
    vopts.kind = ::common::v1::CAR;
  } else if (kind == "door") {
    vopts.kind = ::common::v1::DOOR;
  } else if (kind == "hotel_lock") {
    vopts.kind = ::common::v1::HOTEL_LOCK;
  } else {
    Fail(2, "--kind: must be car, door or hotel_lock");
  }
  vopts.supported_actions = absl::GetFlag(FLAGS_actions);
  vopts.challenge_ttl = absl::GetFlag(FLAGS_challenge_ttl);
  if (vopts.challenge_ttl <= absl::ZeroDuration())
    Fail(2, "--challenge_ttl: must be positive");
  if (absl::GetFlag(FLAGS_max_outstanding_challenges) <= 0) {
    Fail(2, "--max_outstanding_challenges: must be positive");
  }
  vopts.max_outstanding_challenges =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_outstanding_challenges));
  vopts.revocation_fail_closed = absl::GetFlag(FLAGS_revocation_fail_closed);
  const std::string mode = absl::GetFlag(FLAGS_revocation_mode);
  if (mode != "watch" && mode != "poll")
    Fail(2, "--revocation_mode: must be watch or poll");
  const absl::Duration interval = absl::GetFlag(FLAGS_poll_interval);
  if (interval <= absl::ZeroDuration())
    Fail(2, "--poll_interval: must be positive");
  const std::string ca_target = absl::GetFlag(FLAGS_ca_target);
  if (ca_target.empty()) Fail(2, "--ca_target: required");
  if (absl::Status s = ParseHostPort(ca_target, "--ca_target").status();
      !s.ok()) {
    Fail(2, std::string(s.message()));
  }
  if (absl::GetFlag(FLAGS_ca_trust_anchor).empty())
    Fail(2, "--ca_trust_anchor: required");
  const std::string anchor_pem =
      ReadFileOrDie(absl::GetFlag(FLAGS_ca_trust_anchor), "--ca_trust_anchor");

  // ---- channel to the authority ----
  std::shared_ptr<grpc::ChannelCredentials> ca_creds;
  if (absl::GetFlag(FLAGS_ca_tls_ca).empty()) {
    std::cerr
        << "access_point: WARNING plaintext connection to the authority\n";
    ca_creds = grpc::InsecureChannelCredentials();
  } else {
    auto c = LoadClientCredentials({absl::GetFlag(FLAGS_ca_tls_ca),
                                    absl::GetFlag(FLAGS_ca_tls_cert),
                                    absl::GetFlag(FLAGS_ca_tls_key)});
    if (!c.ok())
      Fail(2, absl::StrCat("authority TLS: ", c.status().ToString()));
    ca_creds = *c;
  }
  // --sim_control: SimClock, trace, Audit/SimControl (docs/sim.md); else null.
  std::unique_ptr<sim::SimState> sim_state =
      sim::StateFromFlags(vopts.access_point_id);
  std::shared_ptr<grpc::Channel> channel =
      sim::Channel(ca_target, ca_creds, "ca", sim_state.get());
  std::unique_ptr<cav1::CredentialAuthority::Stub> stub =
      cav1::CredentialAuthority::NewStub(channel);

  // ---- trust anchors ----
  std::vector<crypto::Certificate> anchors;
  absl::StatusOr<crypto::EcdsaP256PublicKey> pinned_key =
      crypto::P256PublicKeyFromPem(anchor_pem, "--ca_trust_anchor");
  if (anchor_pem.find("-----BEGIN CERTIFICATE-----") != std::string::npos) {
    auto certs = crypto::Certificate::ChainFromPem(anchor_pem);
    if (!certs.ok())
      Fail(2, absl::StrCat("--ca_trust_anchor: ", certs.status().ToString()));
    anchors = *std::move(certs);
  } else if (pinned_key.ok()) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    cav1::GetAuthorityInfoResponse info;
    grpc::Status s = stub->GetAuthorityInfo(&ctx, {}, &info);
    if (!s.ok()) {
      Fail(1, absl::StrCat("GetAuthorityInfo: ", FromGrpcStatus(s).ToString()));
    }
    auto root = crypto::Certificate::FromDer(info.root_certificate_der());
    if (!root.ok()) Fail(1, "authority root certificate does not parse");
    auto root_key = root->PublicKey();
    if (!root_key.ok() || *root_key != *pinned_key) {
      Fail(1,
           "authority root certificate is not over the pinned "
           "--ca_trust_anchor key");
    }
    anchors.push_back(*std::move(root));
  } else {
    Fail(2, "--ca_trust_anchor: no CERTIFICATE or PUBLIC KEY block");
  }
  absl::StatusOr<crypto::EcdsaP256PublicKey> list_key =
      pinned_key.ok() ? pinned_key : anchors.front().PublicKey();
  if (!list_key.ok()) Fail(2, "--ca_trust_anchor: key is not P-256");

  // ---- logic ----
  const Clock& clock = sim::ClockOr(sim_state.get());
  RevocationList revocations(absl::GetFlag(FLAGS_authority_id), *list_key,
                             clock);
  Verifier verifier(vopts, anchors, &revocations, clock);
  std::unique_ptr<KeyGrantSync> key_sync;
  if (!absl::GetFlag(FLAGS_ap_key).empty()) {
    auto scalar = crypto::P256PrivateScalarFromPem(
        ReadFileOrDie(absl::GetFlag(FLAGS_ap_key), "--ap_key"), "--ap_key");
    if (!scalar.ok()) Fail(2, scalar.status().ToString());
    key_sync = std::make_unique<KeyGrantSync>(stub.get(), vopts.access_point_id,
                                              *std::move(scalar), &verifier);
  }
  RevocationSyncOptions sopts;
  sopts.access_point_id = vopts.access_point_id;
  sopts.interval = interval;
  KeyGrantSync* key_sync_ptr = key_sync.get();
  if (key_sync_ptr != nullptr) {
    sopts.on_tick = [key_sync_ptr] {
      absl::Status s = key_sync_ptr->SyncNow();
      if (!s.ok())
        std::cerr << "access_point: key grant pull failed: " << s << "\n";
    };
  }
  std::unique_ptr<RevocationSync> sync;
  if (mode == "watch") {
    sync =
        std::make_unique<WatchRevocationSync>(stub.get(), &revocations, sopts);
  } else {
    sync = std::make_unique<PollingRevocationSync>(stub.get(), &revocations,
                                                   sopts);
  }
  if (absl::Status s = sync->SyncNow(); !s.ok()) {
    std::cerr << "access_point: initial revocation pull failed (will retry): "
              << s << "\n";
  }
  if (key_sync != nullptr) {
    if (absl::Status s = key_sync->SyncNow(); !s.ok()) {
      std::cerr << "access_point: initial key grant pull failed (will retry): "
                << s << "\n";
    }
  }

  // ---- server ----
  AccessPointGrpcService service(&verifier, &revocations, sync.get(),
                                 key_sync.get(),
                                 absl::GetFlag(FLAGS_authority_id), clock);
  GrpcServerOptions gopts;
  gopts.address = absl::GetFlag(FLAGS_listen).ToString();
  gopts.services = {&service};
  if (!absl::GetFlag(FLAGS_tls_cert).empty()) {
    TlsServerFiles files;
    files.cert_file = absl::GetFlag(FLAGS_tls_cert);
    files.key_file = absl::GetFlag(FLAGS_tls_key);
    files.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
    files.require_client_cert = !files.client_ca_file.empty();
    auto creds = LoadServerCredentials(files);
    if (!creds.ok())
      Fail(2, absl::StrCat("server TLS: ", creds.status().ToString()));
    gopts.credentials = *creds;
  }
  // With --tls_client_ca only the admin certificate may use the simulation
  // controls; otherwise loopback callers only.
  sim::AdminAuth sim_auth;
  sim_auth.client_certs = !absl::GetFlag(FLAGS_tls_cert).empty() &&
                          !absl::GetFlag(FLAGS_tls_client_ca).empty();
  auto sim_hooks = sim::ServerHooks::Attach(sim_state.get(), sim_auth, &gopts);
  if (!sim_hooks.ok()) Fail(2, sim_hooks.status().ToString());
  auto server = GrpcServer::Start(gopts);
  if (!server.ok()) Fail(1, server.status().ToString());
  sync->Start();
  std::cerr << "access_point: " << vopts.access_point_id << " (" << kind
            << ") revocation_mode=" << mode
            << " list_version=" << revocations.version() << "\n";
  sct::PrintListeningLine({{"grpc", (*server)->address()}});

  int sig = WaitForTerminationSignal();
  std::cerr << "access_point: signal " << sig << ", shutting down\n";
  sync->Stop();
  (*server)->Shutdown(absl::Seconds(2));
  (*server)->Wait();
  return 0;
}

}  // namespace
}  // namespace sct::access_point

int main(int argc, char** argv) { return sct::access_point::Main(argc, argv); }
