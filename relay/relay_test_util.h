// Test helpers for the relay's transport tests: a real store in TEST_TMPDIR,
// a full in-process relay (FakeClock, MailboxService, HTTP server on port 0),
// and a small HTTP client that speaks the draft's headers. testonly.
#ifndef SCT_RELAY_RELAY_TEST_UTIL_H_
#define SCT_RELAY_RELAY_TEST_UTIL_H_

#include <memory>
#include <string>

#include "common/clock.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "relay/mailbox_service.h"
#include "relay/mailbox_store.h"
#include "relay/fake_push_notifier.h"
#include "relay/metrics.h"
#include "relay/relay_http.h"

namespace sct::relay::testing {

enum class StoreKind { kMemory, kSqlite };
std::string StoreKindName(StoreKind kind);

// A fresh store; sqlite files get a unique name under TEST_TMPDIR.
std::unique_ptr<MailboxStore> MakeTestStore(StoreKind kind);

// `n` random bytes (test data standing in for IV ‖ ciphertext ‖ tag).
std::string RandomBytes(size_t n);

// A create-mailbox JSON body with a payload of `data_bytes` random bytes.
nlohmann::json CreateBody(size_t data_bytes = 64);

// A relay on 127.0.0.1:0 with a FakeClock.
struct TestRelay {
  explicit TestRelay(StoreKind kind, RelayLimits limits = RelayLimits(), int threads = 16);
  ~TestRelay();
  FakeClock clock;
  std::unique_ptr<MailboxStore> store;
  FakePushNotifier push{{"fake-oem"}};
  RelayMetrics metrics;
  std::unique_ptr<MailboxService> service;
  std::unique_ptr<RelayHttpServer> http;
};

// An HTTP answer with the body parsed as JSON when it is JSON.
struct Answer {
  int status = 0;  // 0: the connection failed
  std::string body;
  nlohmann::json json;  // discarded if the body is not JSON
  httplib::Headers headers;
  std::string header(const std::string& name) const;
  std::string error_code() const;     // json.error.code or ""
  std::string error_message() const;  // json.error.message or ""
};

class Client {
 public:
  explicit Client(int port);
  // One request. Empty `claim` / `request_id` omit the header; a request id
  // of "new" sends a fresh UUID.
  Answer Call(const std::string& method, const std::string& path,
              const std::string& claim = "", const std::string& request_id = "new",
              const std::string& body = "");
  Answer Call(const std::string& method, const std::string& path, const httplib::Headers& h,
              const std::string& body);

  // Convenience wrappers for the draft's operations.
  Answer Create(const std::string& claim, const nlohmann::json& body,
                const std::string& request_id = "new");
  Answer Read(const std::string& id, const std::string& claim,
              const std::string& request_id = "new");
  Answer Update(const std::string& id, const std::string& claim, const nlohmann::json& body,
                const std::string& request_id = "new");
  Answer Delete(const std::string& id, const std::string& claim,
                const std::string& request_id = "new");
  Answer Relinquish(const std::string& id, const std::string& claim,
                    const std::string& request_id = "new");
  Answer Preview(const std::string& id);

 private:
  httplib::Client client_;
};

// The mailbox id at the end of a urlLink.
std::string IdFromUrl(const std::string& url_link);

}  // namespace sct::relay::testing

#endif  // SCT_RELAY_RELAY_TEST_UTIL_H_
