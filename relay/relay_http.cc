#include "relay/relay_http.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base64.h"
#include "common/draft_http.h"
#include "common/errors.h"
#include "common/rfc3339.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "nlohmann/json.hpp"
#include "relay/preview_page.h"

namespace sct::relay {
namespace {

using Json = nlohmann::json;

namespace dh = ::sct::draft_http;
using dh::kAttestationHeader;
using dh::kClaimHeader;
using dh::kRequestIdHeader;
constexpr char kJson[] = "application/json";

// "/v1/m/{id}" with a non-empty id and no further segment (the same paths
// the routes' regex matches; checked without a regex on every request).
bool IsItemPath(const std::string& path) {
  constexpr size_t kLen = sizeof(dh::kMailboxPathPrefix) - 1;
  if (path.size() <= kLen || path.compare(0, kLen, dh::kMailboxPathPrefix) != 0) return false;
  return path.find('/', kLen) == std::string::npos;
}

// ---- JSON decoding -----------------------------------------------------

absl::StatusOr<Json> ParseObject(const std::string& body, bool allow_empty) {
  if (body.empty()) {
    if (allow_empty) return Json::object();
    return InvalidField("body", "missing (a JSON object is required)");
  }
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidField("body", "not valid JSON");
  if (!j.is_object()) return InvalidField("body", "must be a JSON object");
  return j;
}

// The member `key` of `obj`, or null when absent or JSON null (optional
// fields may be sent as null).
const Json* Member(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status GetString(const Json& obj, const char* key, const std::string& path, bool required,
                       std::string* out) {
  const Json* v = Member(obj, key);
  if (v == nullptr) {
    return required ? InvalidField(path, "missing") : absl::OkStatus();
  }
  if (!v->is_string()) return InvalidField(path, "must be a string");
  *out = v->get<std::string>();
  return absl::OkStatus();
}

// Null when absent; error when present and not an object.
absl::StatusOr<const Json*> GetObject(const Json& obj, const char* key, const std::string& path,
                                      bool required) {
  const Json* v = Member(obj, key);
  if (v == nullptr) {
    if (required) return InvalidField(path, "missing");
    return nullptr;
  }
  if (!v->is_object()) return InvalidField(path, "must be a JSON object");
  return v;
}

absl::StatusOr<Payload> DecodePayload(const Json& body) {
  ASSIGN_OR_RETURN(const Json* p, GetObject(body, dh::kPayload, "payload", true));
  Payload payload;
  std::string data_b64;
  RETURN_IF_ERROR(GetString(*p, dh::kPayloadType, "payload.type", true, &payload.type));
  RETURN_IF_ERROR(GetString(*p, dh::kPayloadData, "payload.data", true, &data_b64));
  ASSIGN_OR_RETURN(payload.data, Base64Decode(data_b64, "payload.data"));
  return payload;
}

absl::StatusOr<std::optional<NotificationToken>> DecodeToken(const Json& body) {
  ASSIGN_OR_RETURN(const Json* t,
                   GetObject(body, dh::kNotificationToken, "notificationToken", false));
  if (t == nullptr) return std::optional<NotificationToken>();
  NotificationToken token;
  RETURN_IF_ERROR(GetString(*t, dh::kTokenType, "notificationToken.type", true, &token.type));
  RETURN_IF_ERROR(
      GetString(*t, dh::kTokenData, "notificationToken.tokenData", true, &token.token_data));
  return std::optional<NotificationToken>(std::move(token));
}

absl::Status DecodeDisplay(const Json& body, DisplayInformation* out) {
  ASSIGN_OR_RETURN(const Json* d,
                   GetObject(body, dh::kDisplayInformation, "displayInformation", false));
  if (d == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(GetString(*d, dh::kTitle, "displayInformation.title", false, &out->title));
  RETURN_IF_ERROR(
      GetString(*d, dh::kDescription, "displayInformation.description", false, &out->description));
  RETURN_IF_ERROR(
      GetString(*d, dh::kImageUrl, "displayInformation.imageURL", false, &out->image_url));
  return absl::OkStatus();
}

absl::Status DecodeConfiguration(const Json& body, CreateMailboxRequest* out) {
  ASSIGN_OR_RETURN(const Json* c,
                   GetObject(body, dh::kMailboxConfiguration, "mailboxConfiguration", false));
  if (c == nullptr) return absl::OkStatus();
  if (Member(*c, dh::kAccessRights) != nullptr) {
    std::string rights;
    RETURN_IF_ERROR(
        GetString(*c, dh::kAccessRights, "mailboxConfiguration.accessRights", true, &rights));
    out->access_rights = std::move(rights);  // present, even if empty
  }
  std::string expiration;
  RETURN_IF_ERROR(
      GetString(*c, dh::kExpiration, "mailboxConfiguration.expiration", false, &expiration));
  if (Member(*c, dh::kExpiration) != nullptr) {
    ASSIGN_OR_RETURN(absl::Time t, ParseRfc3339(expiration, "mailboxConfiguration.expiration"));
    out->expiration = t;
  }
  return absl::OkStatus();
}

// ---- JSON encoding -----------------------------------------------------

std::string Dump(const Json& j) {
  // Stored strings came through validated JSON or protobuf (UTF-8), but never
  // let a stray byte throw: replace it.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json EncodePayload(const Payload& p) {
  return Json{{dh::kPayloadType, p.type}, {dh::kPayloadData, Base64Encode(p.data)}};
}

Json EncodeDisplay(const DisplayInformation& d) {
  return Json{
      {dh::kTitle, d.title}, {dh::kDescription, d.description}, {dh::kImageUrl, d.image_url}};
}

// ---- requests and answers of the six operations -------------------------

// The {id} path segment (its syntax is the service's to judge).
std::string PathMailboxId(const HttpRequest& req) {
  static constexpr size_t kLen = sizeof(dh::kMailboxPathPrefix) - 1;
  return req.path.size() > kLen ? req.path.substr(kLen) : std::string();
}

absl::StatusOr<CreateMailboxRequest> DecodeCreate(const HttpRequest& req) {
  ASSIGN_OR_RETURN(Json body, ParseObject(req.body, /*allow_empty=*/false));
  CreateMailboxRequest r;
  r.device_claim = req.Header(kClaimHeader);
  r.request_id = req.Header(kRequestIdHeader);
  r.attestation = req.Header(kAttestationHeader);
  ASSIGN_OR_RETURN(r.payload, DecodePayload(body));
  RETURN_IF_ERROR(DecodeDisplay(body, &r.display));
  ASSIGN_OR_RETURN(r.notification_token, DecodeToken(body));
  RETURN_IF_ERROR(DecodeConfiguration(body, &r));
  return r;
}

absl::StatusOr<UpdateMailboxRequest> DecodeUpdate(const HttpRequest& req) {
  ASSIGN_OR_RETURN(Json body, ParseObject(req.body, /*allow_empty=*/false));
  UpdateMailboxRequest r;
  r.mailbox_id = PathMailboxId(req);
  r.device_claim = req.Header(kClaimHeader);
  r.request_id = req.Header(kRequestIdHeader);
  ASSIGN_OR_RETURN(r.payload, DecodePayload(body));
  ASSIGN_OR_RETURN(r.notification_token, DecodeToken(body));
  return r;
}

absl::StatusOr<ReadSecureContentRequest> DecodeRead(const HttpRequest& req) {
  ASSIGN_OR_RETURN(Json body, ParseObject(req.body, /*allow_empty=*/true));
  ReadSecureContentRequest r;
  r.mailbox_id = PathMailboxId(req);
  r.device_claim = req.Header(kClaimHeader);
  r.request_id = req.Header(kRequestIdHeader);
  r.attestation = req.Header(kAttestationHeader);
  ASSIGN_OR_RETURN(r.notification_token, DecodeToken(body));
  return r;
}

// DeleteMailboxRequest and RelinquishMailboxRequest: the path and headers.
template <class Request>
Request DecodePathAndHeaders(const HttpRequest& req) {
  return Request{PathMailboxId(req), req.Header(kClaimHeader), req.Header(kRequestIdHeader)};
}

void SetCommonHeaders(HttpResponse& res) {
  res.SetHeader("Cache-Control", "no-store");
  res.SetHeader("X-Content-Type-Options", "nosniff");
}

// The draft's common headers: the server returns the client's
// Mailbox-Request-ID, on success and on error. Only a well-formed UUID is
// echoed; anything else is refused by the operation (400 naming the header).
void EchoRequestId(const HttpRequest& req, HttpResponse& res) {
  const std::string& id = req.Header(kRequestIdHeader);
  if (IsValidUuid(id)) res.SetHeader(kRequestIdHeader, id);
}

void SetJson(HttpResponse& res, int status, const Json& body) {
  res.status = status;
  res.SetContent(Dump(body), kJson);
}

// 201 answers a repeated request id (the draft), 200 anything else.
int SuccessStatus(bool repeated) { return repeated ? 201 : 200; }

void EncodeRead(const ReadSecureContentResponse& out, HttpResponse& res) {
  SetJson(res, SuccessStatus(out.repeated),
          Json{{dh::kPayload, EncodePayload(out.payload)},
               {dh::kDisplayInformation, EncodeDisplay(out.display)},
               {dh::kExpiration, FormatRfc3339(WholeSeconds(out.expiration))}});
}

void EncodePreview(const ReadDisplayInformationResponse& out, HttpResponse& res) {
  res.status = 200;
  res.SetHeader("Content-Security-Policy", kPreviewContentSecurityPolicy);
  res.SetHeader("Referrer-Policy", "no-referrer");
  res.SetContent(RenderPreviewPage(out.display, out.url_link), "text/html; charset=utf-8");
}

// The answer to a failed operation: the shared status mapping, plus
// Retry-After on 429 (`retry_after`, asked only then: with shared limiters
// it costs a store round trip) and on 503.
void EncodeError(const absl::Status& status, const std::function<absl::Duration()>& retry_after,
                 HttpResponse& res) {
  const int code = ToHttpStatus(status);
  res.status = code;
  res.SetContent(ToHttpErrorBody(status), kJson);
  if (code == 429) {
    const double secs = absl::ToDoubleSeconds(retry_after());
    res.SetHeader("Retry-After",
                  std::to_string(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(secs)))));
  } else if (code == 503) {
    // store_unavailable (Redis down, a contended mailbox): transient, and
    // nothing was changed; tell clients to come back shortly (RFC 9110
    // section 10.2.3) rather than hammer the relay.
    res.SetHeader("Retry-After", "1");
  }
}

// ---- routing --------------------------------------------------------------

// The methods `path` serves ("GET, HEAD"), or null for a path no route serves.
const char* AllowedMethods(const std::string& path) {
  if (path == dh::kMailboxesPath) return "POST";
  if (IsItemPath(path)) return "GET, HEAD, POST, PUT, DELETE, PATCH";
  if (path == "/healthz" || path == "/metrics") return "GET, HEAD";
  return nullptr;
}

bool IsListed(absl::string_view list, absl::string_view method) {
  for (absl::string_view m : absl::StrSplit(list, ", ")) {
    if (m == method) return true;
  }
  return false;
}

void AnswerError(const absl::Status& status, int http_status, HttpResponse& res) {
  SetCommonHeaders(res);
  res.status = http_status;
  res.SetContent(ToHttpErrorBody(status), kJson);
}

// The code behind each answer the transport gives itself
// (bounded_http_server.h), so its body has the same JSON shape and a stable
// reason as every other error.
absl::StatusCode TransportErrorCode(int http_status) {
  switch (http_status) {
    case 408:
      return absl::StatusCode::kDeadlineExceeded;
    case 413:
      return absl::StatusCode::kResourceExhausted;
    case 500:
      return absl::StatusCode::kInternal;
    case 501:
    case 505:
      return absl::StatusCode::kUnimplemented;
    default:
      return absl::StatusCode::kInvalidArgument;
  }
}

}  // namespace

size_t RelayHttpServer::MaxBodyBytes(const RelayLimits& l) {
  const size_t payload_b64 = 4 * ((l.max_payload_bytes + 2) / 3);
  // A JSON string may escape each byte as \u00XX (6 bytes).
  const size_t text = 6 * (l.max_title_bytes + l.max_description_bytes + l.max_image_url_bytes +
                           2 * l.max_token_bytes);
  return payload_b64 + text + 16 * 1024;
}

std::string RelayHttpServer::address() const {
  if (options_.host.find(':') != std::string::npos) {
    return absl::StrCat("[", options_.host, "]:", port_);
  }
  return absl::StrCat(options_.host, ":", port_);
}

absl::StatusOr<std::unique_ptr<RelayHttpServer>> RelayHttpServer::Start(
    MailboxOperations* service, RelayMetrics* metrics, RelayHttpOptions options) {
  auto server = Bind(std::move(options));
  if (!server.ok()) return server.status();
  (*server)->Serve(service, metrics);
  return server;
}

absl::StatusOr<std::unique_ptr<RelayHttpServer>> RelayHttpServer::Bind(RelayHttpOptions options) {
  BoundedHttpServerOptions transport;
  transport.host = options.host;
  transport.port = options.port;
  transport.tls_cert_file = options.tls_cert_file;
  transport.tls_key_file = options.tls_key_file;
  transport.worker_threads = options.threads > 0 ? options.threads : 1;
  transport.max_connections = options.max_connections;
  transport.max_connections_per_address = options.max_connections_per_address;
  transport.head_timeout = options.head_timeout;
  transport.body_timeout = options.body_timeout;
  transport.idle_timeout = options.idle_timeout;
  transport.limits.max_request_line = options.max_request_line;
  transport.limits.max_header_bytes = options.max_header_bytes;
  transport.limits.max_header_count = options.max_header_count;
  ASSIGN_OR_RETURN(std::unique_ptr<BoundedHttpServer> bound,
                   BoundedHttpServer::Bind(std::move(transport)));
  auto server = std::unique_ptr<RelayHttpServer>(new RelayHttpServer());
  server->options_ = std::move(options);
  server->port_ = bound->port();
  server->server_ = std::move(bound);
  return server;
}

void RelayHttpServer::Serve(MailboxOperations* service, RelayMetrics* metrics) {
  service_ = service;
  metrics_ = metrics;
  max_body_bytes_ = MaxBodyBytes(service->limits());
  server_->set_max_body_bytes(max_body_bytes_);
  server_->Serve(
      [this](const HttpRequest& req, HttpResponse& res) { Route(req, res); },
      [metrics](const HttpParseError& error, const HttpRequest* head, HttpResponse& res) {
        AnswerError(MakeError(TransportErrorCode(error.status), error.reason, error.message),
                    error.status, res);
        if (head != nullptr) EchoRequestId(*head, res);
        metrics->RecordRequest("http", "other", std::to_string(error.status), absl::ZeroDuration());
      },
      exchange_hook_);
}

RelayHttpServer::~RelayHttpServer() { Stop(); }

void RelayHttpServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (server_) server_->Stop();
}

