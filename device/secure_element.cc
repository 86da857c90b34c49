#include "device/secure_element.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "crypto/hmac.h"
#include "crypto/hpke.h"
#include "crypto/p256.h"
#include "device/device_state.pb.h"
#include "device/state_slots.h"

namespace sct::device {
namespace {

absl::Status KeyNotFound(absl::string_view handle) {
  return MakeError(absl::StatusCode::kNotFound, "key_not_found",
                   absl::StrCat("no secure-element key with handle \"", handle, "\""));
}

// Appends SecureElementState.wallet (field 5, length-delimited) holding
// `wallet`; nothing for an empty wallet, as proto3 serializes it.
void AppendWalletField(absl::string_view wallet, std::string* out) {
  if (wallet.empty()) return;
  static_assert(::device::state::SecureElementState::kWalletFieldNumber == 5);
  out->reserve(out->size() + 1 + 10 + wallet.size());
  out->push_back(static_cast<char>((5 << 3) | 2));  // field 5, wire type LEN
  for (uint64_t n = wallet.size(); ; n >>= 7) {
    if (n < 0x80) {
      out->push_back(static_cast<char>(n));
      break;
    }
    out->push_back(static_cast<char>((n & 0x7f) | 0x80));
  }
  out->append(wallet.data(), wallet.size());
}

}  // namespace

absl::StatusOr<std::unique_ptr<SecureElement>> SecureElement::Open(std::string state_file) {
  std::unique_ptr<SecureElement> se(new SecureElement(std::move(state_file)));
  if (se->state_file_.empty()) return se;
  absl::MutexLock lock(&se->mu_);
  ASSIGN_OR_RETURN(std::optional<StateSlots::Loaded> loaded, se->slots_.Load());
  if (!loaded.has_value()) return se;  // fresh element
  ::device::state::SecureElementState state;
  if (!state.ParseFromString(loaded->payload) || state.version() != 1) {
    return MakeError(absl::StatusCode::kDataLoss, "state_file_corrupt",
                     absl::StrCat("state file ", se->state_file_,
                                  " is not a version-1 secure-element state"));
  }
  se->next_handle_ = state.next_handle();
  for (const auto& k : state.keys()) {
    absl::StatusOr<crypto::EcdsaP256PrivateKey> key =
        crypto::EcdsaP256PrivateKey::FromPkcs8Der(k.private_pkcs8());
    if (!key.ok()) {
      return MakeError(absl::StatusCode::kDataLoss, "state_file_corrupt",
                       absl::StrCat("state file ", se->state_file_, ": key ", k.key_id(),
                                    " does not load"));
    }
    se->key_order_.push_back(k.key_id());
    se->keys_.emplace(k.key_id(), *std::move(key));
    se->keys_der_.emplace(k.key_id(), k.private_pkcs8());
  }
  for (const auto& s : state.symmetric_keys()) se->symmetric_[s.handle()] = s.key();
  se->wallet_ = state.wallet();
  // A file of the single-record format is converted now: the same state,
  // laid out in slots (a crash before the rename keeps the old file).
  if (loaded->legacy) RETURN_IF_ERROR(se->slots_.Write(loaded->payload));
  se->on_disk_ = true;
  return se;
}

std::string SecureElement::NextHandleLocked(absl::string_view prefix) {
  return absl::StrCat(prefix, next_handle_++);
}

absl::Status SecureElement::PersistLocked() {
  if (state_file_.empty()) return absl::OkStatus();
  ::device::state::SecureElementState state;
  state.set_version(1);
  state.set_next_handle(next_handle_);
  on_disk_ = false;
  for (const std::string& id : key_order_) {
    auto* k = state.add_keys();
    k->set_key_id(id);
    auto der = keys_der_.find(id);
    if (der == keys_der_.end()) {
      std::string encoded = keys_.at(id).ToPkcs8Der();
      if (encoded.empty()) {
        return MakeError(absl::StatusCode::kInternal, "state_file_write_failed",
                         "cannot encode a secure-element key");
      }
      der = keys_der_.emplace(id, std::move(encoded)).first;
    }
    k->set_private_pkcs8(der->second);
  }
  for (const auto& [handle, key] : symmetric_) {
    auto* s = state.add_symmetric_keys();
    s->set_handle(handle);
    s->set_key(key);
  }
  std::string bytes;
  if (!state.SerializeToString(&bytes)) {
    return MakeError(absl::StatusCode::kInternal, "state_file_write_failed",
                     "cannot serialize the secure-element state");
  }
  // The wallet (field 5, the highest number, so serialized last) is appended
  // as it is: set_wallet would copy the device's largest buffer once more on
  // every write. The bytes equal those of state.set_wallet(wallet_).
  AppendWalletField(wallet_, &bytes);
  absl::Status written = slots_.Write(bytes);
  ++writes_;
  on_disk_ = written.ok();
  return written;
}

absl::StatusOr<std::string> SecureElement::GenerateKey(KeyPersistence persistence) {
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key, crypto::EcdsaP256PrivateKey::Generate());
  absl::MutexLock lock(&mu_);
  std::string id = NextHandleLocked("k-");
  key_order_.push_back(id);
  keys_.emplace(id, std::move(key));
  if (persistence == KeyPersistence::kWithNextWrite) {
    on_disk_ = false;
    return id;
  }
  absl::Status st = PersistLocked();
  if (!st.ok()) {
    keys_.erase(id);
    keys_der_.erase(id);
    key_order_.pop_back();
    return st;
  }
  return id;
}

