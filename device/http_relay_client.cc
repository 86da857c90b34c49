#include "device/http_relay_client.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base64.h"
#include "common/draft_http.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "device/relay_answer.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "openssl/x509.h"
#include "runtime/source_address.h"
#include "sim/client_side.h"

namespace sct::device {
namespace {

namespace rv = ::relay::v1;
namespace dh = ::sct::draft_http;
using Json = nlohmann::json;

constexpr char kPeer[] = "relay";

absl::Status BadAnswer(absl::string_view what) {
  return MakeError(absl::StatusCode::kInternal, "bad_relay_response",
                   absl::StrCat("relay answer: ", what));
}

absl::Status Unreachable(absl::string_view what) {
  return MakeError(absl::StatusCode::kUnavailable, "relay_unavailable",
                   absl::StrCat("relay unreachable: ", what));
}

// ---- request bodies -------------------------------------------------------

Json PayloadJson(const rv::Payload& p) {
  return Json{{dh::kPayloadType, p.type()}, {dh::kPayloadData, Base64Encode(p.data())}};
}

Json TokenJson(const rv::NotificationToken& t) {
  return Json{{dh::kTokenType, t.type()}, {dh::kTokenData, t.token_data()}};
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string CreateBody(const rv::CreateMailboxRequest& r) {
  Json body = Json{{dh::kPayload, PayloadJson(r.payload())}};
  if (r.has_display_information()) {
    const rv::DisplayInformation& d = r.display_information();
    body[dh::kDisplayInformation] = Json{{dh::kTitle, d.title()},
                                         {dh::kDescription, d.description()},
                                         {dh::kImageUrl, d.image_url()}};
  }
  if (r.has_notification_token()) body[dh::kNotificationToken] = TokenJson(r.notification_token());
  if (r.has_mailbox_configuration()) {
    Json config = Json::object();
    const rv::MailboxConfiguration& c = r.mailbox_configuration();
    if (!c.access_rights().empty()) config[dh::kAccessRights] = c.access_rights();
    if (!c.expiration().empty()) config[dh::kExpiration] = c.expiration();
    body[dh::kMailboxConfiguration] = std::move(config);
  }
  return Dump(body);
}

// ---- the URL --------------------------------------------------------------

struct BaseUrl {
  bool https = false;
  std::string origin;     // scheme://host[:port]
  std::string host;       // without brackets
  std::string authority;  // host:port
  std::string path;       // "" or "/prefix"
};

absl::StatusOr<BaseUrl> ParseBaseUrl(const std::string& url) {
  constexpr char kFlag[] = "--relay_http_url";
  BaseUrl out;
  const std::string lower = absl::AsciiStrToLower(url);
  size_t rest;
  if (absl::StartsWith(lower, "https://")) {
    out.https = true;
    rest = 8;
  } else if (absl::StartsWith(lower, "http://")) {
    rest = 7;
  } else {
    return InvalidField(kFlag, "must be an http:// or https:// URL");
  }
  if (url.find_first_of("?#") != std::string::npos) {
    return InvalidField(kFlag, "must not carry a query or fragment");
  }
  const size_t slash = url.find('/', rest);
  const std::string hostport = url.substr(rest, slash == std::string::npos ? slash : slash - rest);
  out.path = slash == std::string::npos ? "" : url.substr(slash);
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  std::string port = out.https ? "443" : "80";
  if (!hostport.empty() && hostport[0] == '[') {
    const size_t close = hostport.find(']');
    if (close == std::string::npos) return InvalidField(kFlag, "unclosed [ in the host");
    out.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':') return InvalidField(kFlag, "bad port");
      port = hostport.substr(close + 2);
    }
    out.authority = absl::StrCat("[", out.host, "]:", port);
  } else {
    const size_t colon = hostport.rfind(':');
    out.host = hostport.substr(0, colon);
    if (colon != std::string::npos) port = hostport.substr(colon + 1);
    out.authority = absl::StrCat(out.host, ":", port);
  }
  int port_number = 0;
  if (out.host.empty()) return InvalidField(kFlag, "has no host");
  if (!absl::SimpleAtoi(port, &port_number) || port_number < 1 || port_number > 65535) {
    return InvalidField(kFlag, "bad port");
  }
  out.origin = url.substr(0, slash);
  return out;
}

absl::Status CheckCaFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidField("--relay_ca_file", "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return InvalidField("--relay_ca_file", "holds no PEM certificate");
  }
  return absl::OkStatus();
}

