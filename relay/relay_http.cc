#include "relay/relay_http.h"

#include <sys/socket.h>

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
#include "common/errors.h"
#include "common/rfc3339.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "relay/preview_page.h"

namespace sct::relay {
namespace {

using Json = nlohmann::json;

constexpr char kClaimHeader[] = "Mailbox-Device-Claim";
constexpr char kRequestIdHeader[] = "Mailbox-Request-ID";
constexpr char kAttestationHeader[] = "Mailbox-Device-Attestation";
constexpr char kJson[] = "application/json";

// "/v1/m/{id}" with a non-empty id and no further segment (the same paths
// the routes' regex matches; checked without a regex on every request).
bool IsItemPath(const std::string& path) {
  static constexpr char kPrefix[] = "/v1/m/";
  constexpr size_t kLen = sizeof(kPrefix) - 1;
  if (path.size() <= kLen || path.compare(0, kLen, kPrefix) != 0) return false;
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
  ASSIGN_OR_RETURN(const Json* p, GetObject(body, "payload", "payload", true));
  Payload payload;
  std::string data_b64;
  RETURN_IF_ERROR(GetString(*p, "type", "payload.type", true, &payload.type));
  RETURN_IF_ERROR(GetString(*p, "data", "payload.data", true, &data_b64));
  ASSIGN_OR_RETURN(payload.data, Base64Decode(data_b64, "payload.data"));
  return payload;
}

absl::StatusOr<std::optional<NotificationToken>> DecodeToken(const Json& body) {
  ASSIGN_OR_RETURN(const Json* t, GetObject(body, "notificationToken", "notificationToken", false));
  if (t == nullptr) return std::optional<NotificationToken>();
  NotificationToken token;
  RETURN_IF_ERROR(GetString(*t, "type", "notificationToken.type", true, &token.type));
  RETURN_IF_ERROR(
      GetString(*t, "tokenData", "notificationToken.tokenData", true, &token.token_data));
  return std::optional<NotificationToken>(std::move(token));
}

absl::Status DecodeDisplay(const Json& body, DisplayInformation* out) {
  ASSIGN_OR_RETURN(const Json* d,
                   GetObject(body, "displayInformation", "displayInformation", false));
  if (d == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(GetString(*d, "title", "displayInformation.title", false, &out->title));
  RETURN_IF_ERROR(
      GetString(*d, "description", "displayInformation.description", false, &out->description));
  RETURN_IF_ERROR(GetString(*d, "imageURL", "displayInformation.imageURL", false, &out->image_url));
  return absl::OkStatus();
}

absl::Status DecodeConfiguration(const Json& body, CreateMailboxRequest* out) {
  ASSIGN_OR_RETURN(const Json* c,
                   GetObject(body, "mailboxConfiguration", "mailboxConfiguration", false));
  if (c == nullptr) return absl::OkStatus();
  if (Member(*c, "accessRights") != nullptr) {
    std::string rights;
    RETURN_IF_ERROR(
        GetString(*c, "accessRights", "mailboxConfiguration.accessRights", true, &rights));
    out->access_rights = std::move(rights);  // present, even if empty
  }
  std::string expiration;
  RETURN_IF_ERROR(
      GetString(*c, "expiration", "mailboxConfiguration.expiration", false, &expiration));
  if (Member(*c, "expiration") != nullptr) {
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
  return Json{{"type", p.type}, {"data", Base64Encode(p.data)}};
}

Json EncodeDisplay(const DisplayInformation& d) {
  return Json{{"title", d.title}, {"description", d.description}, {"imageURL", d.image_url}};
}

// ---- requests and answers of the six operations -------------------------

// The {id} path segment (its syntax is the service's to judge).
std::string PathMailboxId(const httplib::Request& req) {
  return req.matches.size() > 1 ? std::string(req.matches[1]) : std::string();
}

absl::StatusOr<CreateMailboxRequest> DecodeCreate(const httplib::Request& req) {
  ASSIGN_OR_RETURN(Json body, ParseObject(req.body, /*allow_empty=*/false));
  CreateMailboxRequest r;
  r.device_claim = req.get_header_value(kClaimHeader);
  r.request_id = req.get_header_value(kRequestIdHeader);
  r.attestation = req.get_header_value(kAttestationHeader);
  ASSIGN_OR_RETURN(r.payload, DecodePayload(body));
  RETURN_IF_ERROR(DecodeDisplay(body, &r.display));
  ASSIGN_OR_RETURN(r.notification_token, DecodeToken(body));
  RETURN_IF_ERROR(DecodeConfiguration(body, &r));
  return r;
}

absl::StatusOr<UpdateMailboxRequest> DecodeUpdate(const httplib::Request& req) {
  ASSIGN_OR_RETURN(Json body, ParseObject(req.body, /*allow_empty=*/false));
  UpdateMailboxRequest r;
  r.mailbox_id = PathMailboxId(req);
  r.device_claim = req.get_header_value(kClaimHeader);
  r.request_id = req.get_header_value(kRequestIdHeader);
  ASSIGN_OR_RETURN(r.payload, DecodePayload(body));
  ASSIGN_OR_RETURN(r.notification_token, DecodeToken(body));
  return r;
}

absl::StatusOr<ReadSecureContentRequest> DecodeRead(const httplib::Request& req) {
  ASSIGN_OR_RETURN(Json body, ParseObject(req.body, /*allow_empty=*/true));
  ReadSecureContentRequest r;
  r.mailbox_id = PathMailboxId(req);
  r.device_claim = req.get_header_value(kClaimHeader);
  r.request_id = req.get_header_value(kRequestIdHeader);
  ASSIGN_OR_RETURN(r.notification_token, DecodeToken(body));
  return r;
}

// DeleteMailboxRequest and RelinquishMailboxRequest: the path and headers.
template <class Request>
Request DecodePathAndHeaders(const httplib::Request& req) {
  return Request{PathMailboxId(req), req.get_header_value(kClaimHeader),
                 req.get_header_value(kRequestIdHeader)};
}

void SetCommonHeaders(httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
}

void SetJson(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(Dump(body), kJson);
}

// 201 answers a repeated request id (the draft), 200 anything else.
int SuccessStatus(bool repeated) { return repeated ? 201 : 200; }

void EncodeRead(const ReadSecureContentResponse& out, httplib::Response& res) {
  SetJson(res, SuccessStatus(out.repeated),
          Json{{"payload", EncodePayload(out.payload)},
               {"displayInformation", EncodeDisplay(out.display)},
               {"expiration", FormatRfc3339(WholeSeconds(out.expiration))}});
}

void EncodePreview(const ReadDisplayInformationResponse& out, httplib::Response& res) {
  res.status = 200;
  res.set_header("Content-Security-Policy", kPreviewContentSecurityPolicy);
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_content(RenderPreviewPage(out.display, out.url_link), "text/html; charset=utf-8");
}

// The answer to a failed operation: the shared status mapping, plus
// Retry-After on 429 (`retry_after`, asked only then: with shared limiters
// it costs a store round trip) and on 503.
void EncodeError(const absl::Status& status, const std::function<absl::Duration()>& retry_after,
                 httplib::Response& res) {
  const int code = ToHttpStatus(status);
  res.status = code;
  res.set_content(ToHttpErrorBody(status), kJson);
  if (code == 429) {
    const double secs = absl::ToDoubleSeconds(retry_after());
    res.set_header("Retry-After",
                   std::to_string(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(secs)))));
  } else if (code == 503) {
    // store_unavailable (Redis down, a contended mailbox): transient, and
    // nothing was changed; tell clients to come back shortly (RFC 9110
    // section 10.2.3) rather than hammer the relay.
    res.set_header("Retry-After", "1");
  }
}

// ---- what httplib handles before and around the routes --------------------

// The methods `path` serves ("GET, HEAD"), or null for a path no route serves.
const char* AllowedMethods(const std::string& path) {
  if (path == "/v1/m") return "POST";
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

// Runs before routing: makes an absent body explicit and answers 405 (with
// Allow) to a method the path does not serve, before the body is read.
httplib::Server::HandlerResponse PreRoute(const httplib::Request& req, httplib::Response& res,
                                          RelayMetrics* metrics) {
  // RFC 9112 section 6.3: a request with neither Content-Length nor
  // Transfer-Encoding has an empty body. httplib would instead read until
  // the read timeout and answer 400 (e.g. `curl -X POST` with no -d), so
  // make the empty length explicit. The Request is httplib's own mutable
  // object, handed to this hook as const.
  if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
    const_cast<httplib::Request&>(req).headers.emplace("Content-Length", "0");
  }
  const char* allowed = AllowedMethods(req.path);
  if (allowed == nullptr || IsListed(allowed, req.method)) {
    return httplib::Server::HandlerResponse::Unhandled;
  }
  SetCommonHeaders(res);
  res.status = 405;
  res.set_header("Allow", allowed);
  res.set_content(
      ToHttpErrorBody(MakeError(absl::StatusCode::kUnimplemented, "method_not_allowed",
                                absl::StrCat("method: ", req.method, " is not allowed on ",
                                             req.path, " (allowed: ", allowed, ")"))),
      kJson);
  metrics->RecordRequest("http", "other", "405", absl::ZeroDuration());
  return httplib::Server::HandlerResponse::Handled;
}

bool IsHttpMethodToken(const std::string& m) {
  static const std::set<std::string>* known = new std::set<std::string>{
      "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  return known->count(m) > 0;
}

// Errors httplib produces itself (unknown path, oversize body, bad request
// line) get the same JSON error shape.
httplib::Server::HandlerResponse HandleHttplibError(const httplib::Request& req,
                                                    httplib::Response& res) {
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  SetCommonHeaders(res);
  absl::Status status;
  if (res.status == 413) {
    status = MakeError(absl::StatusCode::kResourceExhausted, "payload_too_large",
                       "body: larger than the relay accepts");
  } else if (res.status == 404) {
    status = MakeError(absl::StatusCode::kNotFound, "not_found",
                       absl::StrCat("path: no such resource ", req.path));
  } else if (res.status == 400 && !req.method.empty() && !IsHttpMethodToken(req.method)) {
    res.status = 405;
    status = MakeError(absl::StatusCode::kUnimplemented, "method_not_allowed",
                       "method: unknown HTTP method");
  } else {
    status = MakeError(absl::StatusCode::kInvalidArgument, "bad_request",
                       absl::StrCat("request: malformed HTTP request (status ", res.status, ")"));
  }
  res.set_content(ToHttpErrorBody(status), kJson);
  return httplib::Server::HandlerResponse::Handled;
}

// No handler should throw; if one does, answer a JSON 500 rather than
// httplib's default (which echoes the exception text in a header).
void HandleException(const httplib::Request&, httplib::Response& res, std::exception_ptr) {
  SetCommonHeaders(res);
  res.status = 500;
  res.set_content(
      ToHttpErrorBody(MakeError(absl::StatusCode::kInternal, "internal", "relay: internal error")),
      kJson);
}

// httplib listens with a backlog of 5 (compiled into libcpp-httplib), so a
// burst of simultaneous connects overflows it and clients wait a 1 s SYN
// retransmission. Linux lets listen() be called again on a listening socket
// to change the backlog; the subclass only exposes the socket for that.
template <class Base>
class BacklogServer : public Base {
 public:
  using Base::Base;
  bool RaiseBacklog(int backlog) { return ::listen(this->svr_sock_, backlog) == 0; }
};
constexpr int kListenBacklog = 1024;

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

absl::StatusOr<std::unique_ptr<RelayHttpServer>> RelayHttpServer::Start(MailboxService* service,
                                                                        RelayMetrics* metrics,
                                                                        RelayHttpOptions options) {
  auto server = Bind(std::move(options));
  if (!server.ok()) return server.status();
  (*server)->Serve(service, metrics);
  return server;
}

absl::StatusOr<std::unique_ptr<RelayHttpServer>> RelayHttpServer::Bind(RelayHttpOptions options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return InvalidField("--tls_cert/--tls_key", "set both or neither");
  }
  auto server = std::unique_ptr<RelayHttpServer>(new RelayHttpServer());
  server->options_ = options;
  if (!options.tls_cert_file.empty()) {
    auto ssl = std::make_unique<BacklogServer<httplib::SSLServer>>(options.tls_cert_file.c_str(),
                                                                   options.tls_key_file.c_str());
    if (!ssl->is_valid()) {
      return MakeError(absl::StatusCode::kUnavailable, "tls_load_failed",
                       "--tls_cert/--tls_key: cannot load the certificate or key");
    }
    server->server_ = std::move(ssl);
  } else {
    server->server_ = std::make_unique<BacklogServer<httplib::Server>>();
  }
  const int threads = options.threads > 0 ? options.threads : 1;
  server->server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Without TCP_NODELAY a small response written in two pieces (headers,
  // body) waits for the client's delayed ACK: ~40 ms per request. Set before
  // binding: accepted sockets inherit it from the listening socket.
  server->server_->set_tcp_nodelay(true);
  server->server_->set_keep_alive_timeout(5);
  // httplib's default closes a connection after 5 requests; load generators
  // and real clients keep connections for many.
  server->server_->set_keep_alive_max_count(100000);
  int port = options.port;
  if (port == 0) {
    port = server->server_->bind_to_any_port(options.host);
  } else if (!server->server_->bind_to_port(options.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return MakeError(absl::StatusCode::kUnavailable, "bind_failed",
                     absl::StrCat("--http_listen: cannot bind ", options.host, ":", options.port));
  }
  server->port_ = port;
  // Both server types are BacklogServer<...>; raise the accept backlog.
  bool raised = !options.tls_cert_file.empty()
                    ? static_cast<BacklogServer<httplib::SSLServer>*>(server->server_.get())
                          ->RaiseBacklog(kListenBacklog)
                    : static_cast<BacklogServer<httplib::Server>*>(server->server_.get())
                          ->RaiseBacklog(kListenBacklog);
  if (!raised) {
    std::cerr << "relay: could not raise the HTTP listen backlog; keeping 5" << std::endl;
  }
  return server;
}

void RelayHttpServer::Serve(MailboxService* service, RelayMetrics* metrics) {
  service_ = service;
  metrics_ = metrics;
  max_body_bytes_ = MaxBodyBytes(service->limits());
  server_->set_payload_max_length(max_body_bytes_);
  RegisterRoutes();
  if (exchange_hook_) server_->set_logger(exchange_hook_);
  httplib::Server* raw = server_.get();
  thread_ = std::thread([raw] { raw->listen_after_bind(); });
  // stop() is a no-op until the server loop runs, so do not hand out a server
  // that could not be stopped. The loop starts at once; bound the wait anyway.
  for (int i = 0; i < 5000 && !raw->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

RelayHttpServer::~RelayHttpServer() { Stop(); }

void RelayHttpServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void RelayHttpServer::RegisterRoutes() {
  MailboxService* service = service_;
  RelayMetrics* metrics = metrics_;
  server_->set_pre_routing_handler([metrics](const httplib::Request& req, httplib::Response& res) {
    return PreRoute(req, res, metrics);
  });
  server_->set_error_handler(httplib::Server::HandlerWithResponse(HandleHttplibError));
  server_->set_exception_handler(HandleException);
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    SetCommonHeaders(res);
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/metrics", [service, metrics](const httplib::Request&, httplib::Response& res) {
    SetCommonHeaders(res);
    absl::StatusOr<int64_t> live = service->LiveMailboxes();
    res.set_content(metrics->Render(service->stats(), live.ok() ? *live : -1),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  RegisterMailboxRoutes();
}

void RelayHttpServer::RunOperation(const char* operation, const httplib::Request& req,
                                   httplib::Response& res, const Operation& body) {
  const auto start = std::chrono::steady_clock::now();
  CallContext ctx;
  ctx.client_address = req.remote_addr;
  ctx.face = Face::kHttp;
  SetCommonHeaders(res);
  absl::Status status = body(ctx, res);
  if (!status.ok()) {
    EncodeError(
        status, [this, &ctx] { return service_->RetryAfter(ctx); }, res);
  }
  metrics_->RecordRequest("http", operation, std::to_string(res.status),
                          absl::FromChrono(std::chrono::steady_clock::now() - start));
}

absl::Status RelayHttpServer::CheckBodySize(const httplib::Request& req) const {
  if (req.body.size() > max_body_bytes_) {
    return MakeError(absl::StatusCode::kResourceExhausted, "payload_too_large",
                     absl::StrCat("body: larger than ", max_body_bytes_, " bytes"));
  }
  return absl::OkStatus();
}

void RelayHttpServer::RegisterMailboxRoutes() {
  using Req = const httplib::Request&;
  using Res = httplib::Response&;
  MailboxService* service = service_;
  constexpr char kItem[] = R"(/v1/m/([^/]+))";
  server_->Post("/v1/m", [this, service](Req req, Res res) {
    RunOperation("create_mailbox", req, res, [&](const CallContext& ctx, Res res) {
      RETURN_IF_ERROR(CheckBodySize(req));
      ASSIGN_OR_RETURN(CreateMailboxRequest r, DecodeCreate(req));
      ASSIGN_OR_RETURN(CreateMailboxResponse out, service->CreateMailbox(ctx, r));
      SetJson(res, SuccessStatus(out.repeated),
              Json{{"urlLink", out.url_link},
                   {"isPushNotificationSupported", out.push_supported},
                   {"expiration", FormatRfc3339(WholeSeconds(out.expiration))}});
      return absl::OkStatus();
    });
  });
  server_->Put(kItem, [this, service](Req req, Res res) {
    RunOperation("update_mailbox", req, res, [&](const CallContext& ctx, Res res) {
      RETURN_IF_ERROR(CheckBodySize(req));
      ASSIGN_OR_RETURN(UpdateMailboxRequest r, DecodeUpdate(req));
      ASSIGN_OR_RETURN(UpdateMailboxResponse out, service->UpdateMailbox(ctx, r));
      SetJson(res, SuccessStatus(out.repeated), Json::object());
      return absl::OkStatus();
    });
  });
  server_->Post(kItem, [this, service](Req req, Res res) {
    RunOperation("read_secure_content", req, res, [&](const CallContext& ctx, Res res) {
      RETURN_IF_ERROR(CheckBodySize(req));
      ASSIGN_OR_RETURN(ReadSecureContentRequest r, DecodeRead(req));
      ASSIGN_OR_RETURN(ReadSecureContentResponse out, service->ReadSecureContent(ctx, r));
      EncodeRead(out, res);
      return absl::OkStatus();
    });
  });
  server_->Get(kItem, [this, service](Req req, Res res) {
    RunOperation("read_display_information", req, res, [&](const CallContext& ctx, Res res) {
      ASSIGN_OR_RETURN(ReadDisplayInformationResponse out,
                       service->ReadDisplayInformation(ctx, PathMailboxId(req)));
      EncodePreview(out, res);
      return absl::OkStatus();
    });
  });
  server_->Delete(kItem, [this, service](Req req, Res res) {
    RunOperation("delete_mailbox", req, res, [&](const CallContext& ctx, Res res) {
      auto r = DecodePathAndHeaders<DeleteMailboxRequest>(req);
      ASSIGN_OR_RETURN(EmptyResponse out, service->DeleteMailbox(ctx, r));
      SetJson(res, SuccessStatus(out.repeated), Json::object());
      return absl::OkStatus();
    });
  });
  server_->Patch(kItem, [this, service](Req req, Res res) {
    RunOperation("relinquish_mailbox", req, res, [&](const CallContext& ctx, Res res) {
      auto r = DecodePathAndHeaders<RelinquishMailboxRequest>(req);
      ASSIGN_OR_RETURN(EmptyResponse out, service->RelinquishMailbox(ctx, r));
      SetJson(res, SuccessStatus(out.repeated), Json::object());
      return absl::OkStatus();
    });
  });
}

}  // namespace sct::relay
