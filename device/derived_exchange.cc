#include "device/derived_exchange.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/derived_location.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/aead.h"
#include "crypto/derived_schedule.h"
#include "crypto/random.h"

namespace sct::device {
namespace {

constexpr uint64_t kMaxMessage = 0xffffffffULL;

absl::Status BadMessage(absl::string_view problem) {
  return MakeError(absl::StatusCode::kInvalidArgument, "bad_message",
                   absl::StrCat("message: ", problem));
}

void PutUint(std::string* out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

bool TakeUint(absl::string_view* in, int bytes, uint64_t* value) {
  if (in->size() < static_cast<size_t>(bytes)) return false;
  *value = 0;
  for (int i = 0; i < bytes; ++i) *value = (*value << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(bytes);
  return true;
}

bool TakeBytes(absl::string_view* in, uint64_t n, std::string* out) {
  if (in->size() < n) return false;
  out->assign(in->data(), n);
  in->remove_prefix(n);
  return true;
}

}  // namespace

std::string EncodeTigressPlaintext(absl::string_view random, uint16_t message_id,
                                   absl::string_view message) {
  std::string out;
  PutUint(&out, random.size(), 1);
  out.append(random.data(), random.size());
  PutUint(&out, message_id, 2);
  PutUint(&out, message.size(), 4);
  out.append(message.data(), message.size());
  return out;
}

absl::StatusOr<TigressPlaintext> DecodeTigressPlaintext(absl::string_view in) {
  TigressPlaintext p;
  uint64_t random_size = 0, id = 0, message_size = 0;
  if (!TakeUint(&in, 1, &random_size) || !TakeBytes(&in, random_size, &p.random) ||
      !TakeUint(&in, 2, &id) || !TakeUint(&in, 4, &message_size) ||
      !TakeBytes(&in, message_size, &p.message)) {
    return BadMessage("TigressPlaintext is truncated");
  }
  if (!in.empty()) return BadMessage("TigressPlaintext has trailing bytes");
  p.message_id = static_cast<uint16_t>(id);
  return p;
}

absl::StatusOr<DerivedExchange> DerivedExchange::Create(absl::string_view secret,
                                                        DerivedRole role) {
  if (secret.size() != kDerivedSecretBytes) {
    return InvalidField("secret",
                        absl::StrCat("must be ", kDerivedSecretBytes, " bytes (256 bits)"));
  }
  return DerivedExchange(std::string(secret), role);
}

bool DerivedExchange::my_turn() const {
  const bool sender_writes = next_id_ % 2 == 0;
  return sender_writes == (role_ == DerivedRole::kSender);
}

absl::StatusOr<std::string> DerivedExchange::NextLocation() const {
  ASSIGN_OR_RETURN(std::string location, crypto::DerivedLocation(secret_, transcript_));
  return DerivedLocationText(location);
}

absl::StatusOr<DerivedSealed> DerivedExchange::Seal(absl::string_view message) const {
  if (!my_turn()) return InvalidField("message_id", "it is the other endpoint's turn to write");
  if (message.size() > kMaxMessage) return InvalidField("message", "longer than 2^32-1 bytes");
  // The first message in each direction carries 16 random bytes (ids 0 and 1).
  std::string random;
  if (next_id_ < 2) {
    ASSIGN_OR_RETURN(random, crypto::RandomBytes(kDerivedFirstRandomBytes));
  }
  DerivedSealed sealed;
  sealed.plaintext = EncodeTigressPlaintext(random, next_id_, message);
  ASSIGN_OR_RETURN(sealed.location, NextLocation());
  ASSIGN_OR_RETURN(std::string key, crypto::DerivedMessageKey(secret_, transcript_));
  ASSIGN_OR_RETURN(crypto::AesGcm aead, crypto::AesGcm::Create(key));
  ASSIGN_OR_RETURN(std::string nonce, crypto::RandomBytes(kDerivedNonceBytes));
  ASSIGN_OR_RETURN(std::string ciphertext, aead.Encrypt(nonce, sealed.plaintext, ""));
  sealed.body = absl::StrCat(nonce, ciphertext);
  return sealed;
}

absl::StatusOr<DerivedOpened> DerivedExchange::Open(absl::string_view body) const {
  if (my_turn()) return InvalidField("message_id", "it is this endpoint's turn to write");
  if (body.size() < kDerivedNonceBytes + crypto::AesGcm::kTagSize) {
    return MakeError(absl::StatusCode::kPermissionDenied, "decrypt_failed",
                     "message: shorter than a nonce and a tag");
  }
  ASSIGN_OR_RETURN(std::string key, crypto::DerivedMessageKey(secret_, transcript_));
  ASSIGN_OR_RETURN(crypto::AesGcm aead, crypto::AesGcm::Create(key));
  absl::StatusOr<std::string> plaintext =
      aead.Decrypt(body.substr(0, kDerivedNonceBytes), body.substr(kDerivedNonceBytes), "");
  if (!plaintext.ok()) {
    return MakeError(absl::StatusCode::kPermissionDenied, "decrypt_failed",
                     "message: does not open under this exchange's key");
  }
  ASSIGN_OR_RETURN(TigressPlaintext p, DecodeTigressPlaintext(*plaintext));
  if (p.message_id != next_id_) {
    return BadMessage(absl::StrCat("message_id ", p.message_id, ", expected ", next_id_));
  }
  if (next_id_ < 2 && p.random.size() < kDerivedFirstRandomBytes) {
    return BadMessage("the first message of a direction needs at least 16 random bytes");
  }
  return DerivedOpened{std::move(p.message), *std::move(plaintext)};
}

void DerivedExchange::Advance(absl::string_view plaintext) {
  transcript_.append(plaintext.data(), plaintext.size());
  ++next_id_;
}

std::string DerivedExchange::Serialize() const {
  std::string out;
  PutUint(&out, role_ == DerivedRole::kSender ? 0 : 1, 1);
  PutUint(&out, next_id_, 2);
  out += secret_;
  out += transcript_;
  return out;
}

absl::StatusOr<DerivedExchange> DerivedExchange::Restore(absl::string_view in) {
  uint64_t role = 0, id = 0;
  std::string secret;
  if (!TakeUint(&in, 1, &role) || role > 1 || !TakeUint(&in, 2, &id) ||
      !TakeBytes(&in, kDerivedSecretBytes, &secret)) {
    return InvalidField("derived_exchange", "not a saved exchange");
  }
  DerivedExchange exchange(std::move(secret),
                           role == 0 ? DerivedRole::kSender : DerivedRole::kReceiver);
  exchange.next_id_ = static_cast<uint16_t>(id);
  exchange.transcript_ = std::string(in);
  return exchange;
}

}  // namespace sct::device
