// Push end to end inside one process: the HTTP relay with a GrpcPushNotifier
// routed to a fake oem.v1.Oem server on 127.0.0.1:0. When one bound party
// changes the mailbox, the other party's OEM receives Notify with only the
// token and the mailbox id.
#include <memory>
#include <string>
#include <vector>

#include "common/uuid.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/oem/v1/oem.grpc.pb.h"
#include "relay/fake_oem_push_endpoint.h"
#include "relay/grpc_push_notifier.h"
#include "relay/relay_test_util.h"

namespace sct::relay {
namespace {

using testing::Answer;
using testing::Client;
using testing::CreateBody;
using testing::IdFromUrl;
using testing::MakeTestStore;
using testing::StoreKind;
using Json = nlohmann::json;

TEST(RelayPushTest, TheOtherPartysOemIsNotified) {
  FakeOemPushEndpoint oem;
  int oem_port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &oem_port);
  builder.RegisterService(&oem);
  std::unique_ptr<grpc::Server> oem_server = builder.BuildAndStart();
  ASSERT_NE(oem_server, nullptr);

  auto routes = ParsePushRoutes({"oem-a=127.0.0.1:" + std::to_string(oem_port)});
  ASSERT_TRUE(routes.ok()) << routes.status();
  std::unique_ptr<GrpcPushNotifier> push = GrpcPushNotifier::Create(*routes, nullptr);

  FakeClock clock;
  std::unique_ptr<MailboxStore> store = MakeTestStore(StoreKind::kMemory);
  RelayMetrics metrics;
  MailboxService service(store.get(), &clock, push.get(), "https://relay.example",
                         RelayLimits());
  auto http = RelayHttpServer::Start(&service, &metrics, RelayHttpOptions());
  ASSERT_TRUE(http.ok()) << http.status();
  Client c((*http)->port());

  const std::string sender = NewUuidV4(), receiver = NewUuidV4();
  Json body = CreateBody();
  body["mailboxConfiguration"] = {{"accessRights", "RWD"}};
  body["notificationToken"] = {{"type", "oem-a"}, {"tokenData", "sender-opaque"}};
  Answer created = c.Create(sender, body);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_TRUE(created.json["isPushNotificationSupported"].get<bool>());
  const std::string id = IdFromUrl(created.json["urlLink"].get<std::string>());

  // An unrouted type is not supported.
  Json other = CreateBody();
  other["notificationToken"] = {{"type", "oem-z"}, {"tokenData", "x"}};
  EXPECT_FALSE(c.Create(NewUuidV4(), other).json["isPushNotificationSupported"].get<bool>());

  Json read_body = {{"notificationToken", {{"type", "oem-a"}, {"tokenData", "receiver-opaque"}}}};
  ASSERT_EQ(c.Call("POST", "/v1/m/" + id, receiver, "new", read_body.dump()).status, 200);
  ASSERT_EQ(c.Update(id, receiver, CreateBody()).status, 200);  // -> push to the sender
  push->Drain();  // pushes go out after the answer: wait for this one
  ASSERT_EQ(c.Update(id, sender, CreateBody()).status, 200);    // -> push to the receiver
  push->Drain();

  std::vector<::oem::v1::NotifyRequest> seen = oem.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].token_type(), "oem-a");
  EXPECT_EQ(seen[0].token_data(), "sender-opaque");
  EXPECT_EQ(seen[0].mailbox_id(), id);
  EXPECT_EQ(seen[1].token_data(), "receiver-opaque");
  EXPECT_EQ(service.stats().push_sent, 2);

  (*http)->Stop();
  oem_server->Shutdown();
}

}  // namespace
}  // namespace sct::relay
