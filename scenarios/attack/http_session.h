// The relay's HTTP face as an adversary sees it: a keep-alive HTTP(S) client
// of one origin (preview fetches, mailbox-id guesses) and where the relay's
// HTTP URL and CA come from. Internal to scenarios/attack; the only place in
// it that uses cpp-httplib.
//
// Thread safety: an HttpSession is used by one thread at a time (a tap
// thread or the engine's); RelayHttpOf runs on the engine's thread.
// Errors: HttpSession reports transport failures as status 0 with `error`;
// RelayHttpOf: NOT_FOUND "service_not_found" when the topology has no relay,
// FAILED_PRECONDITION "no_http_url" when its HTTP URL is unknown.
#ifndef SCT_SCENARIOS_ATTACK_HTTP_SESSION_H_
#define SCT_SCENARIOS_ATTACK_HTTP_SESSION_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "scenarios/engine/run_context.h"

namespace sct::scenarios::attack {

// An HTTP answer (status 0: transport failure, `error` says why).
struct HttpAnswer {
  int status = 0;
  std::string error;
  std::string body;
};

// Keep-alive HTTP(S) client of one origin (http:// or https://, trusting
// `ca_file` for https; 5 s to connect, 10 s to read). With a
// `source_address` (an IPv4 literal, e.g. the address plan's 127.1.0.2)
// every connection is bound to it before connecting; a bad address or a
// failed bind fails the call (status 0, `error` names the address) rather
// than connecting from another address.
class HttpSession {
 public:
  HttpSession(const std::string& base_url, const std::string& ca_file,
              const std::string& source_address = "");
  ~HttpSession();
  // method: "GET" or "POST" (POST sends an empty JSON body).
  HttpAnswer Call(const std::string& method, const std::string& path,
                  const std::vector<std::pair<std::string, std::string>>& headers);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether `url`'s host is an IPv4 literal in 127.0.0.0/8 (so that a client
// bound to another loopback address can reach it and be told apart).
bool IsLoopbackIpv4Url(const std::string& url);

// The relay's HTTP base URL and the CA file to trust for it.
struct RelayHttp {
  std::string url;
  std::string ca_file;
};

// An attached relay's own ca_cert_file, else the dev root (written to
// WORK/attack-root-ca.pem when the ecosystem holds it as PEM text).
absl::StatusOr<RelayHttp> RelayHttpOf(RunContext& ctx);

}  // namespace sct::scenarios::attack

#endif  // SCT_SCENARIOS_ATTACK_HTTP_SESSION_H_
