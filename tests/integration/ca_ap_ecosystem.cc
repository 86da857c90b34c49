#include "tests/integration/ca_ap_ecosystem.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "access_point/verifier.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "crypto/hmac.h"
#include "crypto/hpke.h"
#include "crypto/pem.h"
#include "crypto/random.h"
#include "crypto/x509.h"
#include "grpcpp/grpcpp.h"
#include "runtime/test_certs.h"
#include "runtime/tls.h"

namespace sct::integration {
namespace {

namespace cav1 = ::credential_authority::v1;
namespace apv1 = ::access_point::v1;

// How long Stop() waits after SIGTERM before SIGKILL.
constexpr absl::Duration kStopGrace = absl::Seconds(30);

absl::Status RpcError(const grpc::Status& s, absl::string_view what) {
  absl::Status st = FromGrpcStatus(s);
  return absl::Status(st.code(), absl::StrCat(what, ": ", st.message(), " [", ReasonOf(st), "]"));
}

std::chrono::system_clock::time_point Deadline(absl::Duration d) {
  return std::chrono::system_clock::now() + std::chrono::microseconds(absl::ToInt64Microseconds(d));
}

// A key from 32 random bytes, so the raw scalar (HPKE form) is known too.
absl::StatusOr<std::pair<crypto::EcdsaP256PrivateKey, std::string>> NewKey() {
  for (int i = 0; i < 8; ++i) {
    ASSIGN_OR_RETURN(std::string scalar, crypto::RandomBytes(32));
    auto key = crypto::EcdsaP256PrivateKey::FromRawScalar(scalar);
    if (key.ok()) return std::make_pair(*std::move(key), scalar);
  }
  return absl::InternalError("no valid P-256 scalar in 8 tries");
}

// Starts `binary` with `args` (its stderr to this process's stderr) and waits
// for a start-up line with a grpc endpoint.
absl::StatusOr<std::unique_ptr<ChildProcess>> StartServer(const std::string& binary,
                                                          const std::vector<std::string>& args) {
  ChildProcessSpec spec;
  spec.name = binary.substr(binary.rfind('/') + 1);
  spec.binary = binary;
  spec.args = args;
  spec.start_timeout = absl::Seconds(60);
  ASSIGN_OR_RETURN(std::unique_ptr<ChildProcess> server, ChildProcess::Start(spec));
  if (server->listening().count("grpc") == 0) {
    return absl::InternalError(absl::StrCat(binary, " did not report its grpc port; got \"",
                                            server->listening_line(), "\""));
  }
  return server;
}

// The services' certificates name "localhost", the processes listen on 127.0.0.1.
grpc::ChannelArguments LocalhostArgs() {
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  return args;
}

int StopServer(std::unique_ptr<ChildProcess>& server) {
  return server == nullptr ? -1 : server->Terminate(kStopGrace);
}

}  // namespace

std::string Ecosystem::Path(const std::string& name) const {
  return absl::StrCat(options_.work_dir, "/", name);
}

absl::StatusOr<std::unique_ptr<Ecosystem>> Ecosystem::Start(EcosystemOptions options) {
  std::unique_ptr<Ecosystem> e(new Ecosystem(std::move(options)));
  RETURN_IF_ERROR(e->Init());
  return e;
}

Ecosystem::~Ecosystem() { Stop(); }

std::pair<int, int> Ecosystem::Stop() {
  int ap = StopServer(ap_proc_);
  int ca = StopServer(ca_);
  return {ap, ca};
}

absl::Status Ecosystem::Init() {
  RETURN_IF_ERROR(WriteKeysAndCertificates());
  RETURN_IF_ERROR(StartAuthority());
  return StartAccessPoint();
}

absl::Status Ecosystem::WriteKeysAndCertificates() {
  for (size_t i = 1; i <= options_.work_dir.size(); ++i) {  // mkdir -p
    if (i == options_.work_dir.size() || options_.work_dir[i] == '/') {
      mkdir(options_.work_dir.substr(0, i).c_str(), 0700);
    }
  }
  // ---- TLS PKI ----
  ASSIGN_OR_RETURN(TestCert tls_ca, MakeTestCa("sct test TLS root"));
  RETURN_IF_ERROR(WriteTestFile(Path("tls-ca.pem"), tls_ca.cert_pem));
  for (const std::string& cn :
       {std::string("ca"), std::string("admin"), options_.access_point_id}) {
    ASSIGN_OR_RETURN(TestCert c, IssueTestCert(tls_ca, cn, {"localhost"}, {"127.0.0.1"}));
    RETURN_IF_ERROR(WriteTestFile(Path(cn + ".pem"), c.cert_pem));
    RETURN_IF_ERROR(WriteTestFile(Path(cn + ".key"), c.key_pem));
  }
  // ---- OEM attestation root ----
  ASSIGN_OR_RETURN(auto oem, NewKey());
  crypto::CertificateSpec root_spec;
  root_spec.subject_cn = "oem-a attestation root";
  root_spec.not_before = absl::Now() - absl::Hours(1);
  root_spec.not_after = absl::Now() + absl::Hours(24 * 365);
  root_spec.is_ca = true;
  ASSIGN_OR_RETURN(crypto::Certificate oem_root, crypto::SelfSignCertificate(root_spec, oem.first));
  ASSIGN_OR_RETURN(std::string oem_root_pem, oem_root.ToPem());
  RETURN_IF_ERROR(WriteTestFile(Path("oem-a-root.pem"), oem_root_pem));
  oem_root_key_pkcs8_ = oem.first.ToPkcs8Der();
  ASSIGN_OR_RETURN(oem_root_der_, oem_root.ToDer());
  // ---- access point key (HPKE recipient for symmetric credentials) ----
  ASSIGN_OR_RETURN(auto ap_key, NewKey());
  ASSIGN_OR_RETURN(std::string ap_key_pem, crypto::P256PrivateKeyToPem(ap_key.first));
  RETURN_IF_ERROR(WriteTestFile(Path("ap-hpke.key"), ap_key_pem));
  ap_public_spki_ = ap_key.first.PublicKey().SpkiDer();
  return absl::OkStatus();
}

absl::Status Ecosystem::StartAuthority() {
  std::remove(Path("ca.db").c_str());
  std::remove(Path("ca-signing.pem").c_str());
  std::remove(Path("ca-signing.pem.root.pem").c_str());
  ASSIGN_OR_RETURN(
      ca_, StartServer(options_.ca_binary,
                       {"--listen=127.0.0.1:0", "--db_path=" + Path("ca.db"),
                        "--signing_key=" + Path("ca-signing.pem"), "--tls_cert=" + Path("ca.pem"),
                        "--tls_key=" + Path("ca.key"), "--tls_client_ca=" + Path("tls-ca.pem"),
                        "--oem_roots=oem-a=" + Path("oem-a-root.pem"), "--admin_cn=admin"}));
  ASSIGN_OR_RETURN(auto admin_creds, LoadClientCredentials({Path("tls-ca.pem"), Path("admin.pem"),
                                                            Path("admin.key")}));
  admin_ = cav1::CredentialAuthority::NewStub(
      grpc::CreateCustomChannel(ca_->listening().at("grpc"), admin_creds, LocalhostArgs()));

  // Register the access point (the AP's TLS identity becomes trusted).
  cav1::RegisterAccessPointRequest reg;
  reg.mutable_access_point()->set_access_point_id(options_.access_point_id);
  reg.mutable_access_point()->set_kind(::common::v1::CAR);
  reg.mutable_access_point()->set_display_name("test car");
  reg.mutable_access_point()->set_public_key(ap_public_spki_);
  cav1::RegisterAccessPointResponse reg_resp;
  grpc::ClientContext reg_ctx;
  reg_ctx.set_deadline(Deadline(absl::Seconds(10)));
  grpc::Status s = admin_->RegisterAccessPoint(&reg_ctx, reg, &reg_resp);
  if (!s.ok()) return RpcError(s, "RegisterAccessPoint");
  return absl::OkStatus();
}

absl::Status Ecosystem::StartAccessPoint() {
  // The trust anchor the AP is configured with: the authority's root.
  cav1::GetAuthorityInfoResponse info;
  grpc::ClientContext info_ctx;
  info_ctx.set_deadline(Deadline(absl::Seconds(10)));
  grpc::Status s = admin_->GetAuthorityInfo(&info_ctx, {}, &info);
  if (!s.ok()) return RpcError(s, "GetAuthorityInfo");
  ASSIGN_OR_RETURN(crypto::Certificate root,
                   crypto::Certificate::FromDer(info.root_certificate_der()));
  ASSIGN_OR_RETURN(std::string root_pem, root.ToPem());
  RETURN_IF_ERROR(WriteTestFile(Path("authority-root.pem"), root_pem));

  ASSIGN_OR_RETURN(
      ap_proc_,
      StartServer(
          options_.ap_binary,
          {"--listen=127.0.0.1:0", "--ap_id=" + options_.access_point_id, "--kind=car",
           "--ca_target=" + ca_->listening().at("grpc"),
           "--ca_trust_anchor=" + Path("authority-root.pem"),
           "--authority_id=" + info.authority_id(), "--ca_tls_ca=" + Path("tls-ca.pem"),
           "--ca_tls_cert=" + Path(options_.access_point_id + ".pem"),
           "--ca_tls_key=" + Path(options_.access_point_id + ".key"),
           "--tls_cert=" + Path(options_.access_point_id + ".pem"),
           "--tls_key=" + Path(options_.access_point_id + ".key"),
           "--ap_key=" + Path("ap-hpke.key"), "--revocation_mode=" + options_.revocation_mode,
           "--poll_interval=" + absl::FormatDuration(options_.poll_interval)}));
  ASSIGN_OR_RETURN(auto ap_creds, LoadClientCredentials({Path("tls-ca.pem"), "", ""}));
  ap_ = apv1::AccessPoint::NewStub(
      grpc::CreateCustomChannel(ap_proc_->listening().at("grpc"), ap_creds, LocalhostArgs()));
  return absl::OkStatus();
}

absl::StatusOr<Holder> Ecosystem::BootstrapOwner(::common::v1::CredentialKind kind,
                                                 const std::vector<std::string>& entitlements) {
  ::common::v1::ValidityWindow validity;
  *validity.mutable_not_before() =
      ToProtoTimestamp(absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - absl::Minutes(10))));
  *validity.mutable_not_after() =
      ToProtoTimestamp(absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24))));
  return BootstrapOwner(kind, entitlements, validity);
}

