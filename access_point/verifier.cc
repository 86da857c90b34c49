#include "access_point/verifier.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "access_point/credential_profile.h"
#include "common/errors.h"
#include "crypto/digest.h"
#include "crypto/ecdsa.h"
#include "crypto/hmac.h"
#include "crypto/random.h"

namespace sct::access_point {
namespace {

namespace apv1 = ::access_point::v1;

Decision Deny(AuthReason reason, std::string detail,
              std::string credential_id = "") {
  Decision d;
  d.reason = reason;
  d.detail = std::move(detail);
  d.credential_id = std::move(credential_id);
  return d;
}

bool Contains(const std::vector<std::string>& v, absl::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

std::string ChallengeTranscript(absl::string_view access_point_id,
                                absl::string_view nonce,
                                absl::string_view action) {
  return absl::StrCat(kAuthContext, access_point_id, absl::string_view("\0", 1),
                      nonce, absl::string_view("\0", 1), action);
}

std::vector<std::string> DefaultActions(::common::v1::AccessPointKind kind) {
  switch (kind) {
    case ::common::v1::CAR:
      return {"unlock", "lock", "drive", "open_trunk"};
    case ::common::v1::DOOR:
      return {"enter", "unlock", "lock"};
    case ::common::v1::HOTEL_LOCK:
      return {"enter"};
    default:
      return {};
  }
}

Verifier::Verifier(VerifierOptions options,
                   std::vector<crypto::Certificate> trust_anchors,
                   const RevocationList* revocations, const Clock& clock)
    : options_(std::move(options)),
      trust_anchors_(std::move(trust_anchors)),
      revocations_(revocations),
      clock_(clock) {
  if (options_.supported_actions.empty()) {
    options_.supported_actions = DefaultActions(options_.kind);
  }
  for (const crypto::Certificate& anchor : trust_anchors_) {
    anchors_from_ = std::max(anchors_from_, anchor.NotBefore());
    anchors_until_ = std::min(anchors_until_, anchor.NotAfter());
  }
}

void Verifier::PurgeExpiredLocked(absl::Time now) {
  while (!expiry_queue_.empty() && expiry_queue_.front().first < now) {
    auto it = nonces_.find(expiry_queue_.front().second);
    if (it != nonces_.end()) {
      if (!it->second.used) ReleaseClientLocked(it->second.client);
      nonces_.erase(it);
    }
    expiry_queue_.pop_front();
  }
}

void Verifier::ReleaseClientLocked(const std::string& client) {
  auto it = per_client_.find(client);
  if (it == per_client_.end()) return;
  if (--it->second == 0) per_client_.erase(it);
}

absl::StatusOr<Challenge> Verifier::IssueChallenge(absl::string_view client) {
  absl::StatusOr<std::string> nonce = crypto::RandomBytes(kNonceSize);
  if (!nonce.ok()) return nonce.status();
  absl::Time now = clock_.Now();
  Challenge c{*std::move(nonce), now + options_.challenge_ttl};
  absl::MutexLock lock(&mu_);
  PurgeExpiredLocked(now);
  if (nonces_.size() >= options_.max_outstanding_challenges) {
    return MakeError(absl::StatusCode::kResourceExhausted,
                     "too_many_challenges",
                     "too many outstanding challenges; retry later");
  }
  size_t& held = per_client_[client];
  if (held >= options_.max_challenges_per_client) {
    return MakeError(absl::StatusCode::kResourceExhausted, "too_many_challenges",
                     "this client holds too many outstanding challenges; use or let them expire");
  }
  ++held;
  nonces_[c.nonce] = NonceState{c.expires_at, false, std::string(client)};
  expiry_queue_.emplace_back(c.expires_at, c.nonce);
  return c;
}

AuthReason Verifier::ConsumeNonce(const std::string& nonce, absl::Time now) {
  absl::MutexLock lock(&mu_);
  PurgeExpiredLocked(now);
  auto it = nonces_.find(nonce);
  if (it == nonces_.end() || it->second.expires_at < now) {
    return apv1::DENIED_UNKNOWN_CHALLENGE;
  }
  if (it->second.used) return apv1::DENIED_REPLAY;
  it->second.used = true;  // kept until expiry so a replay is named as such
  ReleaseClientLocked(it->second.client);
  return apv1::GRANTED;
}

void Verifier::PutSymmetricKey(const std::string& credential_id,
                               SymmetricKey key) {
  absl::MutexLock lock(&mu_);
  symmetric_keys_[credential_id] = std::move(key);
}

VerifierCounters Verifier::Counters() const {
  absl::MutexLock lock(&mu_);
  VerifierCounters c;
  absl::Time now = clock_.Now();
  for (const auto& [nonce, state] : nonces_) {
    if (!state.used && state.expires_at >= now) ++c.outstanding_challenges;
  }
  c.symmetric_key_count = symmetric_keys_.size();
  c.decisions = decisions_;
  absl::MutexLock cache_lock(&cache_mu_);
  c.certificate_cache_entries = cache_.size();
  c.certificate_cache_hits = cache_hits_;
  return c;
}

absl::StatusOr<Decision> Verifier::Authenticate(const AuthAttempt& attempt) {
  if (attempt.nonce.empty()) return InvalidField("nonce", "required");
  if (attempt.action.empty()) return InvalidField("action", "required");
  if (attempt.kind == AuthAttempt::Kind::kAsymmetric &&
      attempt.certificate_der.empty()) {
    return InvalidField("certificate.certificate_der", "required");
  }
  if (attempt.kind == AuthAttempt::Kind::kSymmetric &&
      attempt.credential_id.empty()) {
    return InvalidField("credential_id", "required");
  }
  if (attempt.proof.empty()) {
    return InvalidField(
        attempt.kind == AuthAttempt::Kind::kAsymmetric ? "signature" : "hmac",
        "required");
  }
  absl::Time now = clock_.Now();
  Decision d = Decide(attempt, now);
  d.decided_at = now;
  return Finish(std::move(d));
}

Decision Verifier::Finish(Decision d) {
  d.revocation_list_version = revocations_->version();
  absl::MutexLock lock(&mu_);
  ++decisions_[d.reason];
  return d;
}

// What a proof established about the presented credential: the input of the
// validity, revocation and entitlement checks.
struct Verifier::ProvenCredential {
  std::string credential_id;
  std::string share_id;
  std::vector<std::string> entitlements;
  absl::Time not_before = absl::InfinitePast();
  absl::Time not_after = absl::InfiniteFuture();
};

Decision Verifier::Decide(const AuthAttempt& attempt, absl::Time now) {
  if (Denial denial = CheckChallenge(attempt, now)) return *std::move(denial);
  const std::string transcript = ChallengeTranscript(
      options_.access_point_id, attempt.nonce, attempt.action);
  ProvenCredential credential;
  Denial denial = attempt.kind == AuthAttempt::Kind::kAsymmetric
                      ? ProveCertificate(attempt, transcript, now, &credential)
                      : ProveSymmetricKey(attempt, transcript, &credential);
  if (denial) return *std::move(denial);
  if (Denial d = CheckValidity(credential, now)) return *std::move(d);
  if (Denial d = CheckRevocation(credential)) return *std::move(d);
  if (Denial d = CheckEntitlement(credential, attempt.action))
    return *std::move(d);
  Decision ok;
  ok.reason = apv1::GRANTED;
  ok.credential_id = std::move(credential.credential_id);
  return ok;
}

// Steps 1 and 2: the nonce (consumed by any presentation) and the action.
Verifier::Denial Verifier::CheckChallenge(const AuthAttempt& attempt,
                                          absl::Time now) {
  AuthReason nonce_result = ConsumeNonce(attempt.nonce, now);
  if (nonce_result != apv1::GRANTED) {
    return Deny(nonce_result, nonce_result == apv1::DENIED_REPLAY
                                  ? "challenge already used"
                                  : "challenge unknown here or expired");
  }
  if (!Contains(options_.supported_actions, attempt.action)) {
    return Deny(apv1::DENIED_UNSUPPORTED_ACTION,
                absl::StrCat("action \"", attempt.action,
                             "\" not supported by this access point"));
  }
  return std::nullopt;
}

// What steps 3 and 4 established about a certificate, kept in the cache.
struct Verifier::CheckedCertificate {
  CredentialCertificateInfo info;
  // Unset when the certificate's key is not P-256 (denied after step 5).
  std::optional<crypto::EcdsaP256PublicKey> key;
  // The chain verified; it holds again at any instant in [from, until)
  // (every certificate of it, anchors included, is inside its window there).
  absl::Time chain_from = absl::InfinitePast();
  absl::Time chain_until = absl::InfiniteFuture();
};

namespace {

// The instant of step 4: the clock, or the nearest edge of the leaf's own
// window when the clock lies outside it, so that a genuine but expired
// credential is reported as such later. OpenSSL treats a certificate as
// expired at notAfter itself, hence the one-second margin at the upper edge.
absl::Time ChainInstant(const CredentialCertificateInfo& info, absl::Time now) {
  return std::clamp(now, info.not_before,
                    std::max(info.not_before, info.not_after - absl::Seconds(1)));
}

// The cache key: the SHA-256 of the leaf and the intermediates, each after
// its length, so that no two presentations share one.
std::string CertificateCacheKey(const AuthAttempt& attempt) {
  std::string framed;
  auto add = [&framed](absl::string_view der) {
    absl::StrAppend(&framed, der.size(), ":");
    framed.append(der.data(), der.size());
  };
  add(attempt.certificate_der);
  for (const std::string& der : attempt.intermediates_der) add(der);
  return crypto::Sha256(framed);
}

}  // namespace

std::shared_ptr<const Verifier::CheckedCertificate> Verifier::CachedCertificate(
    const std::string& key, absl::Time now) {
  absl::MutexLock lock(&cache_mu_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  const CheckedCertificate& c = *it->second;
  // One second inside each edge: OpenSSL compares whole seconds.
  const absl::Time at = ChainInstant(c.info, now);
  if (at < c.chain_from + absl::Seconds(1) || at >= c.chain_until - absl::Seconds(1)) {
    return nullptr;  // verified again, at this instant
  }
  ++cache_hits_;
  return it->second;
}

void Verifier::CacheCertificate(const std::string& key,
                                std::shared_ptr<const CheckedCertificate> checked) {
  absl::MutexLock lock(&cache_mu_);
  auto [it, inserted] = cache_.insert_or_assign(key, std::move(checked));
  if (!inserted) return;  // a newer check of the same bytes replaces the entry
  cache_order_.push_back(key);
  while (cache_order_.size() > options_.certificate_cache_size) {
    cache_.erase(cache_order_.front());
    cache_order_.pop_front();
  }
}

// Steps 3 to 6 for a certificate: profile, chain, access point, signature.
// Steps 3 and 4 come from the cache when this certificate passed them before
// and its chain holds at this instant.
Verifier::Denial Verifier::ProveCertificate(const AuthAttempt& attempt,
                                            absl::string_view transcript,
                                            absl::Time now,
                                            ProvenCredential* out) {
  const bool caching = options_.certificate_cache_size > 0;
  const std::string cache_key = caching ? CertificateCacheKey(attempt) : std::string();
  std::shared_ptr<const CheckedCertificate> checked;
  if (caching) checked = CachedCertificate(cache_key, now);
  if (checked == nullptr) {
    auto fresh = std::make_shared<CheckedCertificate>();
    if (Denial d = CheckCertificate(attempt, now, fresh.get())) return d;
    checked = fresh;
    if (caching) CacheCertificate(cache_key, std::move(fresh));
  }
  const CredentialCertificateInfo& info = checked->info;
  const std::string& credential_id = info.credential_id;
  if (info.access_point_id != options_.access_point_id) {
    return Deny(apv1::DENIED_WRONG_ACCESS_POINT,
                absl::StrCat("credential is for access point \"",
                             info.access_point_id, "\""),
                credential_id);
  }
  if (!checked->key.has_value()) {
    return Deny(apv1::DENIED_MALFORMED_CREDENTIAL,
                "credential key is not P-256", credential_id);
  }
  if (!checked->key->Verify(transcript, attempt.proof, crypto::SignatureEncoding::kDer)
           .ok()) {
    return Deny(apv1::DENIED_BAD_SIGNATURE,
                "signature over the challenge does not verify", credential_id);
  }
  out->credential_id = info.credential_id;
  out->share_id = info.share_id;
  out->entitlements = info.entitlements;
  out->not_before = info.not_before;
  out->not_after = info.not_after;
  return std::nullopt;
}

// Steps 3 and 4: the certificate parses and follows the profile, and chains
// to the trust anchors (intermediates that do not parse make the credential
// malformed) at ChainInstant.
Verifier::Denial Verifier::CheckCertificate(const AuthAttempt& attempt,
                                            absl::Time now,
                                            CheckedCertificate* out) const {
  absl::StatusOr<crypto::Certificate> leaf =
      crypto::Certificate::FromDer(attempt.certificate_der);
  if (!leaf.ok()) {
    return Deny(apv1::DENIED_MALFORMED_CREDENTIAL,
                "credential certificate does not parse");
  }
  absl::StatusOr<CredentialCertificateInfo> info =
      ReadCredentialCertificate(*leaf);
  if (!info.ok()) {
    return Deny(apv1::DENIED_MALFORMED_CREDENTIAL,
                std::string(info.status().message()));
  }
  absl::Time from = std::max(anchors_from_, leaf->NotBefore());
  absl::Time until = std::min(anchors_until_, leaf->NotAfter());
  std::vector<crypto::Certificate> intermediates;
  for (const std::string& der : attempt.intermediates_der) {
    absl::StatusOr<crypto::Certificate> c = crypto::Certificate::FromDer(der);
    if (!c.ok()) {
      return Deny(apv1::DENIED_MALFORMED_CREDENTIAL,
                  "intermediate certificate does not parse",
                  info->credential_id);
    }
    from = std::max(from, c->NotBefore());
    until = std::min(until, c->NotAfter());
    intermediates.push_back(*std::move(c));
  }
  absl::Status chain = crypto::VerifyCertificateChain(
      *leaf, intermediates, trust_anchors_, ChainInstant(*info, now));
  if (!chain.ok()) {
    return Deny(apv1::DENIED_BAD_CHAIN, std::string(chain.message()),
                info->credential_id);
  }
  absl::StatusOr<crypto::EcdsaP256PublicKey> key = leaf->PublicKey();
  if (key.ok()) out->key = *std::move(key);
  out->chain_from = from;
  out->chain_until = until;
  out->info = *std::move(info);
  return std::nullopt;
}

// Steps 3 and 6 for a symmetric credential: a key held here, and the HMAC.
Verifier::Denial Verifier::ProveSymmetricKey(const AuthAttempt& attempt,
                                             absl::string_view transcript,
                                             ProvenCredential* out) {
  const std::string& credential_id = attempt.credential_id;
  SymmetricKey key;
  {
    absl::MutexLock lock(&mu_);
    auto it = symmetric_keys_.find(credential_id);
    if (it == symmetric_keys_.end()) {
      return Deny(apv1::DENIED_UNKNOWN_CREDENTIAL,
                  "no key for this credential at this access point",
                  credential_id);
    }
    key = it->second;
  }
  if (attempt.proof.size() != crypto::kHmacSha256Size ||
      !crypto::HmacSha256Verify(key.key, transcript, attempt.proof).ok()) {
    return Deny(apv1::DENIED_BAD_SIGNATURE,
                "HMAC over the challenge does not verify", credential_id);
  }
  out->credential_id = credential_id;
  out->entitlements = std::move(key.entitlements);
  out->not_before = key.not_before;
  out->not_after = key.not_after;
  return std::nullopt;
}

// Step 7.
Verifier::Denial Verifier::CheckValidity(const ProvenCredential& credential,
                                         absl::Time now) {
  if (now < credential.not_before) {
    return Deny(apv1::DENIED_NOT_YET_VALID, "credential not yet valid",
                credential.credential_id);
  }
  if (now > credential.not_after) {
    return Deny(apv1::DENIED_EXPIRED, "credential expired",
                credential.credential_id);
  }
  return std::nullopt;
}

// Step 8.
Verifier::Denial Verifier::CheckRevocation(
    const ProvenCredential& credential) const {
  if (revocations_->IsRevoked(credential.credential_id, credential.share_id)) {
    return Deny(apv1::DENIED_REVOKED, "credential revoked",
                credential.credential_id);
  }
  if (!revocations_->has_list()) {
    return Deny(apv1::DENIED_REVOCATION_STALE,
                "no revocation list received yet (never grants before the first)",
                credential.credential_id);
  }
  if (options_.revocation_fail_closed && revocations_->IsStale()) {
    return Deny(apv1::DENIED_REVOCATION_STALE,
                "revocation list stale or absent (fail-closed)",
                credential.credential_id);
  }
  return std::nullopt;
}

// Step 9.
Verifier::Denial Verifier::CheckEntitlement(const ProvenCredential& credential,
                                            absl::string_view action) {
  if (!Contains(credential.entitlements, action)) {
    return Deny(
        apv1::DENIED_ENTITLEMENT,
        absl::StrCat("credential does not entitle \"", action, "\" (has: ",
                     absl::StrJoin(credential.entitlements, ","), ")"),
        credential.credential_id);
  }
  return std::nullopt;
}

}  // namespace sct::access_point
