#include "access_point/credential_profile.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sct::access_point {
namespace {

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (c == ',' || c == '=' || static_cast<unsigned char>(c) < 0x20 ||
        c == 0x7f) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> EncodeEntitlements(
    const std::vector<std::string>& entitlements) {
  if (entitlements.empty()) {
    return InvalidField("entitlements", "must not be empty");
  }
  for (const std::string& e : entitlements) {
    if (!ValidName(e)) {
      return InvalidField("entitlements", absl::StrCat("bad name \"", e, "\""));
    }
  }
  return absl::StrJoin(entitlements, ",");
}

absl::StatusOr<std::vector<std::string>> DecodeEntitlements(
    absl::string_view value) {
  if (value.empty()) {
    return InvalidField("entitlements extension", "empty");
  }
  std::vector<std::string> out = absl::StrSplit(value, ',');
  for (const std::string& e : out) {
    if (!ValidName(e)) {
      return InvalidField("entitlements extension", "malformed entitlement name");
    }
  }
  return out;
}

std::string EncodeCredentialPolicy(absl::string_view access_point_id,
                                   absl::string_view share_id) {
  return absl::StrCat("access_point_id=", access_point_id, "\nshare_id=",
                      share_id, "\n");
}

absl::StatusOr<std::vector<crypto::X509ExtensionSpec>> CredentialExtensions(
    const std::vector<std::string>& entitlements,
    absl::string_view access_point_id, absl::string_view share_id) {
  ASSIGN_OR_RETURN(std::string ent, EncodeEntitlements(entitlements));
  if (!ValidName(access_point_id)) {
    return InvalidField("access_point_id", "empty or malformed");
  }
  if (!share_id.empty() && !ValidName(share_id)) {
    return InvalidField("share_id", "malformed");
  }
  std::vector<crypto::X509ExtensionSpec> out;
  out.push_back({std::string(crypto::kOidEntitlements), true, ent});
  out.push_back({std::string(crypto::kOidCredentialPolicy), false,
                 EncodeCredentialPolicy(access_point_id, share_id)});
  return out;
}

absl::StatusOr<CredentialCertificateInfo> ReadCredentialCertificate(
    const crypto::Certificate& certificate) {
  CredentialCertificateInfo info;
  info.credential_id = certificate.SubjectCommonName();
  if (info.credential_id.empty()) {
    return InvalidField("certificate.subject", "no common name (credential id)");
  }
  auto ent = certificate.ExtensionValue(crypto::kOidEntitlements);
  if (!ent.ok()) {
    return InvalidField("certificate", "no entitlements extension");
  }
  ASSIGN_OR_RETURN(info.entitlements, DecodeEntitlements(*ent));
  auto policy = certificate.ExtensionValue(crypto::kOidCredentialPolicy);
  if (!policy.ok()) {
    return InvalidField("certificate", "no credential policy extension");
  }
  for (absl::string_view line : absl::StrSplit(*policy, '\n')) {
    if (line.empty()) continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (kv.first == "access_point_id") {
      info.access_point_id = std::string(kv.second);
    } else if (kv.first == "share_id") {
      info.share_id = std::string(kv.second);
    }
  }
  if (info.access_point_id.empty()) {
    return InvalidField("credential policy extension",
                        "no access_point_id");
  }
  info.not_before = certificate.NotBefore();
  info.not_after = certificate.NotAfter();
  return info;
}

}  // namespace sct::access_point
