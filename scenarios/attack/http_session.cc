#include "scenarios/attack/http_session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "httplib.h"
#include "runtime/source_address.h"

namespace sct::scenarios::attack {

struct HttpSession::Impl {
  std::unique_ptr<httplib::Client> client;
  std::string init_error;
  std::string source_address;
  // errno of the last failed bind to source_address (0: none since the last
  // call); set by the socket-options callback on the calling thread.
  std::atomic<int> bind_errno{0};
};

HttpSession::HttpSession(const std::string& base_url, const std::string& ca_file,
                         const std::string& source_address)
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
  if (!source_address.empty()) {
    impl_->source_address = source_address;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (inet_pton(AF_INET, source_address.c_str(), &local.sin_addr) != 1) {
      impl_->init_error = absl::StrCat("source address ", source_address, ": not an IPv4 address");
      return;
    }
    Impl* impl = impl_.get();
    impl_->client->set_socket_options([local, impl](int sock) {
      if (bind(sock, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) == 0) return;
      impl->bind_errno = errno;
      // Put an unconnectable socket in the descriptor's place so that the
      // connect httplib makes next fails instead of silently binding to an
      // address of the kernel's choice.
      const int dead = socket(AF_UNIX, SOCK_STREAM, 0);
      if (dead >= 0) {
        (void)dup2(dead, sock);
        close(dead);
      }
    });
  }
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
  impl_->bind_errno = 0;
  httplib::Result result = method == "GET"
                               ? impl_->client->Get(path.c_str(), h)
                               : impl_->client->Post(path.c_str(), h, "", "application/json");
  if (const int e = impl_->bind_errno.exchange(0); e != 0) {
    answer.error = absl::StrCat("bind to source address ", impl_->source_address,
                                " failed: ", std::strerror(e));
    return answer;
  }
  if (!result) {
    answer.error = httplib::to_string(result.error());
    return answer;
  }
  answer.status = result->status;
  answer.body = result->body;
  return answer;
}

bool IsLoopbackIpv4Url(const std::string& url) {
  absl::string_view rest = url;
  const size_t scheme = rest.find("://");
  if (scheme != absl::string_view::npos) rest.remove_prefix(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  rest = rest.substr(0, rest.find(':'));  // IPv6 literals ("[::1]") are not IPv4
  return sct::IsLoopbackIpv4(rest);
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