int64_t Micros(absl::Duration d) { return absl::ToInt64Microseconds(d); }

absl::Status CheckOhttpOptions(const HttpRelayClientOptions& options) {
  if (options.ohttp_relay_url.empty() != options.ohttp_keys_file.empty()) {
    return options.ohttp_relay_url.empty()
               ? InvalidField("--ohttp_relay_url", "required with --ohttp_keys_file")
               : InvalidField("--ohttp_keys_file", "required with --ohttp_relay_url");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpRelayClient>> HttpRelayClient::Create(
    HttpRelayClientOptions options) {
  ASSIGN_OR_RETURN(BaseUrl url, ParseBaseUrl(options.base_url));
  if (url.https && !options.ca_file.empty()) RETURN_IF_ERROR(CheckCaFile(options.ca_file));
  RETURN_IF_ERROR(CheckOhttpOptions(options));
  std::unique_ptr<OhttpTransport> ohttp;
  if (!options.ohttp_relay_url.empty()) {
    ASSIGN_OR_RETURN(
        ohttp, OhttpTransport::Create({options.ohttp_relay_url, options.ohttp_keys_file,
                                       options.ca_file, options.timeout, options.max_response_bytes,
                                       options.ohttp_source_address}));
  }
  if (options.timeout <= absl::ZeroDuration()) options.timeout = absl::Seconds(10);
  std::unique_ptr<HttpRelayClient> client(new HttpRelayClient(std::move(options)));
  client->host_ = url.host;
  client->authority_ = url.authority;
  client->base_path_ = url.path;
  client->https_ = url.https;
  client->ohttp_ = std::move(ohttp);
  client->client_ = std::make_unique<httplib::Client>(url.origin);
  if (!client->client_->is_valid()) return InvalidField("--relay_http_url", "host/port not usable");
  httplib::Client& http = *client->client_;
  const int64_t us = Micros(client->options_.timeout);
  http.set_connection_timeout(us / 1000000, us % 1000000);
  http.set_read_timeout(us / 1000000, us % 1000000);
  http.set_write_timeout(us / 1000000, us % 1000000);
  http.set_keep_alive(true);
  http.set_tcp_nodelay(true);
  http.set_follow_location(false);
  http.set_decompress(false);
  const std::string source = SourceAddressFor(url.host);
  if (!source.empty()) http.set_interface(source);
  if (url.https) {
    http.enable_server_certificate_verification(true);
    if (!client->options_.ca_file.empty()) http.set_ca_cert_path(client->options_.ca_file);
  }
  return client;
}

HttpRelayClient::HttpRelayClient(HttpRelayClientOptions options) : options_(std::move(options)) {}

HttpRelayClient::~HttpRelayClient() = default;

absl::StatusOr<RelayAnswer> HttpRelayClient::Send(const std::string& method,
                                                  const std::string& path, Headers headers,
                                                  const std::string& body) const {
  sim::SimState* sim = options_.sim;
  if (sim == nullptr) return Exchange(method, path, headers, body);
  const std::string step = sim->CurrentStep();
  headers.emplace(sim::kActorMetadata, sim->actor_id());
  if (!step.empty()) headers.emplace(sim::kStepMetadata, step);
  const std::string rpc = absl::StrCat("HTTP ", method, " ", dh::kMailboxesPath,
                                       path == dh::kMailboxesPath ? "" : "/{id}");
  const sim::FaultDecision d = sim->DecideFault(kPeer, authority_);
  if (d.delay > absl::ZeroDuration()) {
    sim::RecordLinkFault(sim, kPeer, rpc, step,
                         absl::StrCat("delayed ", absl::FormatDuration(d.delay)), absl::OkStatus());
    absl::SleepFor(d.delay);  // injected latency, by request of the engine
  }
  if (d.drop) {
    const absl::Status drop = sim::SimulatedDropStatus(kPeer);
    sim::RecordLinkFault(sim, kPeer, rpc, step, "dropped before sending", drop);
    return drop;
  }
  if (d.duplicate) {
    absl::StatusOr<RelayAnswer> first_answer = Exchange(method, path, headers, body);
    const absl::Status first =
        first_answer.ok() ? RelayAnswerStatus(*first_answer) : first_answer.status();
    sim::RecordLinkFault(
        sim, kPeer, rpc, step,
        absl::StrCat("duplicated; the duplicate answered ", absl::StatusCodeToString(first.code())),
        absl::OkStatus());
  }
  return Exchange(method, path, headers, body);
}

absl::StatusOr<RelayAnswer> HttpRelayClient::Exchange(const std::string& method,
                                                      const std::string& path,
                                                      const Headers& headers,
                                                      const std::string& body) const {
  // A kept-alive connection the relay has closed (its idle timer) fails the
  // next request with a read or write error before any answer. Every
  // request may be sent again: each mutation carries its Mailbox-Request-ID
  // (a repeat answers 201 with the first answer), reads and previews change
  // nothing more the second time. So one such failure is retried once, on a
  // fresh connection (the client has closed the failed one).
  bool stale = false;
  absl::StatusOr<RelayAnswer> answer = ExchangeOnce(method, path, headers, body, &stale);
  if (answer.ok() || !stale) return answer;
  return ExchangeOnce(method, path, headers, body, &stale);
}

absl::StatusOr<RelayAnswer> HttpRelayClient::ExchangeOnce(const std::string& method,
                                                          const std::string& path,
                                                          const Headers& headers,
                                                          const std::string& body,
                                                          bool* stale_connection) const {
  *stale_connection = false;
  if (ohttp_ != nullptr) return ExchangeOblivious(method, path, headers, body);
  httplib::Request req;
  req.method = method;
  req.path = base_path_ + path;
  for (const auto& [name, value] : headers) req.headers.emplace(name, value);
  if (!body.empty()) {
    req.body = body;
    req.headers.emplace("Content-Type", "application/json");
  }
  req.headers.emplace("Accept", method == "GET" ? "text/html" : "application/json");
  const absl::Time deadline = absl::Now() + options_.timeout;
  std::string received;
  bool too_big = false;
  bool too_late = false;
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (received.size() + n > options_.max_response_bytes) {
      too_big = true;
      return false;
    }
    if (absl::Now() > deadline) {
      too_late = true;
      return false;
    }
    received.append(data, n);
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  const bool sent = client_->send(req, res, error);
  if (too_big) {
    return BadAnswer(absl::StrCat("body larger than ", options_.max_response_bytes, " bytes"));
  }
  if (too_late) return Unreachable("the answer did not arrive within the deadline");
  if (!sent) {
    *stale_connection = error == httplib::Error::Read || error == httplib::Error::Write;
    std::string detail = httplib::to_string(error);
    if (https_ && error == httplib::Error::SSLServerVerification) {
      const long verify = client_->get_openssl_verify_result();
      if (verify != 0) absl::StrAppend(&detail, " (", X509_verify_cert_error_string(verify), ")");
    }
    return Unreachable(absl::StrCat(method, " ", authority_, ": ", detail));
  }
  RelayAnswer answer;
  answer.status = res.status;
  for (const auto& [name, value] : res.headers) answer.headers.emplace_back(name, value);
  answer.body = std::move(received);
  return answer;
}

absl::StatusOr<RelayAnswer> HttpRelayClient::ExchangeOblivious(const std::string& method,
                                                               const std::string& path,
                                                               const Headers& headers,
                                                               const std::string& body) const {
  InnerRequest inner;
  inner.method = method;
  inner.scheme = https_ ? "https" : "http";
  inner.authority = authority_;
  inner.path = base_path_ + path;
  for (const auto& [name, value] : headers) inner.headers.emplace_back(name, value);
  if (!body.empty()) inner.headers.emplace_back("content-type", "application/json");
  inner.headers.emplace_back("accept", method == "GET" ? "text/html" : "application/json");
  inner.body = body;
  return ohttp_->Exchange(inner);
}

absl::StatusOr<std::string> HttpRelayClient::MailboxPath(const std::string& id) const {
  if (id.empty() || id.size() > 128) return InvalidField("mailbox_id", "empty or too long");
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.' && c != '~') {
      return InvalidField("mailbox_id", "not one URL path segment");
    }
  }
  return absl::StrCat(dh::kMailboxPathPrefix, id);
}

