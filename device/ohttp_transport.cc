#include "device/ohttp_transport.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/bhttp.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "runtime/files.h"

namespace sct::device {
namespace {

absl::Status BadAnswer(absl::string_view what) {
  return MakeError(absl::StatusCode::kInternal, "bad_relay_response",
                   absl::StrCat("oblivious relay answer: ", what));
}

}  // namespace

absl::StatusOr<std::unique_ptr<OhttpTransport>> OhttpTransport::Create(
    OhttpTransportOptions options) {
  absl::StatusOr<std::string> keys = ReadWholeFile(options.keys_file);
  if (!keys.ok()) return InvalidField("--ohttp_keys_file", "cannot be read");
  absl::StatusOr<std::vector<crypto::ohttp::KeyConfig>> configs =
      crypto::ohttp::ParseKeyConfigList(*keys);
  if (!configs.ok()) {
    return InvalidField("--ohttp_keys_file", absl::StrCat(configs.status().message()));
  }
  HttplibForwarderOptions relay;
  relay.url = options.relay_url;
  relay.url_field = "--ohttp_relay_url";
  relay.ca_file = options.ca_file;
  relay.timeout = options.timeout;
  relay.max_response_bytes = options.max_response_bytes;
  relay.source_address = options.source_address;
  ASSIGN_OR_RETURN(std::unique_ptr<HttplibForwarder> forwarder,
                   HttplibForwarder::Create(std::move(relay)));
  return std::unique_ptr<OhttpTransport>(
      new OhttpTransport((*configs)[0], std::move(forwarder), options.max_response_bytes));
}

absl::StatusOr<InnerResponse> OhttpTransport::Exchange(const InnerRequest& request) const {
  bhttp::Request inner;
  inner.method = request.method;
  inner.scheme = request.scheme;
  inner.authority = request.authority;
  inner.path = request.path;
  for (const auto& [name, value] : request.headers) {
    inner.headers.push_back({absl::AsciiStrToLower(name), value});
  }
  inner.content = request.body;
  ASSIGN_OR_RETURN(std::string encoded, bhttp::EncodeRequest(inner));
  ASSIGN_OR_RETURN(crypto::ohttp::EncapsulatedRequest sealed,
                   crypto::ohttp::EncapsulateRequest(config_, encoded));
  ForwardRequest post;
  post.method = "POST";
  post.headers = {{"Content-Type", crypto::ohttp::kRequestMediaType}};
  post.body = std::move(sealed.bytes);
  absl::StatusOr<ForwardResponse> answer = relay_->Send(post);
  if (!answer.ok()) {
    if (answer.status().code() == absl::StatusCode::kUnavailable) {
      return MakeError(absl::StatusCode::kUnavailable, "relay_unavailable",
                       absl::StrCat("oblivious relay unreachable: ", answer.status().message()));
    }
    return BadAnswer(answer.status().message());
  }
  RelayAnswer outer;
  outer.status = answer->status;
  outer.headers = std::move(answer->headers);
  outer.body = std::move(answer->body);
  RETURN_IF_ERROR(CheckObliviousEnvelope(outer));
  absl::StatusOr<std::string> opened = sealed.context.DecapsulateResponse(outer.body);
  if (!opened.ok()) return BadAnswer("does not open with this request's context");
  return DecodeInnerAnswer(*opened, max_response_bytes_);
}

}  // namespace sct::device
