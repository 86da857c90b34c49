// The fixture of the end-to-end ecosystem test: every actor as a separate
// process on 127.0.0.1 port 0 — relay, credential authority, access points
// (car-1, hotel-12), two OEM servers (oem-a, oem-b), the channel server and
// two device agents (one per OEM) — wired with mutual TLS from a PKI made in
// the test, files in $TEST_TMPDIR, plus the calls the test cases share.
//
// Children get PR_SET_PDEATHSIG(SIGKILL) and are SIGTERMed (then SIGKILLed)
// in TearDown, so a failed ASSERT never leaves processes behind.
#ifndef SCT_TESTS_E2E_ECOSYSTEM_FIXTURE_H_
#define SCT_TESTS_E2E_ECOSYSTEM_FIXTURE_H_

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "runtime/test_certs.h"
#include "runtime/tls.h"
#include "common/uuid.h"
#include "crypto/x509.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "oem_server/attestation_ca.h"
#include "proto/access_point/v1/access_point.grpc.pb.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "runtime/child_process.h"

namespace sct::e2e {

namespace apv1 = ::access_point::v1;
namespace cav1 = ::credential_authority::v1;
namespace chv1 = ::channel::v1;
namespace dv1 = ::device::v1;

inline constexpr char kPin[] = "482915";
inline constexpr char kAliceAddress[] = "+15550001";
inline constexpr char kBobAddress[] = "+15550002";
inline constexpr char kBobPinAddress[] = "+15550003";

inline std::string Tmp(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

inline std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/" + path;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::chrono::system_clock::time_point Deadline(int seconds = 30) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

struct Child {
  std::string name;
  std::shared_ptr<ChildProcess> process;  // null when it did not start
  std::string stderr_path;
};

// Starts `binary` with stderr in a file and waits for its start-up line; the
// child dies with the test process (PR_SET_PDEATHSIG).
inline Child Spawn(const std::string& name, const std::string& binary,
            const std::vector<std::string>& flags) {
  Child c;
  c.name = name;
  c.stderr_path = Tmp(name + ".stderr");
  ChildProcessSpec spec;
  spec.name = name;
  spec.binary = binary;
  spec.args = flags;
  spec.stderr_path = c.stderr_path;
  spec.start_timeout = absl::Seconds(60);
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(spec);
  EXPECT_TRUE(started.ok()) << started.status();
  if (started.ok()) c.process = *std::move(started);
  return c;
}

// SIGTERM, SIGKILL after 10 s; the exit code (-1 if not running).
inline int Terminate(Child& c) {
  return c.process == nullptr ? -1 : c.process->Terminate(absl::Seconds(10));
}

class EcosystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // ---- TLS PKI (one dev root; CN = identity each service checks) ----
    auto root = MakeTestCa("SCT Lab e2e root");
    ASSERT_TRUE(root.ok()) << root.status();
    ASSERT_TRUE(WriteTestFile(Tmp("root.pem"), root->cert_pem).ok());
    for (const char* cn : {"credential-authority", "admin", "oem-a", "oem-b",
                           "relay", "channel", "car-1", "hotel-12"}) {
      auto c = IssueTestCert(*root, cn, {"localhost"}, {"127.0.0.1"});
      ASSERT_TRUE(c.ok()) << c.status();
      ASSERT_TRUE(
          WriteTestFile(Tmp(absl::StrCat(cn, ".pem")), c->cert_pem).ok());
      ASSERT_TRUE(
          WriteTestFile(Tmp(absl::StrCat(cn, ".key")), c->key_pem).ok());
    }
    // ---- OEM attestation roots (the authority trusts them) ----
    for (const char* oem : {"oem-a", "oem-b"}) {
      std::remove(Tmp(absl::StrCat(oem, "-att.key")).c_str());
      std::remove(Tmp(absl::StrCat(oem, "-att.pem")).c_str());
      auto att = oem::AttestationCa::LoadOrCreate(
          oem, Tmp(absl::StrCat(oem, "-att.key")),
          Tmp(absl::StrCat(oem, "-att.pem")), absl::Now());
      ASSERT_TRUE(att.ok()) << att.status();
    }
    for (const char* f : {"ca.db", "ca-signing.pem", "ca-signing.pem.root.pem",
                          "oem-a.db", "oem-b.db", "relay.db", "relay.db-wal",
                          "relay.db-shm", "alice.state", "bob.state"}) {
      std::remove(Tmp(f).c_str());
    }

    // ---- credential authority ----
    authority_ = Start("authority", "credential_authority/ca_server",
                       {"--listen=127.0.0.1:0", "--db_path=" + Tmp("ca.db"),
                        "--signing_key=" + Tmp("ca-signing.pem"),
                        "--tls_cert=" + Tmp("credential-authority.pem"),
                        "--tls_key=" + Tmp("credential-authority.key"),
                        "--tls_client_ca=" + Tmp("root.pem"),
                        "--oem_roots=oem-a=" + Tmp("oem-a-att.pem") +
                            ",oem-b=" + Tmp("oem-b-att.pem"),
                        "--admin_cn=admin"});
    ASSERT_FALSE(Grpc(authority_).empty()) << "authority did not start";
    auto admin_creds = LoadClientCredentials(
        {Tmp("root.pem"), Tmp("admin.pem"), Tmp("admin.key")});
    ASSERT_TRUE(admin_creds.ok()) << admin_creds.status();
    admin_ = cav1::CredentialAuthority::NewStub(
        grpc::CreateChannel(Grpc(authority_), *admin_creds));

    // ---- OEM servers ----
    for (const char* oem : {"oem-a", "oem-b"}) {
      Child p =
          Start(oem, "oem_server/oem_server",
                {absl::StrCat("--oem_id=", oem), "--listen=127.0.0.1:0",
                 "--db_path=" + Tmp(absl::StrCat(oem, ".db")),
                 "--attestation_ca_key=" + Tmp(absl::StrCat(oem, "-att.key")),
                 "--attestation_ca_cert=" + Tmp(absl::StrCat(oem, "-att.pem")),
                 "--ca_target=" + Grpc(authority_),
                 "--ca_tls_cert=" + Tmp(absl::StrCat(oem, ".pem")),
                 "--ca_tls_key=" + Tmp(absl::StrCat(oem, ".key")),
                 "--ca_tls_root=" + Tmp("root.pem"),
                 "--tls_cert=" + Tmp(absl::StrCat(oem, ".pem")),
                 "--tls_key=" + Tmp(absl::StrCat(oem, ".key")),
                 "--tls_client_ca=" + Tmp("root.pem"), "--relay_cn=relay"});
      ASSERT_FALSE(Grpc(p).empty()) << oem << " did not start";
      oem_address_[oem] = Grpc(p);
    }

    // ---- relay (pushes to each OEM's Notify over mutual TLS) ----
    relay_ = Start(
        "relay", "relay/relay_server",
        {"--http_listen=127.0.0.1:0", "--grpc_listen=127.0.0.1:0",
         "--store=sqlite", "--sqlite_path=" + Tmp("relay.db"),
         "--tls_cert=" + Tmp("relay.pem"), "--tls_key=" + Tmp("relay.key"),
         "--push_route=sct-push/oem-a=" + oem_address_["oem-a"] +
             ",sct-push/oem-b=" + oem_address_["oem-b"],
         "--push_ca_cert=" + Tmp("root.pem"),
         "--push_client_cert=" + Tmp("relay.pem"),
         "--push_client_key=" + Tmp("relay.key")});
    ASSERT_FALSE(Grpc(relay_).empty()) << "relay did not start";

    // ---- channel server ----
    channel_ =
        Start("channel", "channel/channel_server",
              {"--listen=127.0.0.1:0", "--tls_cert=" + Tmp("channel.pem"),
               "--tls_key=" + Tmp("channel.key"),
               "--preview_bot_ca=" + Tmp("root.pem")});
    ASSERT_FALSE(Grpc(channel_).empty()) << "channel did not start";
    auto plain_tls = LoadClientCredentials({Tmp("root.pem"), "", ""});
    ASSERT_TRUE(plain_tls.ok()) << plain_tls.status();
    channel_stub_ =
        chv1::Channel::NewStub(grpc::CreateChannel(Grpc(channel_), *plain_tls));

    // ---- access points: car-1, hotel-12 ----
    ASSERT_NO_FATAL_FAILURE(
        StartAccessPoint("car-1", ::common::v1::CAR, "car"));
    ASSERT_NO_FATAL_FAILURE(
        StartAccessPoint("hotel-12", ::common::v1::HOTEL_LOCK, "hotel_lock"));
    ap_stub_ = apv1::AccessPoint::NewStub(
        grpc::CreateChannel(ap_address_["car-1"], *plain_tls));

    // ---- devices ----
    alice_ = StartDevice("alice", "oem-a", kAliceAddress);
    ASSERT_FALSE(Grpc(alice_).empty()) << "alice did not start";
    bob_ = StartDevice("bob", "oem-b", kBobAddress);
    ASSERT_FALSE(Grpc(bob_).empty()) << "bob did not start";
    alice_stub_ = dv1::DeviceAgent::NewStub(
        grpc::CreateChannel(Grpc(alice_), grpc::InsecureChannelCredentials()));
    bob_stub_ = dv1::DeviceAgent::NewStub(
        grpc::CreateChannel(Grpc(bob_), grpc::InsecureChannelCredentials()));
  }

