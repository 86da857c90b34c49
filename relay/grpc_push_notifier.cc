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

absl::Status GrpcPushNotifier::Notify(const NotificationToken& token,
                                      absl::string_view mailbox_id) {
  auto it = stubs_.find(token.type);
  if (it == stubs_.end()) {
    return MakeError(absl::StatusCode::kNotFound, "no_push_route",
                     absl::StrCat("notificationToken.type: no push route for \"", token.type,
                                  "\""));
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout_));
  ::oem::v1::NotifyRequest request;
  request.set_token_type(token.type);
  request.set_token_data(token.token_data);
  request.set_mailbox_id(std::string(mailbox_id));
  ::oem::v1::NotifyResponse response;
  grpc::Status status = it->second->Notify(&ctx, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  if (!response.accepted()) {
    return MakeError(absl::StatusCode::kNotFound, "push_not_accepted",
                     "notificationToken: the OEM did not accept the push");
  }
  return absl::OkStatus();
}

}  // namespace sct::relay