absl::StatusOr<Holder> Ecosystem::BootstrapOwner(::common::v1::CredentialKind kind,
                                                 const std::vector<std::string>& entitlements,
                                                 const ::common::v1::ValidityWindow& validity) {
  ASSIGN_OR_RETURN(auto se, NewKey());
  ASSIGN_OR_RETURN(auto oem_key, crypto::EcdsaP256PrivateKey::FromPkcs8Der(oem_root_key_pkcs8_));
  ASSIGN_OR_RETURN(crypto::Certificate oem_root, crypto::Certificate::FromDer(oem_root_der_));
  crypto::CertificateSpec leaf;
  leaf.subject_cn = "device secure element key";
  leaf.not_before = absl::Now() - absl::Hours(1);
  leaf.not_after = absl::Now() + absl::Hours(24 * 30);
  leaf.extensions.push_back({std::string(crypto::kOidKeyAttestation), false, "test attestation"});
  ASSIGN_OR_RETURN(crypto::Certificate att,
                   crypto::IssueCertificate(leaf, se.first.PublicKey(), oem_root, oem_key));
  ASSIGN_OR_RETURN(std::string att_der, att.ToDer());

  cav1::BootstrapOwnerRequest req;
  req.set_request_id(NewUuidV4());
  req.set_access_point_id(options_.access_point_id);
  req.set_owner_label(absl::StrCat("owner-", ++request_counter_));
  req.set_oem_id("oem-a");
  req.set_holder_public_key(se.first.PublicKey().SpkiDer());
  req.mutable_holder_attestation()->add_certificates_der(att_der);
  req.set_kind(kind);
  for (const std::string& e : entitlements) req.add_entitlements(e);
  *req.mutable_validity() = validity;
  req.set_resharing_allowed(true);
  cav1::BootstrapOwnerResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline(absl::Seconds(10)));
  grpc::Status s = admin_->BootstrapOwner(&ctx, req, &resp);
  if (!s.ok()) return RpcError(s, "BootstrapOwner");

  Holder h;
  h.credential_id = resp.credential().credential_id();
  h.kind = kind;
  if (kind == ::common::v1::ASYMMETRIC) {
    h.certificate_der = resp.credential().asymmetric().certificate_der();
  } else {
    const auto& sym = resp.credential().symmetric();
    ASSIGN_OR_RETURN(h.symmetric_key,
                     crypto::HpkeOpen(crypto::kHpkeP256Sha256Aes128Gcm, se.second, sym.hpke_info(),
                                      "", absl::StrCat(sym.hpke_enc(), sym.sealed_key())));
  }
  h.se_key = std::make_unique<crypto::EcdsaP256PrivateKey>(std::move(se.first));
  return h;
}

