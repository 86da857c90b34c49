#include "common/status_mapping.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "nlohmann/json.hpp"

namespace sct {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::ArrayInputStream;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;

// error_details follows the gRPC convention: a serialized google.rpc.Status
// whose details hold a google.rpc.ErrorInfo with the reason. The few fields
// are written by hand so the project needs no copy of googleapis' protos:
//   google.rpc.Status    { int32 code = 1; string message = 2; repeated Any
//   details = 3; } google.protobuf.Any  { string type_url = 1; bytes value = 2;
//   } google.rpc.ErrorInfo { string reason = 1; string domain = 2;
//   map<string,string> metadata = 3; }
constexpr absl::string_view kErrorInfoTypeUrl =
    "type.googleapis.com/google.rpc.ErrorInfo";
constexpr absl::string_view kErrorDomain = "sct-lab";

std::string EncodeErrorInfo(absl::string_view reason) {
  std::string out;
  {
    StringOutputStream raw(&out);
    CodedOutputStream os(&raw);
    WireFormatLite::WriteString(1, std::string(reason), &os);
    WireFormatLite::WriteString(2, std::string(kErrorDomain), &os);
  }
  return out;
}

std::string EncodeAny(absl::string_view type_url, const std::string& value) {
  std::string out;
  {
    StringOutputStream raw(&out);
    CodedOutputStream os(&raw);
    WireFormatLite::WriteString(1, std::string(type_url), &os);
    WireFormatLite::WriteBytes(2, value, &os);
  }
  return out;
}

std::string EncodeRpcStatus(int code, absl::string_view message,
                            absl::string_view reason) {
  std::string out;
  {
    StringOutputStream raw(&out);
    CodedOutputStream os(&raw);
    WireFormatLite::WriteInt32(1, code, &os);
    WireFormatLite::WriteString(2, std::string(message), &os);
    WireFormatLite::WriteBytes(
        3, EncodeAny(kErrorInfoTypeUrl, EncodeErrorInfo(reason)), &os);
  }
  return out;
}

// Reads length-delimited field `field_number` occurrences of a message,
// calling `fn` for each; false on malformed input.
template <typename Fn>
bool ForEachBytesField(absl::string_view bytes, int field_number, Fn fn) {
  ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
  CodedInputStream is(&raw);
  while (true) {
    uint32_t tag = is.ReadTag();
    if (tag == 0) return true;  // end of input (or a malformed tag)
    if (WireFormatLite::GetTagFieldNumber(tag) == field_number &&
        WireFormatLite::GetTagWireType(tag) ==
            WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      std::string value;
      if (!WireFormatLite::ReadBytes(&is, &value)) return false;
      fn(value);
    } else if (!WireFormatLite::SkipField(&is, tag)) {
      return false;
    }
  }
}

// The ErrorInfo reason inside a serialized google.rpc.Status, or "".
std::string DecodeReason(absl::string_view rpc_status) {
  std::string reason;
  ForEachBytesField(rpc_status, 3, [&](const std::string& any) {
    std::string type_url;
    std::string value;
    bool has_value = false;
    ForEachBytesField(any, 1, [&](const std::string& v) { type_url = v; });
    ForEachBytesField(any, 2, [&](const std::string& v) {
      value = v;
      has_value = true;
    });
    if (type_url != kErrorInfoTypeUrl || !has_value) return;
    ForEachBytesField(value, 1, [&](const std::string& r) {
      if (reason.empty()) reason = r;
    });
  });
  return reason;
}

grpc::StatusCode ToGrpcCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return grpc::StatusCode::OK;
    case absl::StatusCode::kCancelled:
      return grpc::StatusCode::CANCELLED;
    case absl::StatusCode::kUnknown:
      return grpc::StatusCode::UNKNOWN;
    case absl::StatusCode::kInvalidArgument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case absl::StatusCode::kDeadlineExceeded:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case absl::StatusCode::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case absl::StatusCode::kAlreadyExists:
      return grpc::StatusCode::ALREADY_EXISTS;
    case absl::StatusCode::kPermissionDenied:
      return grpc::StatusCode::PERMISSION_DENIED;
    case absl::StatusCode::kResourceExhausted:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case absl::StatusCode::kFailedPrecondition:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case absl::StatusCode::kAborted:
      return grpc::StatusCode::ABORTED;
    case absl::StatusCode::kOutOfRange:
      return grpc::StatusCode::OUT_OF_RANGE;
    case absl::StatusCode::kUnimplemented:
      return grpc::StatusCode::UNIMPLEMENTED;
    case absl::StatusCode::kInternal:
      return grpc::StatusCode::INTERNAL;
    case absl::StatusCode::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case absl::StatusCode::kDataLoss:
      return grpc::StatusCode::DATA_LOSS;
    case absl::StatusCode::kUnauthenticated:
      return grpc::StatusCode::UNAUTHENTICATED;
    default:
      break;  // a value outside the enum (absl reserves some)
  }
  return grpc::StatusCode::UNKNOWN;
}

