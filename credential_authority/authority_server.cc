#include "credential_authority/authority_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "credential_authority/authority_keys.h"
#include "credential_authority/pin.h"
#include "crypto/x509.h"
#include "runtime/tls.h"

namespace sct::ca {
namespace {

// `status` with its message prefixed by `what` (code and payloads kept).
absl::Status Annotate(const absl::Status& status, absl::string_view what) {
  absl::Status out(status.code(), absl::StrCat(what, ": ", status.message()));
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

// The DER of the first certificate in PEM file `path`.
absl::StatusOr<std::string> ReadRootDer(const std::string& path) {
  ASSIGN_OR_RETURN(std::string pem, ReadPemCertificates(path, "--oem_roots"));
  ASSIGN_OR_RETURN(crypto::Certificate cert, crypto::Certificate::FromPem(pem));
  return cert.ToDer();
}

}  // namespace

absl::StatusOr<std::vector<OemRootFile>> ParseOemRoots(absl::string_view flag) {
  std::vector<OemRootFile> roots;
  for (absl::string_view item : absl::StrSplit(flag, ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty() || kv[1].empty()) {
      return InvalidField("--oem_roots", absl::StrCat("expected OEM=FILE, got '", item, "'"));
    }
    roots.push_back(OemRootFile{kv[0], kv[1]});
  }
  return roots;
}

absl::Status CheckAuthorityServerConfig(const AuthorityServerConfig& config) {
  if (config.tls_cert.empty() || config.tls_key.empty() || config.tls_client_ca.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                     "--tls_cert, --tls_key and --tls_client_ca are required (callers are "
                     "identified by client certificates)");
  }
  if (config.max_pin_attempts < kMinPinAttemptsLimit ||
      config.max_pin_attempts > kMaxPinAttemptsLimit) {
    return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                     absl::StrCat("--max_pin_attempts: ", config.max_pin_attempts,
                                  " is out of range (", kMinPinAttemptsLimit, "-",
                                  kMaxPinAttemptsLimit, ")"));
  }
  return absl::OkStatus();
}

std::string RootCertPath(const AuthorityServerConfig& config) {
  if (!config.root_cert_path.empty()) return config.root_cert_path;
  return config.signing_key_path + ".root.pem";
}

std::string PinKeyPath(const AuthorityServerConfig& config) {
  if (!config.pin_key_path.empty()) return config.pin_key_path;
  return config.signing_key_path + ".pin.key";
}

absl::StatusOr<std::unique_ptr<AuthorityServer>> AuthorityServer::Start(
    const AuthorityServerConfig& config, sim::SimState* sim_state) {
  RETURN_IF_ERROR(CheckAuthorityServerConfig(config));
  auto creds =
      LoadServerCredentials(TlsServerFiles{config.tls_cert, config.tls_key, config.tls_client_ca,
                                           /*require_client_cert=*/true});
  if (!creds.ok()) return Annotate(creds.status(), "tls");
  auto key = LoadOrCreateSigningKey(config.signing_key_path);
  if (!key.ok()) return Annotate(key.status(), "--signing_key");
  auto root = LoadOrCreateRootCertificate(RootCertPath(config), *key, config.authority_id,
                                          RealClock::Get().Now());
  if (!root.ok()) return Annotate(root.status(), "--root_cert");
  auto pin_key = LoadOrCreatePinKey(PinKeyPath(config));
  if (!pin_key.ok()) return Annotate(pin_key.status(), "--pin_key");
  SqliteStoreOptions store_options;
  store_options.unsafe_no_fsync = config.unsafe_no_fsync_for_benchmarks;
  auto ledger = SqliteLedger::Open(config.db_path, std::move(store_options));
  if (!ledger.ok()) return Annotate(ledger.status(), "--db_path");

  std::unique_ptr<AuthorityServer> s(new AuthorityServer());
  s->ledger_ = std::move(*ledger);
  CaServiceOptions options;
  options.authority_id = config.authority_id;
  options.admin_cn = config.admin_cn;
  options.trusted_oems = config.trusted_oems;
  options.max_pin_attempts = config.max_pin_attempts;
  s->service_ = std::make_unique<CaService>(s->ledger_.get(), &sim::ClockOr(sim_state),
                                            std::move(*key), std::move(*root),
                                            std::move(*pin_key), options);
  RETURN_IF_ERROR(s->RegisterOemRoots(config));

  s->grpc_service_ = std::make_unique<CaGrpcService>(s->service_.get());
  GrpcServerOptions server_options;
  server_options.address = config.listen;
  server_options.credentials = *creds;
  server_options.services = {s->grpc_service_.get()};
  // Mutual TLS: only the admin certificate may use the simulation controls.
  auto hooks =
      sim::ServerHooks::Attach(sim_state, sim::AdminAuth{true, config.admin_cn}, &server_options);
  if (!hooks.ok()) return Annotate(hooks.status(), "--sim_control");
  s->sim_hooks_ = std::move(*hooks);
  auto server = GrpcServer::Start(std::move(server_options));
  if (!server.ok()) return Annotate(server.status(), "--listen");
  s->server_ = std::move(*server);
  return s;
}

absl::Status AuthorityServer::RegisterOemRoots(const AuthorityServerConfig& config) {
  const Caller admin{CallerRole::kAdmin, config.admin_cn};
  for (const OemRootFile& oem : config.oem_roots) {
    const std::string what = "--oem_roots " + oem.oem_id;
    absl::StatusOr<std::string> der = ReadRootDer(oem.pem_path);
    if (!der.ok()) return Annotate(der.status(), what);
    credential_authority::v1::RegisterOemRequest reg;
    reg.set_oem_id(oem.oem_id);
    reg.set_attestation_root_der(*der);
    absl::Status registered = service_->RegisterOem(admin, reg).status();
    if (!registered.ok()) return Annotate(registered, what);
  }
  return absl::OkStatus();
}

AuthorityServer::~AuthorityServer() { Shutdown(); }

void AuthorityServer::Shutdown() {
  if (service_ != nullptr) service_->Shutdown();
  if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
}

}  // namespace sct::ca
