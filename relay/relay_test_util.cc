#include "relay/relay_test_util.h"

#include <openssl/rand.h>

#include <atomic>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/base64.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "relay/memory_mailbox_store.h"
#include "relay/sqlite_mailbox_store.h"

namespace sct::relay::testing {

using Json = nlohmann::json;

std::string StoreKindName(StoreKind kind) {
  return kind == StoreKind::kMemory ? "memory" : "sqlite";
}

std::unique_ptr<MailboxStore> MakeTestStore(StoreKind kind) {
  if (kind == StoreKind::kMemory) return std::make_unique<MemoryMailboxStore>();
  static std::atomic<int> counter{0};
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp ? tmp : "/tmp", "/relay-", ::getpid(), "-",
                                  counter.fetch_add(1), "-", NewUuidV4(), ".db");
  auto store = SqliteMailboxStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  return std::move(*store);
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0) RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
  return out;
}

Json CreateBody(size_t data_bytes) {
  return Json{
      {"payload", {{"type", "AEAD_AES_128_GCM"}, {"data", Base64Encode(RandomBytes(data_bytes))}}},
      {"displayInformation",
       {{"title", "Car key"}, {"description", "Blue car"}, {"imageURL", "https://i.example/c.png"}}},
  };
}

TestRelay::TestRelay(StoreKind kind, RelayLimits limits, int threads) {
  store = MakeTestStore(kind);
  service = std::make_unique<MailboxService>(store.get(), &clock, &push,
                                             "https://relay.example", limits);
  RelayHttpOptions options;
  options.threads = threads;
  auto server = RelayHttpServer::Start(service.get(), &metrics, options);
  EXPECT_TRUE(server.ok()) << server.status();
  if (server.ok()) http = std::move(*server);
}

TestRelay::~TestRelay() {
  if (http) http->Stop();
}

std::string Answer::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string Answer::error_code() const {
  if (!json.is_object() || !json.contains("error") || !json["error"].is_object()) return "";
  const Json& e = json["error"];
  return e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>() : "";
}

std::string Answer::error_message() const {
  if (!json.is_object() || !json.contains("error") || !json["error"].is_object()) return "";
  const Json& e = json["error"];
  return e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>()
                                                           : "";
}

Client::Client(int port) : client_("127.0.0.1", port) {
  client_.set_read_timeout(30, 0);
}

Answer Client::Call(const std::string& method, const std::string& path,
                    const httplib::Headers& h, const std::string& body) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers = h;
  req.body = body;
  if (!body.empty() && !req.has_header("Content-Type")) {
    req.set_header("Content-Type", "application/json");
  }
  Answer a;
  httplib::Result r = client_.send(req);
  if (!r) return a;
  a.status = r->status;
  a.body = r->body;
  a.headers = r->headers;
  a.json = Json::parse(a.body, nullptr, false);
  return a;
}

Answer Client::Call(const std::string& method, const std::string& path,
                    const std::string& claim, const std::string& request_id,
                    const std::string& body) {
  httplib::Headers h;
  if (!claim.empty()) h.emplace("Mailbox-Device-Claim", claim);
  if (!request_id.empty()) {
    h.emplace("Mailbox-Request-ID", request_id == "new" ? NewUuidV4() : request_id);
  }
  return Call(method, path, h, body);
}

Answer Client::Create(const std::string& claim, const Json& body,
                      const std::string& request_id) {
  return Call("POST", "/v1/m", claim, request_id, body.dump());
}
Answer Client::Read(const std::string& id, const std::string& claim,
                    const std::string& request_id) {
  return Call("POST", "/v1/m/" + id, claim, request_id, "");
}
Answer Client::Update(const std::string& id, const std::string& claim, const Json& body,
                      const std::string& request_id) {
  return Call("PUT", "/v1/m/" + id, claim, request_id, body.dump());
}
Answer Client::Delete(const std::string& id, const std::string& claim,
                      const std::string& request_id) {
  return Call("DELETE", "/v1/m/" + id, claim, request_id, "");
}
Answer Client::Relinquish(const std::string& id, const std::string& claim,
                          const std::string& request_id) {
  return Call("PATCH", "/v1/m/" + id, claim, request_id, "");
}
Answer Client::Preview(const std::string& id) {
  return Call("GET", "/v1/m/" + id, httplib::Headers(), "");
}

std::string IdFromUrl(const std::string& url_link) {
  const size_t slash = url_link.rfind('/');
  return slash == std::string::npos ? url_link : url_link.substr(slash + 1);
}

}  // namespace sct::relay::testing
