#include "device/relay_answer.h"

#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base64.h"
#include "common/bhttp.h"
#include "common/draft_http.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "crypto/ohttp.h"
#include "nlohmann/json.hpp"

namespace sct::device {
namespace {

namespace rv = ::relay::v1;
namespace dh = ::sct::draft_http;
using Json = nlohmann::json;

absl::Status BadAnswer(absl::string_view what) {
  return MakeError(absl::StatusCode::kInternal, "bad_relay_response",
                   absl::StrCat("relay answer: ", what));
}

absl::Status BadEnvelope(absl::string_view what) {
  return MakeError(absl::StatusCode::kInternal, "bad_relay_response",
                   absl::StrCat("oblivious relay answer: ", what));
}

// The JSON object of a 2xx answer.
absl::StatusOr<Json> JsonBody(const RelayAnswer& answer) {
  RETURN_IF_ERROR(RelayAnswerStatus(answer));
  Json j = Json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return BadAnswer("the body is not a JSON object");
  return j;
}

// The string member `key` ("" when absent or null; an error naming `path`
// when not a string).
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

absl::Status DecodeDisplay(const Json& display, rv::DisplayInformation* d) {
  ASSIGN_OR_RETURN(*d->mutable_title(), OptString(display, dh::kTitle, "displayInformation.title"));
  ASSIGN_OR_RETURN(*d->mutable_description(),
                   OptString(display, dh::kDescription, "displayInformation.description"));
  ASSIGN_OR_RETURN(*d->mutable_image_url(),
                   OptString(display, dh::kImageUrl, "displayInformation.imageURL"));
  return absl::OkStatus();
}

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
// The page is raw bytes (no JSON parser vouches for them): content that is
// not UTF-8 is a bad answer, as it would be in a JSON string.
absl::StatusOr<std::string> MetaContent(const std::string& html, absl::string_view property) {
  const std::string key = absl::StrCat("property=\"", property, "\"");
  size_t at = html.find(key);
  if (at == std::string::npos) return std::string();
  const size_t end_tag = html.find('>', at);
  at = html.find("content=\"", at);
  if (at == std::string::npos || at > end_tag) return std::string();
  at += sizeof("content=\"") - 1;
  const size_t close = html.find('"', at);
  if (close == std::string::npos) return std::string();
  std::string content = UnescapeHtml(absl::string_view(html).substr(at, close - at));
  if (!IsValidUtf8(content)) return BadAnswer(absl::StrCat(property, " is not UTF-8"));
  return content;
}

// Delay-seconds or an HTTP-date: 1 to 32 bytes of printable ASCII. Anything
// else is not quoted (it would put control bytes or invalid UTF-8 into the
// error message).
bool IsQuotableRetryAfter(absl::string_view value) {
  if (value.empty() || value.size() > 32) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

std::string HeaderValue(const RelayAnswer& answer, absl::string_view name) {
  for (const auto& [key, value] : answer.headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

absl::Status RelayAnswerStatus(const RelayAnswer& answer) {
  if (answer.status >= 200 && answer.status < 300) return absl::OkStatus();
  absl::Status error = FromHttpError(answer.status, answer.body);
  if (error.ok()) return BadAnswer(absl::StrCat("status ", answer.status));
  const std::string retry_after = HeaderValue(answer, "Retry-After");
  if (!IsQuotableRetryAfter(retry_after)) return error;
  return MakeError(error.code(), ReasonOf(error),
                   absl::StrCat(error.message(), " (Retry-After: ", retry_after, ")"));
}

absl::Status CheckRequestIdEcho(const RelayAnswer& answer, absl::string_view sent_id) {
  for (const auto& [key, value] : answer.headers) {
    if (absl::EqualsIgnoreCase(key, dh::kRequestIdHeader) && value != sent_id) {
      return BadAnswer(absl::StrCat(dh::kRequestIdHeader, " does not echo the request's"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<rv::CreateMailboxResponse> DecodeCreateAnswer(const RelayAnswer& answer) {
  ASSIGN_OR_RETURN(Json j, JsonBody(answer));
  rv::CreateMailboxResponse out;
  ASSIGN_OR_RETURN(*out.mutable_url_link(), OptString(j, dh::kUrlLink, dh::kUrlLink));
  if (out.url_link().empty()) return BadAnswer("urlLink missing");
  ASSIGN_OR_RETURN(bool push, OptBool(j, dh::kIsPushNotificationSupported));
  out.set_is_push_notification_supported(push);
  ASSIGN_OR_RETURN(*out.mutable_expiration(), OptString(j, dh::kExpiration, dh::kExpiration));
  out.set_repeated(answer.status == 201);
  return out;
}

absl::StatusOr<rv::UpdateMailboxResponse> DecodeUpdateAnswer(const RelayAnswer& answer) {
  ASSIGN_OR_RETURN(Json j, JsonBody(answer));
  rv::UpdateMailboxResponse out;
  ASSIGN_OR_RETURN(bool push, OptBool(j, dh::kIsPushNotificationSupported));
  out.set_is_push_notification_supported(push);
  out.set_repeated(answer.status == 201);
  return out;
}

absl::StatusOr<rv::ReadSecureContentResponse> DecodeReadAnswer(const RelayAnswer& answer) {
  ASSIGN_OR_RETURN(Json j, JsonBody(answer));
  rv::ReadSecureContentResponse out;
  auto payload = j.find(dh::kPayload);
  if (payload == j.end() || !payload->is_object()) return BadAnswer("payload missing");
  ASSIGN_OR_RETURN(std::string type, OptString(*payload, dh::kPayloadType, "payload.type"));
  ASSIGN_OR_RETURN(std::string data, OptString(*payload, dh::kPayloadData, "payload.data"));
  absl::StatusOr<std::string> raw = Base64Decode(data, "payload.data");
  if (!raw.ok()) return BadAnswer("payload.data is not base64");
  out.mutable_payload()->set_type(std::move(type));
  out.mutable_payload()->set_data(*std::move(raw));
  auto display = j.find(dh::kDisplayInformation);
  if (display != j.end() && display->is_object()) {
    RETURN_IF_ERROR(DecodeDisplay(*display, out.mutable_display_information()));
  }
  ASSIGN_OR_RETURN(*out.mutable_expiration(), OptString(j, dh::kExpiration, dh::kExpiration));
  out.set_repeated(answer.status == 201);
  return out;
}

absl::StatusOr<rv::ReadDisplayInformationResponse> DecodePreviewAnswer(const RelayAnswer& answer) {
  RETURN_IF_ERROR(RelayAnswerStatus(answer));
  rv::ReadDisplayInformationResponse out;
  rv::DisplayInformation* d = out.mutable_display_information();
  ASSIGN_OR_RETURN(*d->mutable_title(), MetaContent(answer.body, "og:title"));
  ASSIGN_OR_RETURN(*d->mutable_description(), MetaContent(answer.body, "og:description"));
  ASSIGN_OR_RETURN(*d->mutable_image_url(), MetaContent(answer.body, "og:image"));
  ASSIGN_OR_RETURN(*out.mutable_url_link(), MetaContent(answer.body, "og:url"));
  return out;
}

absl::StatusOr<rv::DeleteMailboxResponse> DecodeDeleteAnswer(const RelayAnswer& answer) {
  RETURN_IF_ERROR(RelayAnswerStatus(answer));
  rv::DeleteMailboxResponse out;
  out.set_repeated(answer.status == 201);
  return out;
}

absl::StatusOr<rv::RelinquishMailboxResponse> DecodeRelinquishAnswer(const RelayAnswer& answer) {
  RETURN_IF_ERROR(RelayAnswerStatus(answer));
  rv::RelinquishMailboxResponse out;
  out.set_repeated(answer.status == 201);
  return out;
}

absl::Status CheckObliviousEnvelope(const RelayAnswer& outer) {
  if (outer.status != 200) {
    if (outer.status >= 200 && outer.status < 300) {
      return BadEnvelope(absl::StrCat("status ", outer.status, ", not 200"));
    }
    return FromHttpError(outer.status, outer.body);
  }
  if (!absl::EqualsIgnoreCase(HeaderValue(outer, "Content-Type"),
                              crypto::ohttp::kResponseMediaType)) {
    return BadEnvelope("not message/ohttp-res");
  }
  return absl::OkStatus();
}

absl::StatusOr<RelayAnswer> DecodeInnerAnswer(absl::string_view opened, size_t max_body_bytes) {
  absl::StatusOr<bhttp::Response> response = bhttp::DecodeResponse(opened);
  if (!response.ok()) return BadEnvelope(response.status().message());
  if (response->content.size() > max_body_bytes) {
    return BadAnswer(absl::StrCat("body larger than ", max_body_bytes, " bytes"));
  }
  RelayAnswer out;
  out.status = response->status;
  for (bhttp::Field& f : response->headers) {
    out.headers.emplace_back(std::move(f.name), std::move(f.value));
  }
  out.body = std::move(response->content);
  return out;
}

absl::StatusOr<std::string> DecodeDerivedAnswer(const RelayAnswer& answer) {
  if (answer.status < 200 || answer.status >= 300) {
    return FromHttpError(answer.status, answer.body);
  }
  return answer.body;
}

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i - 1 < n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const uint32_t min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace sct::device