  void StartAccessPoint(const std::string& ap_id,
                        ::common::v1::AccessPointKind kind,
                        const std::string& kind_flag) {
    // The access point's HPKE key (for symmetric credentials).
    auto key =
        IssueTestCert(MakeTestCa("ap key holder").value(), "ap-hpke", {}, {});
    ASSERT_TRUE(key.ok()) << key.status();
    ASSERT_TRUE(WriteTestFile(Tmp(ap_id + "-hpke.key"), key->key_pem).ok());
    ASSERT_TRUE(WriteTestFile(Tmp(ap_id + "-hpke.pem"), key->cert_pem).ok());
    std::string spki = PublicSpkiOfCert(key->cert_pem);
    ASSERT_FALSE(spki.empty());

    cav1::RegisterAccessPointRequest reg;
    reg.mutable_access_point()->set_access_point_id(ap_id);
    reg.mutable_access_point()->set_kind(kind);
    reg.mutable_access_point()->set_display_name("test " + ap_id);
    reg.mutable_access_point()->set_public_key(spki);
    cav1::RegisterAccessPointResponse reg_resp;
    grpc::ClientContext c1;
    c1.set_deadline(Deadline());
    grpc::Status s = admin_->RegisterAccessPoint(&c1, reg, &reg_resp);
    ASSERT_TRUE(s.ok()) << "RegisterAccessPoint: " << s.error_message();

    cav1::GetAuthorityInfoResponse info;
    grpc::ClientContext c2;
    c2.set_deadline(Deadline());
    s = admin_->GetAuthorityInfo(&c2, {}, &info);
    ASSERT_TRUE(s.ok()) << "GetAuthorityInfo: " << s.error_message();
    ASSERT_TRUE(WriteTestFile(Tmp("authority-root.pem"),
                              DerToPem(info.root_certificate_der()))
                    .ok());

    Child ap = Start(ap_id, "access_point/access_point",
                     {"--listen=127.0.0.1:0", "--ap_id=" + ap_id,
                      "--kind=" + kind_flag, "--ca_target=" + Grpc(authority_),
                      "--ca_trust_anchor=" + Tmp("authority-root.pem"),
                      "--authority_id=" + info.authority_id(),
                      "--ca_tls_ca=" + Tmp("root.pem"),
                      "--ca_tls_cert=" + Tmp(ap_id + ".pem"),
                      "--ca_tls_key=" + Tmp(ap_id + ".key"),
                      "--tls_cert=" + Tmp(ap_id + ".pem"),
                      "--tls_key=" + Tmp(ap_id + ".key"),
                      "--ap_key=" + Tmp(ap_id + "-hpke.key"),
                      "--revocation_mode=watch", "--poll_interval=200ms"});
    ASSERT_FALSE(Grpc(ap).empty()) << ap_id << " did not start";
    ap_address_[ap_id] = Grpc(ap);
  }

