// The access point process (binary //access_point): its configuration, as
// main.cc builds it from flags and files, and the wiring that runs it — the
// trust anchors, the revocation list and the sync that keeps it current, the
// verifier, the symmetric key-grant pull, and the gRPC server with the
// simulator's hooks. main.cc keeps only flags -> config -> run.
//
// Start-up has two steps so that main can tell a configuration it cannot use
// (Create, no network) from a run-time failure (Start: the authority's root
// cannot be fetched or is not over the pinned key, the port is taken).
//
// Thread-safety: Create, Start and Shutdown are called from one thread (main);
// the running services are thread-safe. Ownership: the server owns everything
// it builds; the injected stub, clock and SimState must outlive it.
#ifndef SCT_ACCESS_POINT_SERVER_H_
#define SCT_ACCESS_POINT_SERVER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "access_point/ap_grpc.h"
#include "access_point/key_grant_sync.h"
#include "access_point/revocation_list.h"
#include "access_point/revocation_sync.h"
#include "access_point/verifier.h"
#include "common/clock.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "runtime/grpc_server.h"
#include "runtime/tls.h"
#include "sim/sim.h"

namespace sct::access_point {

enum class RevocationMode { kWatch, kPoll };

struct AccessPointConfig {
  VerifierOptions verifier;  // id, kind, actions, nonce lifetime and bound, fail-closed
  std::string listen = "127.0.0.1:0";
  std::string ca_target;            // HOST:PORT of the credential authority
  std::string authority_id = "ca";  // revocation lists must name it (empty: any)
  RevocationMode revocation_mode = RevocationMode::kWatch;
  // Poll period (poll), heartbeat interval asked for (watch), key-grant pull period.
  absl::Duration poll_interval = absl::Seconds(1);
  // The PEM text of --ca_trust_anchor: the authority's root certificate(s),
  // or only its PUBLIC KEY.
  std::string trust_anchor_pem;
  // The PUBLIC KEY block of trust_anchor_pem, when it has one: it verifies
  // revocation lists, and without certificates the root fetched from the
  // authority must be over it.
  std::optional<crypto::EcdsaP256PublicKey> pinned_key;
  // The 32-byte private scalar of --ap_key, which opens symmetric credential
  // keys; empty: no symmetric credentials. A secret: never logged.
  std::string ap_private_scalar;
  // TLS to the authority; an empty ca_file means plaintext (development only).
  TlsClientFiles authority_tls;
  // The listener's TLS; an empty cert_file means plaintext. With a
  // client_ca_file, presented client certificates are verified, and
  // required with require_client_cert. With TLS, Audit and SimControl need
  // the admin client certificate.
  TlsServerFiles server_tls;
};

// "car", "door", "hotel_lock"; INVALID_ARGUMENT "invalid_field" (--kind) otherwise.
absl::StatusOr<::common::v1::AccessPointKind> ParseAccessPointKind(absl::string_view name);
// "watch", "poll"; INVALID_ARGUMENT "invalid_field" (--revocation_mode) otherwise.
absl::StatusOr<RevocationMode> ParseRevocationMode(absl::string_view name);

// INVALID_ARGUMENT "invalid_field" naming the flag: no access point id,
// a non-positive nonce lifetime, nonce bound or poll interval, a missing or
// malformed authority address.
absl::Status ValidateConfig(const AccessPointConfig& config);

// What the server borrows.
struct AccessPointDeps {
  CaStub* authority = nullptr;   // the credential authority
  const Clock* clock = nullptr;  // RealClock or the simulator's clock
  sim::SimState* sim = nullptr;  // null without --sim_control
};

class AccessPointServer {
 public:
  // Connects to config.ca_target (TLS per config.authority_tls, through the
  // simulator's channel when `sim` is set) and builds the server on it with
  // the simulator's clock or the real one. Errors as the other Create, plus
  // the TLS files' errors (runtime/tls.h) prefixed "authority TLS".
  static absl::StatusOr<std::unique_ptr<AccessPointServer>> Create(const AccessPointConfig& config,
                                                                   sim::SimState* sim);
  // Loads the listener's TLS credentials ("server TLS" prefix on error), the
  // trust anchors and the revocation-list key. No network. INVALID_ARGUMENT
  // "invalid_field" (--ca_trust_anchor) when the PEM has neither a
  // CERTIFICATE nor a PUBLIC KEY block, its certificates do not parse, or
  // its key is not P-256.
  static absl::StatusOr<std::unique_ptr<AccessPointServer>> Create(const AccessPointConfig& config,
                                                                   AccessPointDeps deps);
  ~AccessPointServer();
  AccessPointServer(const AccessPointServer&) = delete;
  AccessPointServer& operator=(const AccessPointServer&) = delete;

  // Fetches the authority's root when only its key is pinned, makes the
  // first revocation and key-grant pulls (a failure there is logged and
  // retried, not fatal), starts the gRPC server and the background sync.
  // Errors: UNAVAILABLE (or the authority's code) "GetAuthorityInfo: ...";
  // PERMISSION_DENIED when the fetched root does not parse or is not over the
  // pinned key; GrpcServer::Start's errors.
  absl::Status Start();

  // Stops the sync, then the server (2 s grace). Idempotent.
  void Shutdown();

  // "host:port" the server listens on (after Start).
  std::string address() const;
  uint64_t revocation_list_version() const { return revocations_->version(); }

 private:
  AccessPointServer(const AccessPointConfig& config, AccessPointDeps deps);
  absl::Status LoadTrustAnchors();
  absl::Status FetchAuthorityRoot();
  void BuildSync();
  void InitialPulls();
  absl::Status StartGrpcServer();

  const AccessPointConfig config_;
  const AccessPointDeps deps_;
  // The production stub (Create with a SimState); deps_.authority points to it.
  std::unique_ptr<::credential_authority::v1::CredentialAuthority::Stub> owned_authority_;
  std::shared_ptr<grpc::ServerCredentials> server_credentials_;  // null: plaintext
  std::vector<crypto::Certificate> anchors_;
  std::unique_ptr<RevocationList> revocations_;
  std::unique_ptr<Verifier> verifier_;
  std::unique_ptr<KeyGrantSync> key_sync_;  // null without ap_private_scalar
  std::unique_ptr<RevocationSync> sync_;
  std::unique_ptr<AccessPointGrpcService> service_;
  std::unique_ptr<sim::ServerHooks> sim_hooks_;
  std::unique_ptr<GrpcServer> server_;
  bool stopped_ = false;
};

}  // namespace sct::access_point

#endif  // SCT_ACCESS_POINT_SERVER_H_
