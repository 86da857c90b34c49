// The names of draft-vinokurov-tigress-http-00's mailbox API, in one place:
// the relay's HTTP face (relay/relay_http.cc) and the device's HTTP relay
// client (device/http_relay_client.cc) both use these, so a rename happens
// once. Paths, header names and the camelCase JSON member names of the
// bodies; docs/relay.md and docs/relay-api.yaml describe what they carry.
//
// Constants only; thread-safe.
#ifndef SCT_COMMON_DRAFT_HTTP_H_
#define SCT_COMMON_DRAFT_HTTP_H_

namespace sct::draft_http {

// Paths: POST kMailboxesPath creates; kMailboxPathPrefix + id is one mailbox.
inline constexpr char kMailboxesPath[] = "/v1/m";
inline constexpr char kMailboxPathPrefix[] = "/v1/m/";

// Request headers (the relay echoes kRequestIdHeader on every answer).
inline constexpr char kClaimHeader[] = "Mailbox-Device-Claim";
inline constexpr char kRequestIdHeader[] = "Mailbox-Request-ID";
inline constexpr char kAttestationHeader[] = "Mailbox-Device-Attestation";

// JSON members of the bodies.
inline constexpr char kPayload[] = "payload";
inline constexpr char kPayloadType[] = "type";
inline constexpr char kPayloadData[] = "data";
inline constexpr char kDisplayInformation[] = "displayInformation";
inline constexpr char kTitle[] = "title";
inline constexpr char kDescription[] = "description";
inline constexpr char kImageUrl[] = "imageURL";
inline constexpr char kNotificationToken[] = "notificationToken";
inline constexpr char kTokenType[] = "type";
inline constexpr char kTokenData[] = "tokenData";
inline constexpr char kMailboxConfiguration[] = "mailboxConfiguration";
inline constexpr char kAccessRights[] = "accessRights";
inline constexpr char kExpiration[] = "expiration";
inline constexpr char kUrlLink[] = "urlLink";
inline constexpr char kIsPushNotificationSupported[] = "isPushNotificationSupported";

// The error body: {"error":{"code":"<reason>","message":"<text>"}}.
inline constexpr char kError[] = "error";
inline constexpr char kErrorCode[] = "code";
inline constexpr char kErrorMessage[] = "message";

}  // namespace sct::draft_http

#endif  // SCT_COMMON_DRAFT_HTTP_H_
