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
#include "common/status_mapping.h"
#include "common/uuid.h"
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

// ---- answer bodies --------------------------------------------------------

absl::StatusOr<Json> ParseAnswer(const std::string& body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return BadAnswer("the body is not a JSON object");
  return j;
}

// The string member `key` ("" when absent or null; an error when not a string).
absl::StatusOr<std::string> OptString(const Json& obj, const char* key, absl::string_view path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return BadAnswer(absl::StrCat(path, " is not a string"));
  return it->get<std::string>();
}

absl::StatusOr<bool> OptBool(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return false;
  if (!it->is_boolean()) return BadAnswer(absl::StrCat(key, " is not a boolean"));
  return it->get<bool>();
}

absl::Status DecodeReadAnswer(const Json& j, rv::ReadSecureContentResponse* out) {
  auto payload = j.find(dh::kPayload);
  if (payload == j.end() || !payload->is_object()) return BadAnswer("payload missing");
  ASSIGN_OR_RETURN(std::string type, OptString(*payload, dh::kPayloadType, "payload.type"));
  ASSIGN_OR_RETURN(std::string data, OptString(*payload, dh::kPayloadData, "payload.data"));
  absl::StatusOr<std::string> raw = Base64Decode(data, "payload.data");
  if (!raw.ok()) return BadAnswer("payload.data is not base64");
  out->mutable_payload()->set_type(std::move(type));
  out->mutable_payload()->set_data(*std::move(raw));
  auto display = j.find(dh::kDisplayInformation);
  if (display != j.end() && display->is_object()) {
    rv::DisplayInformation* d = out->mutable_display_information();
    ASSIGN_OR_RETURN(*d->mutable_title(), OptString(*display, dh::kTitle, "title"));
    ASSIGN_OR_RETURN(*d->mutable_description(),
                     OptString(*display, dh::kDescription, "description"));
    ASSIGN_OR_RETURN(*d->mutable_image_url(), OptString(*display, dh::kImageUrl, "imageURL"));
  }
  ASSIGN_OR_RETURN(*out->mutable_expiration(), OptString(j, dh::kExpiration, "expiration"));
  return absl::OkStatus();
}

// ---- the preview page -----------------------------------------------------

