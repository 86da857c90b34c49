#include "access_point/server.h"

#include <chrono>
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/host_port.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "grpcpp/grpcpp.h"

namespace sct::access_point {
namespace {

namespace cav1 = ::credential_authority::v1;

constexpr char kCertificateBlock[] = "-----BEGIN CERTIFICATE-----";
constexpr std::chrono::seconds kAuthorityInfoDeadline(10);

// `status` with `context` before its message; code and reason kept.
absl::Status WithContext(const absl::Status& status, absl::string_view context) {
  absl::Status out(status.code(), absl::StrCat(context, ": ", status.message()));
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

}  // namespace

absl::StatusOr<::common::v1::AccessPointKind> ParseAccessPointKind(absl::string_view name) {
  if (name == "car") return ::common::v1::CAR;
  if (name == "door") return ::common::v1::DOOR;
  if (name == "hotel_lock") return ::common::v1::HOTEL_LOCK;
  return InvalidField("--kind", "must be car, door or hotel_lock");
}

absl::StatusOr<RevocationMode> ParseRevocationMode(absl::string_view name) {
  if (name == "watch") return RevocationMode::kWatch;
  if (name == "poll") return RevocationMode::kPoll;
  return InvalidField("--revocation_mode", "must be watch or poll");
}

absl::Status ValidateConfig(const AccessPointConfig& config) {
  if (config.verifier.access_point_id.empty()) return InvalidField("--ap_id", "required");
  if (config.verifier.challenge_ttl <= absl::ZeroDuration()) {
    return InvalidField("--challenge_ttl", "must be positive");
  }
  if (config.verifier.max_outstanding_challenges == 0) {
    return InvalidField("--max_outstanding_challenges", "must be positive");
  }
  if (config.poll_interval <= absl::ZeroDuration()) {
    return InvalidField("--poll_interval", "must be positive");
  }
  if (config.server_tls.cert_file.empty() && !config.server_tls.client_ca_file.empty()) {
    return InvalidField("--tls_client_ca", "needs --tls_cert");
  }
  if (config.ca_target.empty()) return InvalidField("--ca_target", "required");
  return ParseHostPort(config.ca_target, "--ca_target").status();
}

AccessPointServer::AccessPointServer(const AccessPointConfig& config, AccessPointDeps deps)
    : config_(config), deps_(deps) {}

AccessPointServer::~AccessPointServer() { Shutdown(); }

absl::StatusOr<std::unique_ptr<AccessPointServer>> AccessPointServer::Create(
    const AccessPointConfig& config, sim::SimState* sim) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (config.authority_tls.ca_file.empty()) {
    std::cerr << "access_point: WARNING plaintext connection to the authority\n";
    credentials = grpc::InsecureChannelCredentials();
  } else {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> loaded =
        LoadClientCredentials(config.authority_tls);
    if (!loaded.ok()) return WithContext(loaded.status(), "authority TLS");
    credentials = *std::move(loaded);
  }
  std::unique_ptr<cav1::CredentialAuthority::Stub> stub = cav1::CredentialAuthority::NewStub(
      sim::Channel(config.ca_target, std::move(credentials), "ca", sim));
  AccessPointDeps deps{stub.get(), &sim::ClockOr(sim), sim};
  ASSIGN_OR_RETURN(std::unique_ptr<AccessPointServer> server, Create(config, deps));
  server->owned_authority_ = std::move(stub);
  return server;
}

absl::StatusOr<std::unique_ptr<AccessPointServer>> AccessPointServer::Create(
    const AccessPointConfig& config, AccessPointDeps deps) {
  std::unique_ptr<AccessPointServer> server(new AccessPointServer(config, deps));
  if (!config.server_tls.cert_file.empty()) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        LoadServerCredentials(config.server_tls);
    if (!credentials.ok()) return WithContext(credentials.status(), "server TLS");
    server->server_credentials_ = *std::move(credentials);
  }
  RETURN_IF_ERROR(server->LoadTrustAnchors());
  return server;
}

// The root certificates of the PEM, or none when it holds only the pinned
// key (Start fetches the root then). Revocation lists are verified with the
// pinned key when there is one, else with the first root's key.
absl::Status AccessPointServer::LoadTrustAnchors() {
  const std::string& pem = config_.trust_anchor_pem;
  if (pem.find(kCertificateBlock) != std::string::npos) {
    absl::StatusOr<std::vector<crypto::Certificate>> certificates =
        crypto::Certificate::ChainFromPem(pem);
    if (!certificates.ok()) {
      return InvalidField("--ca_trust_anchor", certificates.status().message());
    }
    anchors_ = *std::move(certificates);
  } else if (!config_.pinned_key.has_value()) {
    return InvalidField("--ca_trust_anchor", "no CERTIFICATE or PUBLIC KEY block");
  }
  absl::StatusOr<crypto::EcdsaP256PublicKey> list_key =
      config_.pinned_key.has_value() ? *config_.pinned_key : anchors_.front().PublicKey();
  if (!list_key.ok()) return InvalidField("--ca_trust_anchor", "key is not P-256");
  revocations_ =
      std::make_unique<RevocationList>(config_.authority_id, *std::move(list_key), *deps_.clock);
  return absl::OkStatus();
}

