// The one place that maps absl::Status to transport status codes.
//
// Every absl::StatusCode has an explicit entry in each table (no "everything
// else is UNKNOWN"); unit tests walk all codes. Pure functions; thread-safe.
#ifndef SCT_COMMON_STATUS_MAPPING_H_
#define SCT_COMMON_STATUS_MAPPING_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace sct {

// absl -> gRPC: same numeric code, the message, and the stable reason
// (ReasonOf) in error_details so gRPC clients can match on it. error_details
// is a serialized google.rpc.Status (the gRPC "rich error" convention) whose
// details hold one google.rpc.ErrorInfo{reason, domain: "sct-lab"}.
grpc::Status ToGrpcStatus(const absl::Status& status);

// gRPC -> absl: the inverse, restoring the reason from error_details.
// Missing or malformed details give a plain status (reason = code name);
// unknown numeric codes become UNKNOWN.
absl::Status FromGrpcStatus(const grpc::Status& status);

// absl code -> HTTP status code:
// OK 200, INVALID_ARGUMENT/OUT_OF_RANGE/FAILED_PRECONDITION 400,
// UNAUTHENTICATED/PERMISSION_DENIED 401 (the draft uses 401 for a wrong claim),
// NOT_FOUND 404, ALREADY_EXISTS/ABORTED 409, RESOURCE_EXHAUSTED 429 (413 is
// chosen here for RESOURCE_EXHAUSTED with reason "payload_too_large"),
// CANCELLED 499, UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504,
// UNKNOWN/INTERNAL/DATA_LOSS 500.
int ToHttpStatus(const absl::Status& status);

// The JSON error body: {"error":{"code":"<reason>","message":"<message>"}}
// with both strings JSON-escaped; bytes that are not UTF-8 become U+FFFD.
std::string ToHttpErrorBody(const absl::Status& status);

// HTTP answer -> absl, the inverse of ToHttpStatus + ToHttpErrorBody for a
// client of the draft's API: the reason is the body's error.code (a string
// of [a-z0-9_], at most 64 bytes; else the code's default), the message its
// error.message (at most 512 bytes kept). The code: 400 INVALID_ARGUMENT;
// 401 UNAUTHENTICATED, or PERMISSION_DENIED for reason "access_denied",
// "attestation_required" or "bad_attestation" (the draft answers 401 for
// all; the last two come from a relay that checks device attestations); 404 NOT_FOUND; 408 DEADLINE_EXCEEDED; 409
// ABORTED; 413 and 429 RESOURCE_EXHAUSTED; 499 CANCELLED; 501 UNIMPLEMENTED;
// 503 UNAVAILABLE; 504 DEADLINE_EXCEEDED; any other 4xx INVALID_ARGUMENT;
// 5xx and anything else INTERNAL. A 2xx status gives OK. A body that is not
// the error shape keeps the code with its default reason.
absl::Status FromHttpError(int http_status, const std::string& body);

}  // namespace sct

#endif  // SCT_COMMON_STATUS_MAPPING_H_