absl::StatusOr<apv1::AuthenticateResponse> Ecosystem::Authenticate(const Holder& holder,
                                                                   const std::string& action) {
  apv1::GetChallengeResponse ch;
  grpc::ClientContext c1;
  c1.set_deadline(Deadline(absl::Seconds(10)));
  grpc::Status s = ap_->GetChallenge(&c1, {}, &ch);
  if (!s.ok()) return RpcError(s, "GetChallenge");
  const std::string transcript =
      access_point::ChallengeTranscript(ch.access_point_id(), ch.nonce(), action);
  apv1::AuthenticateRequest req;
  req.set_nonce(ch.nonce());
  req.set_action(action);
  if (holder.kind == ::common::v1::ASYMMETRIC) {
    req.mutable_certificate()->set_certificate_der(holder.certificate_der);
    ASSIGN_OR_RETURN(std::string sig,
                     holder.se_key->Sign(transcript, crypto::SignatureEncoding::kDer));
    req.set_signature(sig);
  } else {
    req.set_credential_id(holder.credential_id);
    ASSIGN_OR_RETURN(std::string tag, crypto::HmacSha256(holder.symmetric_key, transcript));
    req.set_hmac(tag);
  }
  apv1::AuthenticateResponse resp;
  grpc::ClientContext c2;
  c2.set_deadline(Deadline(absl::Seconds(10)));
  s = ap_->Authenticate(&c2, req, &resp);
  if (!s.ok()) return RpcError(s, "Authenticate");
  return resp;
}

absl::StatusOr<uint64_t> Ecosystem::RevokeCredential(const std::string& credential_id) {
  cav1::RevokeCredentialRequest req;
  req.set_request_id(NewUuidV4());
  req.set_credential_id(credential_id);
  req.set_reason("test");
  cav1::RevokeResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline(absl::Seconds(10)));
  grpc::Status s = admin_->RevokeCredential(&ctx, req, &resp);
  if (!s.ok()) return RpcError(s, "RevokeCredential");
  return resp.revocation_list_version();
}

absl::StatusOr<apv1::GetStatusResponse> Ecosystem::ApStatus() {
  apv1::GetStatusResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline(absl::Seconds(10)));
  grpc::Status s = ap_->GetStatus(&ctx, {}, &resp);
  if (!s.ok()) return RpcError(s, "GetStatus");
  return resp;
}

absl::Status Ecosystem::WaitForApVersion(uint64_t version, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    ASSIGN_OR_RETURN(apv1::GetStatusResponse st, ApStatus());
    if (st.revocation_list_version() >= version) return absl::OkStatus();
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("access point still at revocation version ",
                                                      st.revocation_list_version(), ", want ",
                                                      version));
    }
    // Yield between status RPCs; the bound is the deadline above.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace sct::integration