absl::Status AccessPointServer::Start() {
  if (anchors_.empty()) RETURN_IF_ERROR(FetchAuthorityRoot());
  verifier_ =
      std::make_unique<Verifier>(config_.verifier, anchors_, revocations_.get(), *deps_.clock);
  if (!config_.ap_private_scalar.empty()) {
    key_sync_ = std::make_unique<KeyGrantSync>(deps_.authority, config_.verifier.access_point_id,
                                               config_.ap_private_scalar, verifier_.get());
  }
  BuildSync();
  InitialPulls();
  RETURN_IF_ERROR(StartGrpcServer());
  sync_->Start();
  return absl::OkStatus();
}

// The root certificate from GetAuthorityInfo over the (authenticated)
// channel, accepted only when it is over the pinned key.
absl::Status AccessPointServer::FetchAuthorityRoot() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kAuthorityInfoDeadline);
  cav1::GetAuthorityInfoResponse info;
  grpc::Status s = deps_.authority->GetAuthorityInfo(&context, {}, &info);
  if (!s.ok()) return WithContext(FromGrpcStatus(s), "GetAuthorityInfo");
  absl::StatusOr<crypto::Certificate> root =
      crypto::Certificate::FromDer(info.root_certificate_der());
  if (!root.ok()) {
    return absl::PermissionDeniedError("authority root certificate does not parse");
  }
  absl::StatusOr<crypto::EcdsaP256PublicKey> root_key = root->PublicKey();
  if (!root_key.ok() || *root_key != *config_.pinned_key) {
    return absl::PermissionDeniedError(
        "authority root certificate is not over the pinned --ca_trust_anchor key");
  }
  anchors_.push_back(*std::move(root));
  return absl::OkStatus();
}

// Watch or poll; each tick also pulls key grants when there is a key.
void AccessPointServer::BuildSync() {
  RevocationSyncOptions options;
  options.access_point_id = config_.verifier.access_point_id;
  options.interval = config_.poll_interval;
  KeyGrantSync* key_sync = key_sync_.get();
  if (key_sync != nullptr) {
    options.on_tick = [key_sync] {
      absl::Status s = key_sync->SyncNow();
      if (!s.ok()) std::cerr << "access_point: key grant pull failed: " << s << "\n";
    };
  }
  if (config_.revocation_mode == RevocationMode::kWatch) {
    sync_ = std::make_unique<WatchRevocationSync>(deps_.authority, revocations_.get(), options);
  } else {
    sync_ = std::make_unique<PollingRevocationSync>(deps_.authority, revocations_.get(), options);
  }
}

// A failed first pull is not fatal: the sync keeps retrying once started.
void AccessPointServer::InitialPulls() {
  if (absl::Status s = sync_->SyncNow(); !s.ok()) {
    std::cerr << "access_point: initial revocation pull failed (will retry): " << s << "\n";
  }
  if (key_sync_ != nullptr) {
    if (absl::Status s = key_sync_->SyncNow(); !s.ok()) {
      std::cerr << "access_point: initial key grant pull failed (will retry): " << s << "\n";
    }
  }
}

absl::Status AccessPointServer::StartGrpcServer() {
  service_ =
      std::make_unique<AccessPointGrpcService>(verifier_.get(), revocations_.get(), sync_.get(),
                                               key_sync_.get(), config_.authority_id, *deps_.clock);
  GrpcServerOptions options;
  options.address = config_.listen;
  options.services = {service_.get()};
  options.credentials = server_credentials_;
  // With TLS only the admin certificate may use the simulation controls;
  // plaintext: loopback callers only.
  sim::AdminAuth sim_auth;
  sim_auth.client_certs = server_credentials_ != nullptr;
  ASSIGN_OR_RETURN(sim_hooks_, sim::ServerHooks::Attach(deps_.sim, sim_auth, &options));
  ASSIGN_OR_RETURN(server_, GrpcServer::Start(options));
  return absl::OkStatus();
}

void AccessPointServer::Shutdown() {
  if (stopped_) return;
  stopped_ = true;
  if (sync_ != nullptr) sync_->Stop();
  if (server_ != nullptr) {
    server_->Shutdown(absl::Seconds(2));
    server_->Wait();
  }
}

std::string AccessPointServer::address() const {
  return server_ != nullptr ? server_->address() : "";
}

}  // namespace sct::access_point
