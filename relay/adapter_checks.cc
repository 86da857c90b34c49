#include "relay/adapter_checks.h"

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/uuid.h"

namespace sct::relay {

absl::Status CheckDeviceClaim(absl::string_view claim, absl::string_view field) {
  if (claim.empty()) {
    return MakeError(absl::StatusCode::kUnauthenticated, kClaimMissing,
                     absl::StrCat(field, ": missing device claim"));
  }
  if (!IsValidUuid(claim)) return InvalidField(field, "not a UUID");
  return absl::OkStatus();
}

absl::Status CheckRequestId(absl::string_view request_id, absl::string_view field) {
  if (request_id.empty()) return InvalidField(field, "missing");
  if (!IsValidUuid(request_id)) return InvalidField(field, "not a UUID");
  return absl::OkStatus();
}

absl::Status CheckPayload(const Payload& payload, absl::string_view prefix) {
  if (payload.type != kAeadAes128Gcm && payload.type != kAeadAes256Gcm) {
    return InvalidField(absl::StrCat(prefix, ".type"),
                        absl::StrCat("must be ", kAeadAes128Gcm, " or ", kAeadAes256Gcm));
  }
  if (payload.data.size() < kIvBytes + kTagBytes) {
    return InvalidField(absl::StrCat(prefix, ".data"),
                        "shorter than IV (12 bytes) + tag (16 bytes)");
  }
  return absl::OkStatus();
}

absl::Status CheckAccessRights(absl::string_view rights, absl::string_view field) {
  if (rights.empty() || rights.size() > 3) {
    return InvalidField(field, "must combine R, W and D, e.g. \"RD\"");
  }
  bool seen[3] = {false, false, false};
  for (char c : rights) {
    const int i = c == 'R' ? 0 : c == 'W' ? 1 : c == 'D' ? 2 : -1;
    if (i < 0) return InvalidField(field, "only R, W and D are allowed");
    if (seen[i]) return InvalidField(field, "a right appears twice");
    seen[i] = true;
  }
  return absl::OkStatus();
}

absl::Status CheckNotificationToken(const NotificationToken& token,
                                    absl::string_view prefix) {
  if (token.type.empty()) return InvalidField(absl::StrCat(prefix, ".type"), "missing");
  return absl::OkStatus();
}

absl::Time WholeSeconds(absl::Time t) { return absl::FromUnixSeconds(absl::ToUnixSeconds(t)); }

std::string ClientAddressFromGrpcPeer(absl::string_view peer) {
  if (absl::ConsumePrefix(&peer, "ipv4:")) {
    const size_t colon = peer.rfind(':');
    return std::string(colon == absl::string_view::npos ? peer : peer.substr(0, colon));
  }
  if (absl::ConsumePrefix(&peer, "ipv6:")) {
    // gRPC writes "ipv6:[::1]:5" or, URI-encoded, "ipv6:%5B::1%5D:5".
    if (absl::ConsumePrefix(&peer, "[")) {
      const size_t end = peer.find(']');
      return std::string(end == absl::string_view::npos ? peer : peer.substr(0, end));
    }
    if (absl::ConsumePrefix(&peer, "%5B") || absl::ConsumePrefix(&peer, "%5b")) {
      size_t end = peer.find("%5D");
      if (end == absl::string_view::npos) end = peer.find("%5d");
      return std::string(end == absl::string_view::npos ? peer : peer.substr(0, end));
    }
    return std::string(peer);
  }
  return std::string(peer);
}

}  // namespace sct::relay
