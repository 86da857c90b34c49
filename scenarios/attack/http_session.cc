#include "scenarios/attack/http_session.h"

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "httplib.h"

namespace sct::scenarios::attack {

struct HttpSession::Impl {
  std::unique_ptr<httplib::Client> client;
  std::string init_error;
};

HttpSession::HttpSession(const std::string& base_url, const std::string& ca_file)
    : impl_(std::make_unique<Impl>()) {
  std::string origin = base_url;
  while (!origin.empty() && origin.back() == '/') origin.pop_back();
  impl_->client = std::make_unique<httplib::Client>(origin);
  if (!impl_->client->is_valid()) {
    impl_->init_error = absl::StrCat("bad relay URL ", origin);
    return;
  }
  impl_->client->set_connection_timeout(5, 0);
  impl_->client->set_read_timeout(10, 0);
  impl_->client->set_keep_alive(true);
  if (absl::StartsWith(origin, "https://")) {
    impl_->client->enable_server_certificate_verification(true);
    if (!ca_file.empty()) impl_->client->set_ca_cert_path(ca_file.c_str());
  }
}

HttpSession::~HttpSession() = default;

HttpAnswer HttpSession::Call(const std::string& method, const std::string& path,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpAnswer answer;
  if (!impl_->init_error.empty()) {
    answer.error = impl_->init_error;
    return answer;
  }
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  httplib::Result result = method == "GET"
                               ? impl_->client->Get(path.c_str(), h)
                               : impl_->client->Post(path.c_str(), h, "", "application/json");
  if (!result) {
    answer.error = httplib::to_string(result.error());
    return answer;
  }
  answer.status = result->status;
  answer.body = result->body;
  return answer;
}

absl::StatusOr<RelayHttp> RelayHttpOf(RunContext& ctx) {
  const Service* relay = ctx.eco == nullptr ? nullptr : ctx.eco->Find("relay");
  if (relay == nullptr) {
    return MakeError(absl::StatusCode::kNotFound, "service_not_found",
                     "the topology has no service \"relay\"");
  }
  if (relay->http_url.empty()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "no_http_url",
                     "relay: no HTTP URL known");
  }
  RelayHttp out;
  out.url = relay->http_url;
  if (relay->attached && ctx.scenario != nullptr &&
      !ctx.scenario->topology().relay().attach().ca_cert_file().empty()) {
    out.ca_file = ctx.scenario->topology().relay().attach().ca_cert_file();
  } else {
    out.ca_file = ctx.eco->pki().root_cert;
    if (absl::StartsWith(out.ca_file, "-----BEGIN")) {
      // PEM text rather than a path: write it where httplib can read it.
      const std::string path =
          absl::StrCat(ctx.work_dir.empty() ? "/tmp" : ctx.work_dir, "/attack-root-ca.pem");
      std::ofstream(path, std::ios::binary) << out.ca_file;
      out.ca_file = path;
    }
  }
  return out;
}

}  // namespace sct::scenarios::attack