BoundedHttpServerStats RelayHttpServer::transport_stats() const {
  return server_ ? server_->stats() : BoundedHttpServerStats();
}

void RelayHttpServer::Route(const HttpRequest& req, HttpResponse& res) {
  const char* allowed = AllowedMethods(req.path);
  if (allowed == nullptr) {
    return AnswerError(MakeError(absl::StatusCode::kNotFound, "not_found",
                                 absl::StrCat("path: no such resource ", req.path)),
                       404, res);
  }
  if (!IsListed(allowed, req.method)) {
    res.SetHeader("Allow", allowed);
    AnswerError(MakeError(absl::StatusCode::kUnimplemented, "method_not_allowed",
                          absl::StrCat("method: ", req.method, " is not allowed on ", req.path,
                                       " (allowed: ", allowed, ")")),
                405, res);
    metrics_->RecordRequest("http", "other", "405", absl::ZeroDuration());
    return;
  }
  // HEAD is answered as GET; the transport drops the body.
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  if (req.path == "/healthz") {
    SetCommonHeaders(res);
    res.SetContent("ok\n", "text/plain");
  } else if (req.path == "/metrics") {
    SetCommonHeaders(res);
    absl::StatusOr<int64_t> live = service_->LiveMailboxes();
    res.SetContent(metrics_->Render(service_->stats(), live.ok() ? *live : -1),
                   "text/plain; version=0.0.4; charset=utf-8");
  } else {
    RouteMailbox(method, req, res);
  }
}