  // Whether the devices reach the relay over the draft's HTTP API (HTTPS,
  // --relay_http_url) instead of its gRPC API.
  virtual bool DevicesUseHttpRelay() const { return false; }

  Child StartDevice(const std::string& name, const std::string& oem,
                    const std::string& address) {
    const std::string relay_flag =
        DevicesUseHttpRelay()
            ? "--relay_http_url=https://" + Listening(relay_, "http")
            : "--relay_grpc_target=" + Grpc(relay_);
    return Start(name, "device/device_agent",
                 {"--oem_id=" + oem, "--oem_target=" + oem_address_[oem],
                  relay_flag, "--channel_target=" + Grpc(channel_),
                  "--state_file=" + Tmp(name + ".state"),
                  "--address=" + address, "--listen=127.0.0.1:0",
                  "--device_id=" + name, "--tls_ca=" + Tmp("root.pem"),
                  "--poll_initial=200ms", "--poll_max=1s"});
  }

  static std::string DerToPem(const std::string& der) {
    auto cert = crypto::Certificate::FromDer(der);
    if (!cert.ok()) return "";
    auto pem = cert->ToPem();
    return pem.ok() ? *pem : "";
  }

  // SubjectPublicKeyInfo DER of a PEM certificate ("" on error).
  static std::string PublicSpkiOfCert(const std::string& cert_pem) {
    auto cert = crypto::Certificate::FromPem(cert_pem);
    if (!cert.ok()) return "";
    auto spki = cert->PublicKeySpkiDer();
    return spki.ok() ? *spki : "";
  }