std::string UnescapeHtml(absl::string_view s) {
  static const std::pair<const char*, char> kEntities[] = {{"&amp;", '&'},  {"&lt;", '<'},
                                                           {"&gt;", '>'},   {"&quot;", '"'},
                                                           {"&#39;", '\''}, {"&#x27;", '\''}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool replaced = false;
    if (s[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (absl::StartsWith(s.substr(i), entity)) {
          out.push_back(c);
          i += strlen(entity);
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(s[i++]);
  }
  return out;
}

// The content of `<meta property="{property}" content="...">`, "" if absent.
std::string MetaContent(const std::string& html, absl::string_view property) {
  const std::string key = absl::StrCat("property=\"", property, "\"");
  size_t at = html.find(key);
  if (at == std::string::npos) return "";
  const size_t end_tag = html.find('>', at);
  at = html.find("content=\"", at);
  if (at == std::string::npos || at > end_tag) return "";
  at += sizeof("content=\"") - 1;
  const size_t close = html.find('"', at);
  if (close == std::string::npos) return "";
  return UnescapeHtml(absl::string_view(html).substr(at, close - at));
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

// A non-2xx answer as its error, with the Retry-After the relay gave.
absl::Status ErrorAnswer(int status, const std::string& body, const std::string& retry_after) {
  absl::Status error = FromHttpError(status, body);
  if (retry_after.empty() || retry_after.size() > 16) return error;
  return MakeError(error.code(), ReasonOf(error),
                   absl::StrCat(error.message(), " (Retry-After: ", retry_after, ")"));
}

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
    ASSIGN_OR_RETURN(ohttp, OhttpTransport::Create({options.ohttp_relay_url,
                                                    options.ohttp_keys_file, options.ca_file,
                                                    options.timeout, options.max_response_bytes,
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

absl::StatusOr<HttpRelayClient::Answer> HttpRelayClient::Send(const std::string& method,
                                                              const std::string& path,
                                                              Headers headers,
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
    absl::Status first = Exchange(method, path, headers, body).status();
    sim::RecordLinkFault(
        sim, kPeer, rpc, step,
        absl::StrCat("duplicated; the duplicate answered ", absl::StatusCodeToString(first.code())),
        absl::OkStatus());
  }
  return Exchange(method, path, headers, body);
}

absl::StatusOr<HttpRelayClient::Answer> HttpRelayClient::Exchange(const std::string& method,
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
  absl::StatusOr<Answer> answer = ExchangeOnce(method, path, headers, body, &stale);
  if (answer.ok() || !stale) return answer;
  return ExchangeOnce(method, path, headers, body, &stale);
}

absl::StatusOr<HttpRelayClient::Answer> HttpRelayClient::ExchangeOnce(
    const std::string& method, const std::string& path, const Headers& headers,
    const std::string& body, bool* stale_connection) const {
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
  if (res.status < 200 || res.status >= 300) {
    return ErrorAnswer(res.status, received, res.get_header_value("Retry-After"));
  }
  return Answer{res.status, std::move(received)};
}

absl::StatusOr<HttpRelayClient::Answer> HttpRelayClient::ExchangeOblivious(
    const std::string& method, const std::string& path, const Headers& headers,
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
  ASSIGN_OR_RETURN(InnerResponse answer, ohttp_->Exchange(inner));
  if (answer.body.size() > options_.max_response_bytes) {
    return BadAnswer(absl::StrCat("body larger than ", options_.max_response_bytes, " bytes"));
  }
  if (answer.status < 200 || answer.status >= 300) {
    std::string retry_after;
    for (const auto& [name, value] : answer.headers) {
      if (name == "retry-after") retry_after = value;
    }
    return ErrorAnswer(answer.status, answer.body, retry_after);
  }
  return Answer{answer.status, std::move(answer.body)};
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

}  // namespace

absl::StatusOr<rv::CreateMailboxResponse> HttpRelayClient::CreateMailbox(
    const rv::CreateMailboxRequest& request) const {
  Headers headers = ClaimHeaders(request.device_claim(), request.request_id());
  if (!request.attestation().empty())
    headers.emplace(dh::kAttestationHeader, request.attestation());
  ASSIGN_OR_RETURN(Answer answer,
                   Send("POST", dh::kMailboxesPath, std::move(headers), CreateBody(request)));
  ASSIGN_OR_RETURN(Json j, ParseAnswer(answer.body));
  rv::CreateMailboxResponse out;
  ASSIGN_OR_RETURN(*out.mutable_url_link(), OptString(j, dh::kUrlLink, dh::kUrlLink));
  if (out.url_link().empty()) return BadAnswer("urlLink missing");
  ASSIGN_OR_RETURN(bool push, OptBool(j, dh::kIsPushNotificationSupported));
  out.set_is_push_notification_supported(push);
  ASSIGN_OR_RETURN(*out.mutable_expiration(), OptString(j, dh::kExpiration, dh::kExpiration));
  out.set_repeated(answer.status == 201);
  return out;
}

absl::StatusOr<rv::UpdateMailboxResponse> HttpRelayClient::UpdateMailbox(
    const rv::UpdateMailboxRequest& request) const {
  ASSIGN_OR_RETURN(std::string path, MailboxPath(request.mailbox_id()));
  Json body = Json{{dh::kPayload, PayloadJson(request.payload())}};
  if (request.has_notification_token()) {
    body[dh::kNotificationToken] = TokenJson(request.notification_token());
  }
  ASSIGN_OR_RETURN(
      Answer answer,
      Send("PUT", path, ClaimHeaders(request.device_claim(), request.request_id()), Dump(body)));
  ASSIGN_OR_RETURN(Json j, ParseAnswer(answer.body));
  rv::UpdateMailboxResponse out;
  ASSIGN_OR_RETURN(bool push, OptBool(j, dh::kIsPushNotificationSupported));
  out.set_is_push_notification_supported(push);
  out.set_repeated(answer.status == 201);
  return out;
}

absl::StatusOr<rv::ReadSecureContentResponse> HttpRelayClient::ReadSecureContent(
    const rv::ReadSecureContentRequest& request) const {
  ASSIGN_OR_RETURN(std::string path, MailboxPath(request.mailbox_id()));
  std::string body;
  if (request.has_notification_token()) {
    body = Dump(Json{{dh::kNotificationToken, TokenJson(request.notification_token())}});
  }
  auto headers = ClaimHeaders(request.device_claim(), request.request_id());
  if (!request.attestation().empty()) {
    headers.emplace(dh::kAttestationHeader, request.attestation());
  }
  ASSIGN_OR_RETURN(Answer answer, Send("POST", path, headers, body));
  ASSIGN_OR_RETURN(Json j, ParseAnswer(answer.body));
  rv::ReadSecureContentResponse out;
  RETURN_IF_ERROR(DecodeReadAnswer(j, &out));
  out.set_repeated(answer.status == 201);
  return out;
}

absl::StatusOr<rv::ReadDisplayInformationResponse> HttpRelayClient::ReadDisplayInformation(
    const rv::ReadDisplayInformationRequest& request) const {
  ASSIGN_OR_RETURN(std::string path, MailboxPath(request.mailbox_id()));
  ASSIGN_OR_RETURN(Answer answer, Send("GET", path, {}, ""));
  rv::ReadDisplayInformationResponse out;
  rv::DisplayInformation* d = out.mutable_display_information();
  d->set_title(MetaContent(answer.body, "og:title"));
  d->set_description(MetaContent(answer.body, "og:description"));
  d->set_image_url(MetaContent(answer.body, "og:image"));
  out.set_url_link(MetaContent(answer.body, "og:url"));
  return out;
}

absl::StatusOr<rv::DeleteMailboxResponse> HttpRelayClient::DeleteMailbox(
    const rv::DeleteMailboxRequest& request) const {
  ASSIGN_OR_RETURN(std::string path, MailboxPath(request.mailbox_id()));
  ASSIGN_OR_RETURN(
      Answer answer,
      Send("DELETE", path, ClaimHeaders(request.device_claim(), request.request_id()), ""));
  rv::DeleteMailboxResponse out;
  out.set_repeated(answer.status == 201);
  return out;
}

absl::StatusOr<rv::RelinquishMailboxResponse> HttpRelayClient::RelinquishMailbox(
    const rv::RelinquishMailboxRequest& request) const {
  ASSIGN_OR_RETURN(std::string path, MailboxPath(request.mailbox_id()));
  ASSIGN_OR_RETURN(
      Answer answer,
      Send("PATCH", path, ClaimHeaders(request.device_claim(), request.request_id()), ""));
  rv::RelinquishMailboxResponse out;
  out.set_repeated(answer.status == 201);
  return out;
}

}  // namespace sct::device