void RelayHttpServer::RunOperation(const char* operation, const HttpRequest& req, HttpResponse& res,
                                   const Operation& body) {
  const auto start = std::chrono::steady_clock::now();
  CallContext ctx;
  ctx.client_address = req.remote_addr;
  ctx.face = Face::kHttp;
  SetCommonHeaders(res);
  EchoRequestId(req, res);
  absl::Status status = body(ctx, res);
  if (!status.ok()) {
    EncodeError(
        status, [this, &ctx] { return service_->RetryAfter(ctx); }, res);
  }
  metrics_->RecordRequest("http", operation, std::to_string(res.status),
                          absl::FromChrono(std::chrono::steady_clock::now() - start));
}

absl::Status RelayHttpServer::CheckBodySize(const HttpRequest& req) const {
  if (req.body.size() > max_body_bytes_) {
    return MakeError(absl::StatusCode::kResourceExhausted, "payload_too_large",
                     absl::StrCat("body: larger than ", max_body_bytes_, " bytes"));
  }
  return absl::OkStatus();
}

void RelayHttpServer::RouteMailbox(const std::string& method, const HttpRequest& req,
                                   HttpResponse& res) {
  using Res = HttpResponse&;
  MailboxOperations* service = service_;
  if (req.path == dh::kMailboxesPath) {
    RunOperation("create_mailbox", req, res, [&](const CallContext& ctx, Res res) {
      RETURN_IF_ERROR(CheckBodySize(req));
      ASSIGN_OR_RETURN(CreateMailboxRequest r, DecodeCreate(req));
      ASSIGN_OR_RETURN(CreateMailboxResponse out, service->CreateMailbox(ctx, r));
      SetJson(res, SuccessStatus(out.repeated),
              Json{{dh::kUrlLink, out.url_link},
                   {dh::kIsPushNotificationSupported, out.push_supported},
                   {dh::kExpiration, FormatRfc3339(WholeSeconds(out.expiration))}});
      return absl::OkStatus();
    });
  } else if (method == "PUT") {
    RunOperation("update_mailbox", req, res, [&](const CallContext& ctx, Res res) {
      RETURN_IF_ERROR(CheckBodySize(req));
      ASSIGN_OR_RETURN(UpdateMailboxRequest r, DecodeUpdate(req));
      ASSIGN_OR_RETURN(UpdateMailboxResponse out, service->UpdateMailbox(ctx, r));
      SetJson(res, SuccessStatus(out.repeated),
              Json{{dh::kIsPushNotificationSupported, out.push_supported}});
      return absl::OkStatus();
    });
  } else if (method == "POST") {
    RunOperation("read_secure_content", req, res, [&](const CallContext& ctx, Res res) {
      RETURN_IF_ERROR(CheckBodySize(req));
      ASSIGN_OR_RETURN(ReadSecureContentRequest r, DecodeRead(req));
      ASSIGN_OR_RETURN(ReadSecureContentResponse out, service->ReadSecureContent(ctx, r));
      EncodeRead(out, res);
      return absl::OkStatus();
    });
  } else if (method == "GET") {
    RunOperation("read_display_information", req, res, [&](const CallContext& ctx, Res res) {
      ASSIGN_OR_RETURN(ReadDisplayInformationResponse out,
                       service->ReadDisplayInformation(ctx, PathMailboxId(req)));
      EncodePreview(out, res);
      return absl::OkStatus();
    });
  } else if (method == "DELETE") {
    RunOperation("delete_mailbox", req, res, [&](const CallContext& ctx, Res res) {
      auto r = DecodePathAndHeaders<DeleteMailboxRequest>(req);
      ASSIGN_OR_RETURN(EmptyResponse out, service->DeleteMailbox(ctx, r));
      SetJson(res, SuccessStatus(out.repeated), Json::object());
      return absl::OkStatus();
    });
  } else if (method == "PATCH") {
    RunOperation("relinquish_mailbox", req, res, [&](const CallContext& ctx, Res res) {
      auto r = DecodePathAndHeaders<RelinquishMailboxRequest>(req);
      ASSIGN_OR_RETURN(EmptyResponse out, service->RelinquishMailbox(ctx, r));
      SetJson(res, SuccessStatus(out.repeated), Json::object());
      return absl::OkStatus();
    });
  }
}

}  // namespace sct::relay