namespace {

std::multimap<std::string, std::string> ClaimHeaders(const std::string& claim,
                                                     const std::string& request_id) {
  std::multimap<std::string, std::string> headers;
  headers.emplace(dh::kClaimHeader, claim);
  headers.emplace(dh::kRequestIdHeader, request_id.empty() ? NewUuidV4() : request_id);
  return headers;
}

std::string RequestIdOf(const std::multimap<std::string, std::string>& headers) {
  auto it = headers.find(dh::kRequestIdHeader);
  return it == headers.end() ? "" : it->second;
}

}  // namespace

absl::StatusOr<rv::CreateMailboxResponse> HttpRelayClient::CreateMailbox(
    const rv::CreateMailboxRequest& request) const {
  Headers headers = ClaimHeaders(request.device_claim(), request.request_id());
  if (!request.attestation().empty())
    headers.emplace(dh::kAttestationHeader, request.attestation());
  const std::string id = RequestIdOf(headers);
  ASSIGN_OR_RETURN(RelayAnswer answer,
                   Send("POST", dh::kMailboxesPath, std::move(headers), CreateBody(request)));
  RETURN_IF_ERROR(CheckRequestIdEcho(answer, id));
  return DecodeCreateAnswer(answer);
}

absl::StatusOr<rv::UpdateMailboxResponse> HttpRelayClient::UpdateMailbox(
    const rv::UpdateMailboxRequest& request) const {
  ASSIGN_OR_RETURN(std::string path, MailboxPath(request.mailbox_id()));
  Json body = Json{{dh::kPayload, PayloadJson(request.payload())}};
  if (request.has_notification_token()) {
    body[dh::kNotificationToken] = TokenJson(request.notification_token());
  }
  Headers headers = ClaimHeaders(request.device_claim(), request.request_id());
  const std::string id = RequestIdOf(headers);
  ASSIGN_OR_RETURN(RelayAnswer answer, Send("PUT", path, std::move(headers), Dump(body)));
  RETURN_IF_ERROR(CheckRequestIdEcho(answer, id));
  return DecodeUpdateAnswer(answer);
}