absl::StatusOr<std::string> SecureElement::PublicKeySpki(absl::string_view key_id) const {
  absl::MutexLock lock(&mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return KeyNotFound(key_id);
  return it->second.PublicKey().SpkiDer();
}

absl::StatusOr<std::string> SecureElement::Sign(absl::string_view key_id,
                                                absl::string_view message) const {
  absl::MutexLock lock(&mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return KeyNotFound(key_id);
  return it->second.Sign(message, crypto::SignatureEncoding::kDer);
}

absl::StatusOr<std::string> SecureElement::OpenSealedKey(absl::string_view key_id,
                                                         absl::string_view enc,
                                                         absl::string_view sealed_key,
                                                         absl::string_view info,
                                                         KeyPersistence persistence) {
  if (enc.size() != crypto::kP256UncompressedPointSize) {
    return InvalidField("hpke_enc", "must be a 65-byte uncompressed P-256 point");
  }
  if (sealed_key.size() <= 16) return InvalidField("sealed_key", "too short");
  absl::MutexLock lock(&mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return KeyNotFound(key_id);
  ASSIGN_OR_RETURN(std::string sk, crypto::P256PrivateScalar(it->second.evp()));
  absl::StatusOr<std::string> key =
      crypto::HpkeOpen(crypto::kHpkeP256Sha256Aes128Gcm, sk, info, "",
                       absl::StrCat(enc, sealed_key));
  std::fill(sk.begin(), sk.end(), '\0');
  if (!key.ok()) {
    return MakeError(absl::StatusCode::kPermissionDenied, "unseal_failed",
                     "the sealed credential key does not open with this secure-element key");
  }
  std::string handle = NextHandleLocked("s-");
  symmetric_[handle] = *std::move(key);
  if (persistence == KeyPersistence::kWithNextWrite) {
    on_disk_ = false;
    return handle;
  }
  absl::Status st = PersistLocked();
  if (!st.ok()) {
    symmetric_.erase(handle);
    return st;
  }
  return handle;
}

absl::StatusOr<std::string> SecureElement::Hmac(absl::string_view handle,
                                                absl::string_view data) const {
  absl::MutexLock lock(&mu_);
  auto it = symmetric_.find(handle);
  if (it == symmetric_.end()) return KeyNotFound(handle);
  return crypto::HmacSha256(it->second, data);
}

absl::Status SecureElement::DeleteKey(absl::string_view handle) {
  absl::MutexLock lock(&mu_);
  auto k = keys_.find(handle);
  if (k != keys_.end()) {
    keys_.erase(k);
    if (auto der = keys_der_.find(handle); der != keys_der_.end()) keys_der_.erase(der);
    key_order_.erase(std::find(key_order_.begin(), key_order_.end(), handle));
    return PersistLocked();
  }
  auto s = symmetric_.find(handle);
  if (s == symmetric_.end()) return KeyNotFound(handle);
  symmetric_.erase(s);
  return PersistLocked();
}

std::vector<std::string> SecureElement::KeyIds() const {
  absl::MutexLock lock(&mu_);
  return key_order_;
}

absl::Status SecureElement::StoreWallet(std::string wallet_bytes) {
  absl::MutexLock lock(&mu_);
  ++wallet_stores_;
  // Rewriting the bytes the file already holds adds no durability.
  if (on_disk_ && wallet_bytes == wallet_) return absl::OkStatus();
  std::string old = std::move(wallet_);
  wallet_ = std::move(wallet_bytes);
  absl::Status st = PersistLocked();
  if (!st.ok()) wallet_ = std::move(old);
  return st;
}

uint64_t SecureElement::wallet_stores() const {
  absl::MutexLock lock(&mu_);
  return wallet_stores_;
}

uint64_t SecureElement::writes() const {
  absl::MutexLock lock(&mu_);
  return writes_;
}

std::string SecureElement::Wallet() const {
  absl::MutexLock lock(&mu_);
  return wallet_;
}

}  // namespace sct::device