  Child Start(const std::string& name, const std::string& runfile,
              const std::vector<std::string>& flags) {
    Child c = Spawn(name, Runfile(runfile), flags);
    children_.push_back(c);
    return c;
  }

  static std::string Grpc(const Child& c) { return Listening(c, "grpc"); }

  // The address of listener `kind` ("grpc", "http") from the start-up line.
  static std::string Listening(const Child& c, const std::string& kind) {
    if (c.process == nullptr) return "";
    auto it = c.process->listening().find(kind);
    return it == c.process->listening().end() ? "" : it->second;
  }

  void TearDown() override {
    // Reverse start order: devices first, authority last.
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      int code = Terminate(*it);
      if (HasFailure()) {
        std::cerr << "---- " << it->name << " exit " << code << " stderr:\n"
                  << ReadFile(it->stderr_path).substr(0, 4000) << "\n";
      }
    }
  }

  dv1::UseCredentialResponse Use(dv1::DeviceAgent::Stub& dev,
                                 const std::string& credential_id,
                                 const std::string& action,
                                 const std::string& ap_id = "car-1") {
    dv1::UseCredentialRequest req;
    req.set_credential_id(credential_id);
    req.set_access_point_address(ap_address_[ap_id]);
    req.set_action(action);
    dv1::UseCredentialResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = dev.UseCredential(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << "UseCredential " << action << ": "
                        << s.error_message();
    return resp;
  }

  // Enrols `dev` with its OEM; returns the OEM-assigned device id.
  std::string Enrol(dv1::DeviceAgent::Stub& dev) {
    dv1::EnrolResponse r;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = dev.Enrol(&ctx, {}, &r);
    EXPECT_TRUE(s.ok()) << "Enrol: " << s.error_message();
    return r.device_id();
  }

  // Makes `dev` (an oem-a device) the owner of `ap_id`: PrepareKey, admin
  // BootstrapOwner with the OEM's attestation, InstallCredential. Returns
  // the credential id ("" on failure, with a test failure recorded).
  std::string MakeOwner(dv1::DeviceAgent::Stub& dev, const std::string& ap_id,
                        ::common::v1::CredentialKind kind,
                        const std::vector<std::string>& entitlements) {
    dv1::PrepareKeyResponse key;
    {
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status s = dev.PrepareKey(&ctx, {}, &key);
      EXPECT_TRUE(s.ok()) << "PrepareKey: " << s.error_message();
      if (!s.ok()) return "";
    }
    cav1::BootstrapOwnerResponse owner;
    {
      cav1::BootstrapOwnerRequest req;
      req.set_request_id(NewUuidV4());
      req.set_access_point_id(ap_id);
      req.set_owner_label("e2e owner");
      req.set_oem_id(key.oem_id());
      req.set_holder_public_key(key.public_key());
      *req.mutable_holder_attestation() = key.attestation();
      req.set_kind(kind);
      for (const std::string& e : entitlements) req.add_entitlements(e);
      req.mutable_validity()->mutable_not_before()->set_seconds(
          absl::ToUnixSeconds(absl::Now() - absl::Minutes(10)));
      req.mutable_validity()->mutable_not_after()->set_seconds(
          absl::ToUnixSeconds(absl::Now() + absl::Hours(24)));
      req.set_resharing_allowed(true);
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status s = admin_->BootstrapOwner(&ctx, req, &owner);
      EXPECT_TRUE(s.ok()) << "BootstrapOwner: " << s.error_message();
      if (!s.ok()) return "";
    }
    dv1::InstallCredentialRequest req;
    req.set_key_id(key.key_id());
    *req.mutable_credential() = owner.credential();
    req.set_label("mine");
    dv1::InstallCredentialResponse r;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = dev.InstallCredential(&ctx, req, &r);
    EXPECT_TRUE(s.ok()) << "InstallCredential: " << s.error_message();
    return r.credential_id();
  }

  // Alice shares `credential` (`entitlements`) with bob over SMS, multi-round
  // with her own endorsement (auto_answer); bob accepts from his inbox. His
  // AcceptLink answer (a failed call adds a test failure and answers empty).
  dv1::AcceptLinkResponse ShareMultiRoundAndAccept(const std::string& credential,
                                                   const std::vector<std::string>& entitlements) {
    dv1::AcceptLinkResponse accepted;
    {
      dv1::ShareCredentialRequest req;
      req.set_request_id(NewUuidV4());
      req.set_credential_id(credential);
      for (const std::string& e : entitlements) req.add_entitlements(e);
      req.set_channel(::common::v1::SMS);
      req.set_from_address(kAliceAddress);
      req.set_to_address(kBobAddress);
      req.set_vertical(::common::v1::VERTICAL_CAR);
      req.set_multi_round(true);
      req.set_auto_answer(true);
      dv1::ShareCredentialResponse share;
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status s = alice_stub_->ShareCredential(&ctx, req, &share);
      EXPECT_TRUE(s.ok()) << "ShareCredential: " << s.error_message();
      if (!s.ok()) return accepted;
    }
    EXPECT_FALSE(WaitForLink(::common::v1::SMS, kBobAddress).empty());
    dv1::AcceptLinkRequest req;
    req.set_request_id(NewUuidV4());
    req.mutable_inbox()->set_channel(::common::v1::SMS);
    req.mutable_inbox()->set_address(kBobAddress);
    req.mutable_round_timeout()->set_seconds(30);
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline(60));
    grpc::Status s = bob_stub_->AcceptLink(&ctx, req, &accepted);
    EXPECT_TRUE(s.ok()) << "AcceptLink: " << s.error_message();
    return accepted;
  }

  // The newest link in an inbox (bounded wait; "" if none arrived).
  std::string WaitForLink(::common::v1::ChannelKind kind,
                          const std::string& address) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      chv1::ReceiveRequest req;
      req.set_kind(kind);
      req.set_address(address);
      chv1::ReceiveResponse r;
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status s = channel_stub_->Receive(&ctx, req, &r);
      EXPECT_TRUE(s.ok()) << "Receive: " << s.error_message();
      if (!s.ok()) return "";
      std::string link;
      for (const auto& m : r.messages()) {
        size_t at = m.body().find("https://");
        if (at != std::string::npos) link = m.body().substr(at);
      }
      if (!link.empty()) return link;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "";
  }

  // Waits (bounded, polling GetStatus) until `ap_id` holds `n` symmetric keys
  // (the authority's key grants reach access points asynchronously).
  void WaitForSymmetricKeys(const std::string& ap_id, uint64_t n) {
    auto tls = LoadClientCredentials({Tmp("root.pem"), "", ""});
    ASSERT_TRUE(tls.ok()) << tls.status();
    auto stub = apv1::AccessPoint::NewStub(
        grpc::CreateChannel(ap_address_[ap_id], *tls));
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (true) {
      apv1::GetStatusResponse st;
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status s = stub->GetStatus(&ctx, {}, &st);
      ASSERT_TRUE(s.ok()) << "GetStatus: " << s.error_message();
      if (st.symmetric_key_count() >= n) return;
      ASSERT_LT(absl::Now(), deadline)
          << ap_id << " holds " << st.symmetric_key_count() << " keys, want "
          << n;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  std::vector<Child> children_;
  Child authority_, relay_, channel_, alice_, bob_;
  std::map<std::string, std::string> ap_address_;
  std::map<std::string, std::string> oem_address_;
  std::unique_ptr<cav1::CredentialAuthority::Stub> admin_;
  std::unique_ptr<chv1::Channel::Stub> channel_stub_;
  std::unique_ptr<apv1::AccessPoint::Stub> ap_stub_;
  std::unique_ptr<dv1::DeviceAgent::Stub> alice_stub_, bob_stub_;
};


}  // namespace sct::e2e

#endif  // SCT_TESTS_E2E_ECOSYSTEM_FIXTURE_H_
