// Who may call Audit and SimControl on the relay, the channel server, the
// device agent and the access point, each started as a real process with TLS
// and --sim_control (docs/sim.md, "Who may call Audit and SimControl"):
// - with --tls_client_ca, only a caller presenting the "admin" certificate
//   is served; a valid certificate with another CN, and no certificate at
//   all, get PERMISSION_DENIED "not_admin" (from a loopback address);
// - with TLS but no client CA nobody can present the admin certificate, so
//   every caller is refused, loopback or not.
// Without TLS the loopback rule holds (sim/sim_test.cc covers it).
#include <cstdlib>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/common/v1/audit.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "runtime/child_process.h"
#include "runtime/test_certs.h"
#include "runtime/tls.h"

namespace sct {
namespace {

namespace cv1 = ::common::v1;

std::string Tmp(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

// One service binary and the flags it needs to start alone on loopback.
struct Service {
  std::string name;
  std::string runfile;
  std::vector<std::string> args;
};

void PrintTo(const Service& service, std::ostream* os) { *os << service.name; }

std::vector<Service> Services() {
  return {
      {"relay",
       "relay/relay_server",
       {"--store=memory", "--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:0"}},
      {"channel", "channel/channel_server", {"--listen=127.0.0.1:0"}},
      {"device",
       "device/device_agent",
       {"--oem_id=oem-a", "--oem_target=127.0.0.1:1", "--relay_grpc_target=127.0.0.1:1",
        "--enrol_at_start=false", "--no_push", "--listen=127.0.0.1:0"}},
      {"access_point",
       "access_point/access_point",
       {"--ap_id=door-1", "--kind=door", "--ca_target=127.0.0.1:1",
        "--ca_trust_anchor=" + Tmp("ca.pem"), "--listen=127.0.0.1:0",
        // Devices present no certificate to an access point.
        "--tls_require_client_cert=false"}},
  };
}

// The dev PKI in miniature: a CA, the service's certificate and two client
// identities, written once for every test.
class AdminFaceTest : public ::testing::TestWithParam<Service> {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TestCert> ca = MakeTestCa("Admin Face Test CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ASSERT_TRUE(WriteTestFile(Tmp("ca.pem"), ca->cert_pem).ok());
    auto issue = [&](const std::string& cn, std::vector<std::string> dns,
                     std::vector<std::string> ips) {
      absl::StatusOr<TestCert> cert = IssueTestCert(*ca, cn, dns, ips);
      ASSERT_TRUE(cert.ok()) << cert.status();
      ASSERT_TRUE(WriteTestFile(Tmp(cn + ".pem"), cert->cert_pem).ok());
      ASSERT_TRUE(WriteTestFile(Tmp(cn + ".key"), cert->key_pem).ok());
    };
    issue("server", {"localhost"}, {"127.0.0.1"});
    issue("admin", {}, {});
    issue("mallory", {}, {});
  }

  // Starts the service with TLS, --sim_control and, if asked, a client CA.
  void Start(bool client_ca) {
    const Service& service = GetParam();
    ChildProcessSpec spec;
    spec.name = service.name;
    spec.binary = std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/" + service.runfile;
    spec.args = service.args;
    spec.args.push_back("--tls_cert=" + Tmp("server.pem"));
    spec.args.push_back("--tls_key=" + Tmp("server.key"));
    if (client_ca) spec.args.push_back("--tls_client_ca=" + Tmp("ca.pem"));
    spec.args.push_back("--sim_control");
    spec.start_timeout = absl::Seconds(30);
    absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(spec);
    ASSERT_TRUE(started.ok()) << started.status();
    process_ = *std::move(started);
    auto it = process_->listening().find("grpc");
    ASSERT_NE(it, process_->listening().end()) << process_->listening_line();
    address_ = it->second;
  }

  // A TLS channel presenting `identity`'s certificate ("" presents none).
  std::shared_ptr<grpc::Channel> ChannelAs(const std::string& identity) {
    TlsClientFiles files;
    files.ca_file = Tmp("ca.pem");
    if (!identity.empty()) {
      files.cert_file = Tmp(identity + ".pem");
      files.key_file = Tmp(identity + ".key");
    }
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds = LoadClientCredentials(files);
    EXPECT_TRUE(creds.ok()) << creds.status();
    return grpc::CreateChannel(address_, *creds);
  }

  static grpc::ClientContext* WithDeadline(grpc::ClientContext* ctx) {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  absl::Status GetTrace(const std::shared_ptr<grpc::Channel>& channel) {
    grpc::ClientContext ctx;
    cv1::GetTraceResponse response;
    return FromGrpcStatus(
        cv1::Audit::NewStub(channel)->GetTrace(WithDeadline(&ctx), {}, &response));
  }

  absl::Status SetClock(const std::shared_ptr<grpc::Channel>& channel) {
    grpc::ClientContext ctx;
    cv1::SetClockResponse response;
    return FromGrpcStatus(
        cv1::SimControl::NewStub(channel)->SetClock(WithDeadline(&ctx), {}, &response));
  }

  void ExpectRefused(const std::string& identity) {
    std::shared_ptr<grpc::Channel> channel = ChannelAs(identity);
    const std::string who = identity.empty() ? "no certificate" : identity;
    for (const absl::Status& s : {GetTrace(channel), SetClock(channel)}) {
      EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << who << ": " << s;
      EXPECT_EQ(ReasonOf(s), "not_admin") << who << ": " << s;
    }
  }

  std::unique_ptr<ChildProcess> process_;
  std::string address_;
};

TEST_P(AdminFaceTest, WithAClientCaOnlyTheAdminCertificateIsServed) {
  ASSERT_NO_FATAL_FAILURE(Start(/*client_ca=*/true));
  std::shared_ptr<grpc::Channel> admin = ChannelAs("admin");
  EXPECT_TRUE(GetTrace(admin).ok()) << GetTrace(admin);
  EXPECT_TRUE(SetClock(admin).ok()) << SetClock(admin);
  ExpectRefused("mallory");
  ExpectRefused("");
}

TEST_P(AdminFaceTest, WithTlsButNoClientCaALoopbackCallerIsRefused) {
  ASSERT_NO_FATAL_FAILURE(Start(/*client_ca=*/false));
  ExpectRefused("");
}

INSTANTIATE_TEST_SUITE_P(Services, AdminFaceTest, ::testing::ValuesIn(Services()),
                         [](const ::testing::TestParamInfo<Service>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace sct
