#include "relay/grpc_push_notifier.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/host_port.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"

namespace sct::relay {

absl::StatusOr<std::map<std::string, std::string>> ParsePushRoutes(
    const std::vector<std::string>& entries) {
  std::map<std::string, std::string> routes;
  for (const std::string& entry : entries) {
    for (absl::string_view item : absl::StrSplit(entry, ',', absl::SkipWhitespace())) {
      item = absl::StripAsciiWhitespace(item);
      const size_t eq = item.find('=');
      if (eq == absl::string_view::npos || eq == 0) {
        return InvalidField("--push_route",
                            absl::StrCat("\"", item, "\" is not TYPE=HOST:PORT"));
      }
      const std::string type(item.substr(0, eq));
      ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(item.substr(eq + 1), "--push_route"));
      if (hp.port == 0) return InvalidField("--push_route", "port 0 is not a push endpoint");
      if (!routes.emplace(type, hp.ToString()).second) {
        return InvalidField("--push_route", absl::StrCat("type \"", type, "\" given twice"));
      }
    }
  }
  return routes;
}

std::unique_ptr<GrpcPushNotifier> GrpcPushNotifier::Create(
    const std::map<std::string, std::string>& routes,
    std::shared_ptr<grpc::ChannelCredentials> credentials, absl::Duration timeout,
    ChannelFactory make_channel) {
  if (credentials == nullptr) credentials = grpc::InsecureChannelCredentials();
  StubMap stubs;
  for (const auto& [type, target] : routes) {
    stubs.emplace(type, ::oem::v1::Oem::NewStub(make_channel ? make_channel(type, target, credentials)
                                                             : grpc::CreateChannel(target, credentials)));
  }
  return std::make_unique<GrpcPushNotifier>(std::move(stubs), timeout);
}

bool GrpcPushNotifier::Supports(absl::string_view type) const {
  return stubs_.find(std::string(type)) != stubs_.end();
}

// One push under way: what the callback API needs alive until it answers.
struct GrpcPushNotifier::Call {
  grpc::ClientContext context;
  ::oem::v1::NotifyRequest request;
  ::oem::v1::NotifyResponse response;
  Done done;
};

void GrpcPushNotifier::Notify(const NotificationToken& token, absl::string_view mailbox_id,
                              Done done) {
  auto it = stubs_.find(token.type);
  if (it == stubs_.end()) {
    done(MakeError(absl::StatusCode::kNotFound, "no_push_route",
                   absl::StrCat("notificationToken.type: no push route for \"", token.type,
                                "\"")));
    return;
  }
  bool room = false;
  {
    absl::MutexLock lock(&mu_);
    room = in_flight_ < max_in_flight_;
    if (room) ++in_flight_;
  }
  if (!room) {
    done(MakeError(absl::StatusCode::kResourceExhausted, "push_backlog",
                   absl::StrCat(max_in_flight_, " pushes are already under way")));
    return;
  }
  auto* call = new Call;
  call->done = std::move(done);
  call->context.set_deadline(std::chrono::system_clock::now() +
                             absl::ToChronoMilliseconds(timeout_));
  call->request.set_token_type(token.type);
  call->request.set_token_data(token.token_data);
  call->request.set_mailbox_id(std::string(mailbox_id));
  it->second->async()->Notify(&call->context, &call->request, &call->response,
                              [this, call](grpc::Status status) { Finish(call, status); });
}

void GrpcPushNotifier::Finish(Call* call, const grpc::Status& status) {
  absl::Status outcome;
  if (!status.ok()) {
    outcome = FromGrpcStatus(status);
  } else if (!call->response.accepted()) {
    outcome = MakeError(absl::StatusCode::kNotFound, "push_not_accepted",
                        "notificationToken: the OEM did not accept the push");
  }
  Done done = std::move(call->done);
  delete call;
  done(std::move(outcome));
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

void GrpcPushNotifier::Drain() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
}

}  // namespace sct::relay