absl::StatusOr<rv::ReadSecureContentResponse> HttpRelayClient::ReadSecureContent(
    const rv::ReadSecureContentRequest& request) const {
  ASSIGN_OR_RETURN(std::string path, MailboxPath(request.mailbox_id()));
  std::string body;
  if (request.has_notification_token()) {
    body = Dump(Json{{dh::kNotificationToken, TokenJson(request.notification_token())}});
  }
  Headers headers = ClaimHeaders(request.device_claim(), request.request_id());
  if (!request.attestation().empty()) {
    headers.emplace(dh::kAttestationHeader, request.attestation());
  }
  const std::string id = RequestIdOf(headers);
  ASSIGN_OR_RETURN(RelayAnswer answer, Send("POST", path, std::move(headers), body));
  RETURN_IF_ERROR(CheckRequestIdEcho(answer, id));
  return DecodeReadAnswer(answer);
}

absl::StatusOr<rv::ReadDisplayInformationResponse> HttpRelayClient::ReadDisplayInformation(
    const rv::ReadDisplayInformationRequest& request) const {
  ASSIGN_OR_RETURN(std::string path, MailboxPath(request.mailbox_id()));
  ASSIGN_OR_RETURN(RelayAnswer answer, Send("GET", path, {}, ""));
  return DecodePreviewAnswer(answer);
}

absl::StatusOr<rv::DeleteMailboxResponse> HttpRelayClient::DeleteMailbox(
    const rv::DeleteMailboxRequest& request) const {
  ASSIGN_OR_RETURN(std::string path, MailboxPath(request.mailbox_id()));
  Headers headers = ClaimHeaders(request.device_claim(), request.request_id());
  const std::string id = RequestIdOf(headers);
  ASSIGN_OR_RETURN(RelayAnswer answer, Send("DELETE", path, std::move(headers), ""));
  RETURN_IF_ERROR(CheckRequestIdEcho(answer, id));
  return DecodeDeleteAnswer(answer);
}

absl::StatusOr<rv::RelinquishMailboxResponse> HttpRelayClient::RelinquishMailbox(
    const rv::RelinquishMailboxRequest& request) const {
  ASSIGN_OR_RETURN(std::string path, MailboxPath(request.mailbox_id()));
  Headers headers = ClaimHeaders(request.device_claim(), request.request_id());
  const std::string id = RequestIdOf(headers);
  ASSIGN_OR_RETURN(RelayAnswer answer, Send("PATCH", path, std::move(headers), ""));
  RETURN_IF_ERROR(CheckRequestIdEcho(answer, id));
  return DecodeRelinquishAnswer(answer);
}

}  // namespace sct::device
