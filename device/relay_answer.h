// The device's decoders of a relay's HTTP answers: pure functions from one
// answer (status, headers, body) to the typed result the device uses, or a
// clear error. One home for everything the device reads from an untrusted
// relay over HTTP: the mailbox relay's draft API (device/http_relay_client.h),
// the same answers carried inside Oblivious HTTP (device/ohttp_transport.h),
// and the derived-locations relay (device/derived_relay_client.h). The
// transports only move bytes; the fuzz target device/fuzz:relay_answer_fuzzer
// feeds these functions directly.
//
// Errors: a non-2xx answer becomes the error it stands for
// (common/status_mapping.h FromHttpError: the relay's stable reason, or the
// status's default one), with its Retry-After quoted in the message when
// that is 1 to 32 bytes of printable ASCII (delay-seconds or an HTTP-date). An answer that does not
// decode is INTERNAL "bad_relay_response", the message naming the field ("relay answer:
// payload.data is not base64"). Every string a decoder returns, and every error message, is valid
// UTF-8 (the device keeps them in proto3 string fields).
//
// Thread-safety: pure functions, thread-safe. Never logs.
#ifndef SCT_DEVICE_RELAY_ANSWER_H_
#define SCT_DEVICE_RELAY_ANSWER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/relay/v1/relay.pb.h"

namespace sct::device {

// One HTTP answer as received. Header names in any case.
struct RelayAnswer {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The value of the first header named `name` (case-insensitive), "" if none.
std::string HeaderValue(const RelayAnswer& answer, absl::string_view name);

// OK for a 2xx answer; else the error the answer stands for (see above).
absl::Status RelayAnswerStatus(const RelayAnswer& answer);

// The relay echoes the request's Mailbox-Request-ID. An answer that names
// another id (in any of its Mailbox-Request-ID headers) answers another
// request: INTERNAL "bad_relay_response" naming Mailbox-Request-ID. An
// answer without the header passes (a relay may refuse an id before reading
// it).
absl::Status CheckRequestIdEcho(const RelayAnswer& answer, absl::string_view sent_id);

// The mailbox API's answers (draft-vinokurov-tigress-http-00, docs/relay.md).
// Each first applies RelayAnswerStatus; `repeated` is set for a 201 (the
// relay recognised the request id).
absl::StatusOr<::relay::v1::CreateMailboxResponse> DecodeCreateAnswer(const RelayAnswer& answer);
absl::StatusOr<::relay::v1::UpdateMailboxResponse> DecodeUpdateAnswer(const RelayAnswer& answer);
absl::StatusOr<::relay::v1::ReadSecureContentResponse> DecodeReadAnswer(const RelayAnswer& answer);
// The preview page: the og: meta tags' content, HTML entities unescaped;
// a tag absent gives "", content that is not UTF-8 is a bad answer naming
// the tag ("og:title is not UTF-8").
absl::StatusOr<::relay::v1::ReadDisplayInformationResponse> DecodePreviewAnswer(
    const RelayAnswer& answer);
absl::StatusOr<::relay::v1::DeleteMailboxResponse> DecodeDeleteAnswer(const RelayAnswer& answer);
absl::StatusOr<::relay::v1::RelinquishMailboxResponse> DecodeRelinquishAnswer(
    const RelayAnswer& answer);

// Oblivious HTTP (RFC 9458): the oblivious relay's own answer must be a 200
// message/ohttp-res (else its error, or INTERNAL "bad_relay_response").
absl::Status CheckObliviousEnvelope(const RelayAnswer& outer);
// The opened answer: a Binary HTTP response (RFC 9292) as a RelayAnswer
// (header names lower case). INTERNAL "bad_relay_response" when it does not
// decode or its content exceeds `max_body_bytes`.
absl::StatusOr<RelayAnswer> DecodeInnerAnswer(absl::string_view opened, size_t max_body_bytes);

// The derived-locations relay (draft-rescorla-tigress-http-00): a 2xx
// answer's body (the message on GET), else its error.
absl::StatusOr<std::string> DecodeDerivedAnswer(const RelayAnswer& answer);

// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points
// past U+10FFFF).
bool IsValidUtf8(absl::string_view s);

}  // namespace sct::device

#endif  // SCT_DEVICE_RELAY_ANSWER_H_