absl::StatusCode FromGrpcCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return absl::StatusCode::kOk;
    case grpc::StatusCode::CANCELLED:
      return absl::StatusCode::kCancelled;
    case grpc::StatusCode::UNKNOWN:
      return absl::StatusCode::kUnknown;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return absl::StatusCode::kInvalidArgument;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::StatusCode::kDeadlineExceeded;
    case grpc::StatusCode::NOT_FOUND:
      return absl::StatusCode::kNotFound;
    case grpc::StatusCode::ALREADY_EXISTS:
      return absl::StatusCode::kAlreadyExists;
    case grpc::StatusCode::PERMISSION_DENIED:
      return absl::StatusCode::kPermissionDenied;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return absl::StatusCode::kResourceExhausted;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return absl::StatusCode::kFailedPrecondition;
    case grpc::StatusCode::ABORTED:
      return absl::StatusCode::kAborted;
    case grpc::StatusCode::OUT_OF_RANGE:
      return absl::StatusCode::kOutOfRange;
    case grpc::StatusCode::UNIMPLEMENTED:
      return absl::StatusCode::kUnimplemented;
    case grpc::StatusCode::INTERNAL:
      return absl::StatusCode::kInternal;
    case grpc::StatusCode::UNAVAILABLE:
      return absl::StatusCode::kUnavailable;
    case grpc::StatusCode::DATA_LOSS:
      return absl::StatusCode::kDataLoss;
    case grpc::StatusCode::UNAUTHENTICATED:
      return absl::StatusCode::kUnauthenticated;
    case grpc::StatusCode::DO_NOT_USE:
      return absl::StatusCode::kUnknown;
  }
  return absl::StatusCode::kUnknown;  // a number no enumerator names
}

std::string DefaultReason(absl::StatusCode code) {
  return ReasonOf(absl::Status(code, "x"));
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  grpc::StatusCode code = ToGrpcCode(status.code());
  std::string message(status.message());
  return grpc::Status(
      code, message,
      EncodeRpcStatus(static_cast<int>(code), message, ReasonOf(status)));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::StatusCode code = FromGrpcCode(status.error_code());
  if (code == absl::StatusCode::kOk) code = absl::StatusCode::kUnknown;
  std::string reason = DecodeReason(status.error_details());
  // Only a reason other than the code's default name needs the payload; this
  // keeps FromGrpcStatus(ToGrpcStatus(s)) == s for plain statuses.
  if (reason.empty() || reason == DefaultReason(code)) {
    return absl::Status(code, status.error_message());
  }
  return MakeError(code, reason, status.error_message());
}

int ToHttpStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kFailedPrecondition:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 401;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return ReasonOf(status) == "payload_too_large" ? 413 : 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kUnknown:
      return 500;
    case absl::StatusCode::kInternal:
      return 500;
    case absl::StatusCode::kDataLoss:
      return 500;
    default:
      break;  // a value outside the enum
  }
  return 500;
}

std::string ToHttpErrorBody(const absl::Status& status) {
  nlohmann::json body;
  body["error"]["code"] = ReasonOf(status);
  body["error"]["message"] = std::string(status.message());
  // Messages may quote user input that is not valid UTF-8; replace such bytes
  // (U+FFFD) instead of throwing.
  return body.dump(-1, ' ', /*ensure_ascii=*/false,
                   nlohmann::json::error_handler_t::replace);
}

namespace {

absl::StatusCode CodeOfHttp(int http_status, const std::string& reason) {
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return reason == "access_denied" || reason == "attestation_required" ||
                     reason == "bad_attestation"
                 ? absl::StatusCode::kPermissionDenied
                 : absl::StatusCode::kUnauthenticated;
    case 404:
      return absl::StatusCode::kNotFound;
    case 408:
      return absl::StatusCode::kDeadlineExceeded;
    case 409:
      return absl::StatusCode::kAborted;
    case 413:
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 499:
      return absl::StatusCode::kCancelled;
    case 501:
      return absl::StatusCode::kUnimplemented;
    case 503:
      return absl::StatusCode::kUnavailable;
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    default:
      break;
  }
  if (http_status >= 400 && http_status < 500) return absl::StatusCode::kInvalidArgument;
  return absl::StatusCode::kInternal;
}

bool IsStableReason(const std::string& reason) {
  if (reason.empty() || reason.size() > 64) return false;
  for (char c : reason) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_') return false;
  }
  return true;
}

}  // namespace

absl::Status FromHttpError(int http_status, const std::string& body) {
  if (http_status >= 200 && http_status < 300) return absl::OkStatus();
  std::string reason;
  std::string message;
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    auto error = j.find("error");
    if (error != j.end() && error->is_object()) {
      auto code = error->find("code");
      if (code != error->end() && code->is_string()) reason = code->get<std::string>();
      auto text = error->find("message");
      if (text != error->end() && text->is_string()) message = text->get<std::string>();
    }
  }
  if (!IsStableReason(reason)) reason.clear();
  if (message.size() > 512) {
    // Cut between characters: back off over the continuation bytes (10xxxxxx)
    // of a sequence the cut would split, and its lead byte.
    size_t keep = 512;
    while (keep > 0 && (static_cast<unsigned char>(message[keep]) & 0xC0) == 0x80) --keep;
    message.resize(keep);
  }
  const absl::StatusCode code = CodeOfHttp(http_status, reason);
  if (message.empty()) message = "HTTP " + std::to_string(http_status);
  if (reason.empty()) return absl::Status(code, message);
  return MakeError(code, reason, message);
}

}  // namespace sct
