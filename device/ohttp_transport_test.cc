// OhttpTransport against an in-process oblivious relay + gateway (cpp-httplib
// on a loopback port 0, a generated gateway key): a sealed answer comes back
// decoded, and an envelope that carries no sealed answer is a clear error.
#include "device/ohttp_transport.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/bhttp.h"
#include "common/errors.h"
#include "crypto/ohttp.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace sct::device {
namespace {

namespace ohttp = ::sct::crypto::ohttp;

// What the fake oblivious relay answers: a sealed Binary HTTP response to
// the request it opened, or a fixed status with no body.
struct Script {
  int status = 200;
  bool sealed = true;
};

class OhttpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ohttp::Gateway> gateway = ohttp::Gateway::Generate(1);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::make_unique<ohttp::Gateway>(*std::move(gateway));
    absl::StatusOr<std::string> keys = gateway_->EncodedKeyConfigs();
    ASSERT_TRUE(keys.ok());
    const char* tmp = std::getenv("TEST_TMPDIR");
    keys_file_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/ohttp_transport_test.keys";
    std::ofstream(keys_file_, std::ios::binary) << *keys;
    server_.Post("/relay", [this](const httplib::Request& req, httplib::Response& res) {
      const Script script = CurrentScript();
      res.status = script.status;
      if (!script.sealed) return;
      absl::StatusOr<ohttp::DecapsulatedRequest> opened = gateway_->DecapsulateRequest(req.body);
      if (!opened.ok()) {
        res.status = 400;
        return;
      }
      bhttp::Response inner;
      inner.status = 404;
      inner.headers = {{"mailbox-request-id", "aaaaaaaa-0000-4000-8000-000000000001"}};
      inner.content = R"({"error":{"code":"mailbox_not_found","message":"gone"}})";
      absl::StatusOr<std::string> encoded = bhttp::EncodeResponse(inner);
      absl::StatusOr<std::string> sealed =
          opened->context.EncapsulateResponse(encoded.ok() ? *encoded : "");
      res.set_content(sealed.ok() ? *sealed : "", ohttp::kResponseMediaType);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }

  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  absl::StatusOr<InnerResponse> Exchange() {
    OhttpTransportOptions options;
    options.relay_url = "http://127.0.0.1:" + std::to_string(port_) + "/relay";
    options.keys_file = keys_file_;
    absl::StatusOr<std::unique_ptr<OhttpTransport>> transport =
        OhttpTransport::Create(std::move(options));
    if (!transport.ok()) return transport.status();
    InnerRequest request;
    request.method = "POST";
    request.scheme = "http";
    request.authority = "relay.test:80";
    request.path = "/v1/m/x";
    return (*transport)->Exchange(request);
  }

  // The server thread reads the script the test body sets: under a mutex
  // (the socket in between is not a hand-off ThreadSanitizer sees).
  void SetScript(Script script) {
    absl::MutexLock lock(&mu_);
    script_ = script;
  }
  Script CurrentScript() {
    absl::MutexLock lock(&mu_);
    return script_;
  }

  std::unique_ptr<ohttp::Gateway> gateway_;
  std::string keys_file_;
  absl::Mutex mu_;
  Script script_ ABSL_GUARDED_BY(mu_);
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(OhttpTransportTest, TheSealedAnswerComesBackDecoded) {
  absl::StatusOr<InnerResponse> answer = Exchange();
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->status, 404);
  EXPECT_EQ(answer->body, R"({"error":{"code":"mailbox_not_found","message":"gone"}})");
}

TEST_F(OhttpTransportTest, AnEnvelopeWithoutASealedAnswerIsABadAnswer) {
  SetScript(Script{204, false});
  absl::StatusOr<InnerResponse> answer = Exchange();
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kInternal) << answer.status();
  EXPECT_EQ(ReasonOf(answer.status()), "bad_relay_response") << answer.status();
}

TEST_F(OhttpTransportTest, TheObliviousRelaysOwnErrorIsKept) {
  SetScript(Script{429, false});
  absl::StatusOr<InnerResponse> answer = Exchange();
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kResourceExhausted) << answer.status();
}

}  // namespace
}  // namespace sct::device
