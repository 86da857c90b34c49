#include "crypto/hpke.h"

#include <iostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/testing/test_vectors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace sct::crypto {
namespace {

using ::nlohmann::json;
using ::sct::testing::HexDecode;
using ::sct::testing::HexEncode;
using ::sct::testing::HexField;
using ::testing::HasSubstr;

constexpr char kVectorFile[] = "hpke/rfc9180_appendix_a.json";

// ---------------------------------------------------------------------------
// Embedded known-answer sets, copied from RFC 9180 Appendix A. They run even
// when the shared vector folder is absent.
// ---------------------------------------------------------------------------

// RFC 9180 Appendix A.3.1: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM,
// Base mode.
constexpr char kRfc9180A31P256Base[] = R"json({
 "suite": "DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM",
 "mode": 0,
 "kem_id": 16,
 "kdf_id": 1,
 "aead_id": 1,
 "info": "4f6465206f6e2061204772656369616e2055726e",
 "ikmE": "4270e54ffd08d79d5928020af4686d8f6b7d35dbe470265f1f5aa22816ce860e",
 "skEm": "4995788ef4b9d6132b249ce59a77281493eb39af373d236a1fe415cb0c2d7beb",
 "pkEm": "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac98536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4",
 "ikmR": "668b37171f1072f3cf12ea8a236a45df23fc13b82af3609ad1e354f6ef817550",
 "skRm": "f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2",
 "pkRm": "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a826a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0",
 "enc": "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac98536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4",
 "shared_secret": "c0d26aeab536609a572b07695d933b589dcf363ff9d93c93adea537aeabb8cb8",
 "key_schedule_context": "00b88d4e6d91759e65e87c470e8b9141113e9ad5f0c8ceefc1e088c82e6980500798e486f9c9c09c9b5c753ac72d6005de254c607d1b534ed11d493ae1c1d9ac85",
 "secret": "2eb7b6bf138f6b5aff857414a058a3f1750054a9ba1f72c2cf0684a6f20b10e1",
 "key": "868c066ef58aae6dc589b6cfdd18f97e",
 "base_nonce": "4e0bc5018beba4bf004cca59",
 "exporter_secret": "14ad94af484a7ad3ef40e9f3be99ecc6fa9036df9d4920548424df127ee0d99f",
 "encryptions": [
  {
   "sequence_number": 0,
   "pt": "4265617574792069732074727574682c20747275746820626561757479",
   "aad": "436f756e742d30",
   "nonce": "4e0bc5018beba4bf004cca59",
   "ct": "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434"
  },
  {
   "sequence_number": 1,
   "pt": "4265617574792069732074727574682c20747275746820626561757479",
   "aad": "436f756e742d31",
   "nonce": "4e0bc5018beba4bf004cca58",
   "ct": "fa6f037b47fc21826b610172ca9637e82d6e5801eb31cbd3748271affd4ecb06646e0329cbdf3c3cd655b28e82"
  },
  {
   "sequence_number": 2,
   "pt": "4265617574792069732074727574682c20747275746820626561757479",
   "aad": "436f756e742d32",
   "nonce": "4e0bc5018beba4bf004cca5b",
   "ct": "895cabfac50ce6c6eb02ffe6c048bf53b7f7be9a91fc559402cbc5b8dcaeb52b2ccc93e466c28fb55fed7a7fec"
  },
  {
   "sequence_number": 4,
   "pt": "4265617574792069732074727574682c20747275746820626561757479",
   "aad": "436f756e742d34",
   "nonce": "4e0bc5018beba4bf004cca5d",
   "ct": "8787491ee8df99bc99a246c4b3216d3d57ab5076e18fa27133f520703bc70ec999dd36ce042e44f0c3169a6a8f"
  },
  {
   "sequence_number": 255,
   "pt": "4265617574792069732074727574682c20747275746820626561757479",
   "aad": "436f756e742d323535",
   "nonce": "4e0bc5018beba4bf004ccaa6",
   "ct": "2ad71c85bf3f45c6eca301426289854b31448bcf8a8ccb1deef3ebd87f60848aa53c538c30a4dac71d619ee2cd"
  },
  {
   "sequence_number": 256,
   "pt": "4265617574792069732074727574682c20747275746820626561757479",
   "aad": "436f756e742d323536",
   "nonce": "4e0bc5018beba4bf004ccb59",
   "ct": "10f179686aa2caec1758c8e554513f16472bd0a11e2a907dde0b212cbe87d74f367f8ffe5e41cd3e9962a6afb2"
  }
 ],
 "exports": [
  {
   "exporter_context": "",
   "L": 32,
   "exported_value": "5e9bc3d236e1911d95e65b576a8a86d478fb827e8bdfe77b741b289890490d4d"
  },
  {
   "exporter_context": "00",
   "L": 32,
   "exported_value": "6cff87658931bda83dc857e6353efe4987a201b849658d9b047aab4cf216e796"
  },
  {
   "exporter_context": "54657374436f6e74657874",
   "L": 32,
   "exported_value": "d8f1ea7942adbba7412c6d431c62d01371ea476b823eb697e1f6e6cae1dab85a"
  }
 ]
})json";

// RFC 9180 Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
// AES-128-GCM, Base mode.
constexpr char kRfc9180A11X25519Base[] = R"json({
 "suite": "DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM",
 "mode": 0,
 "kem_id": 32,
 "kdf_id": 1,
 "aead_id": 1,
 "info": "4f6465206f6e2061204772656369616e2055726e",
 "ikmE": "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
 "skEm": "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
 "pkEm": "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
 "ikmR": "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
 "skRm": "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
 "pkRm": "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
 "enc": "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
 "shared_secret": "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
 "key_schedule_context": "00725611c9d98c07c03f60095cd32d400d8347d45ed67097bbad50fc56da742d07cb6cffde367bb0565ba28bb02c90744a20f5ef37f30523526106f637abb05449",
 "secret": "12fff91991e93b48de37e7daddb52981084bd8aa64289c3788471d9a9712f397",
 "key": "4531685d41d65f03dc48f6b8302c05b0",
 "base_nonce": "56d890e5accaaf011cff4b7d",
 "exporter_secret": "45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8",
 "encryptions": [
  {
   "sequence_number": 0,
   "pt": "4265617574792069732074727574682c20747275746820626561757479",
   "aad": "436f756e742d30",
   "nonce": "56d890e5accaaf011cff4b7d",
   "ct": "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a"
  },
  {
   "sequence_number": 1,
   "pt": "4265617574792069732074727574682c20747275746820626561757479",
   "aad": "436f756e742d31",
   "nonce": "56d890e5accaaf011cff4b7c",
   "ct": "af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab251c03d0c22a56b8ca42c2063b84"
  },
  {
   "sequence_number": 2,
   "pt": "4265617574792069732074727574682c20747275746820626561757479",
   "aad": "436f756e742d32",
   "nonce": "56d890e5accaaf011cff4b7f",
   "ct": "498dfcabd92e8acedc281e85af1cb4e3e31c7dc394a1ca20e173cb72516491588d96a19ad4a683518973dcc180"
  },
  {
   "sequence_number": 4,
   "pt": "4265617574792069732074727574682c20747275746820626561757479",
   "aad": "436f756e742d34",
   "nonce": "56d890e5accaaf011cff4b79",
   "ct": "583bd32bc67a5994bb8ceaca813d369bca7b2a42408cddef5e22f880b631215a09fc0012bc69fccaa251c0246d"
  },
  {
   "sequence_number": 255,
   "pt": "4265617574792069732074727574682c20747275746820626561757479",
   "aad": "436f756e742d323535",
   "nonce": "56d890e5accaaf011cff4b82",
   "ct": "7175db9717964058640a3a11fb9007941a5d1757fda1a6935c805c21af32505bf106deefec4a49ac38d71c9e0a"
  },
  {
   "sequence_number": 256,
   "pt": "4265617574792069732074727574682c20747275746820626561757479",
   "aad": "436f756e742d323536",
   "nonce": "56d890e5accaaf011cff4a7d",
   "ct": "957f9800542b0b8891badb026d79cc54597cb2d225b54c00c5238c25d05c30e3fbeda97d2e0e1aba483a2df9f2"
  }
 ],
 "exports": [
  {
   "exporter_context": "",
   "L": 32,
   "exported_value": "3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee"
  },
  {
   "exporter_context": "00",
   "L": 32,
   "exported_value": "2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5"
  },
  {
   "exporter_context": "54657374436f6e74657874",
   "L": 32,
   "exported_value": "e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931"
  }
 ]
})json";

// ---------------------------------------------------------------------------
// Checking one RFC 9180 test-vector set against the implementation.
// ---------------------------------------------------------------------------

absl::Status Compare(absl::string_view what, absl::string_view got,
                     absl::string_view want) {
  if (got == want) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      what, " mismatch: got ", HexEncode(got), ", want ", HexEncode(want)));
}

// Prefixes an error with where it happened.
absl::Status At(absl::string_view where, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(where, ": ", status.message()));
}

absl::StatusOr<int> IntField(const json& obj, const char* name) {
  if (!obj.contains(name) || !obj[name].is_number_integer()) {
    return absl::InvalidArgumentError(
        absl::StrCat("vector field ", name, " missing or not an integer"));
  }
  return obj[name].get<int>();
}

bool IsAuth(HpkeMode mode) {
  return mode == HpkeMode::kAuth || mode == HpkeMode::kAuthPsk;
}
bool IsPsk(HpkeMode mode) {
  return mode == HpkeMode::kPsk || mode == HpkeMode::kAuthPsk;
}

// Whether the set's suite is one this library implements.
bool IsApplicable(const json& set) {
  auto kem = IntField(set, "kem_id");
  auto kdf = IntField(set, "kdf_id");
  auto aead = IntField(set, "aead_id");
  auto mode = IntField(set, "mode");
  if (!kem.ok() || !kdf.ok() || !aead.ok() || !mode.ok()) return false;
  return HpkeSuiteFromIds(*kem, *kdf, *aead).ok() && HpkeModeFromId(*mode).ok();
}

// "P256_HkdfSha256_Aes128Gcm_AuthPSK": a gtest-safe name for a set.
std::string SetName(const json& set) {
  auto kem = IntField(set, "kem_id");
  auto mode = IntField(set, "mode");
  std::string kem_name = "Kem" + std::to_string(kem.ok() ? *kem : -1);
  if (kem.ok() && *kem == 0x10) kem_name = "P256";
  if (kem.ok() && *kem == 0x20) kem_name = "X25519";
  std::string mode_name = "Mode" + std::to_string(mode.ok() ? *mode : -1);
  if (mode.ok()) {
    auto m = HpkeModeFromId(*mode);
    if (m.ok()) mode_name = std::string(HpkeModeName(*m));
  }
  return absl::StrCat(kem_name, "_HkdfSha256_Aes128Gcm_", mode_name);
}

// Checks every value of one set: DeriveKeyPair (skEm/pkEm, skRm/pkRm,
// skSm/pkSm), enc, shared_secret (Encap and Decap), the key schedule
// (key_schedule_context, secret, key, base_nonce, exporter_secret), every
// encryption (nonce, ct from Seal, pt from Open) and every export, from both
// the sender and the recipient context. The first mismatch is returned.
absl::Status CheckSet(const json& set) {
  ASSIGN_OR_RETURN(int kem_id, IntField(set, "kem_id"));
  ASSIGN_OR_RETURN(int kdf_id, IntField(set, "kdf_id"));
  ASSIGN_OR_RETURN(int aead_id, IntField(set, "aead_id"));
  ASSIGN_OR_RETURN(int mode_id, IntField(set, "mode"));
  ASSIGN_OR_RETURN(HpkeSuite suite, HpkeSuiteFromIds(kem_id, kdf_id, aead_id));
  ASSIGN_OR_RETURN(HpkeMode mode, HpkeModeFromId(mode_id));
  const HpkeKem kem = suite.kem;

  ASSIGN_OR_RETURN(std::string info, HexField(set, "info"));
  ASSIGN_OR_RETURN(std::string ikmE, HexField(set, "ikmE"));
  ASSIGN_OR_RETURN(std::string skEm, HexField(set, "skEm"));
  ASSIGN_OR_RETURN(std::string pkEm, HexField(set, "pkEm"));
  ASSIGN_OR_RETURN(std::string ikmR, HexField(set, "ikmR"));
  ASSIGN_OR_RETURN(std::string skRm, HexField(set, "skRm"));
  ASSIGN_OR_RETURN(std::string pkRm, HexField(set, "pkRm"));
  ASSIGN_OR_RETURN(std::string enc, HexField(set, "enc"));
  ASSIGN_OR_RETURN(std::string shared_secret, HexField(set, "shared_secret"));
  ASSIGN_OR_RETURN(std::string ksc, HexField(set, "key_schedule_context"));
  ASSIGN_OR_RETURN(std::string secret, HexField(set, "secret"));
  ASSIGN_OR_RETURN(std::string key, HexField(set, "key"));
  ASSIGN_OR_RETURN(std::string base_nonce, HexField(set, "base_nonce"));
  ASSIGN_OR_RETURN(std::string exporter_secret,
                   HexField(set, "exporter_secret"));
  std::string skSm, pkSm, psk, psk_id;
  if (IsAuth(mode)) {
    ASSIGN_OR_RETURN(std::string ikmS, HexField(set, "ikmS"));
    ASSIGN_OR_RETURN(skSm, HexField(set, "skSm"));
    ASSIGN_OR_RETURN(pkSm, HexField(set, "pkSm"));
    ASSIGN_OR_RETURN(HpkeKeyPair sender, HpkeDeriveKeyPair(kem, ikmS));
    RETURN_IF_ERROR(
        Compare("DeriveKeyPair(ikmS).sk", sender.private_key, skSm));
    RETURN_IF_ERROR(Compare("DeriveKeyPair(ikmS).pk", sender.public_key, pkSm));
  }
  if (IsPsk(mode)) {
    ASSIGN_OR_RETURN(psk, HexField(set, "psk"));
    ASSIGN_OR_RETURN(psk_id, HexField(set, "psk_id"));
  }

  // DeriveKeyPair.
  ASSIGN_OR_RETURN(HpkeKeyPair eph, HpkeDeriveKeyPair(kem, ikmE));
  RETURN_IF_ERROR(
      Compare("DeriveKeyPair(ikmE).sk (skEm)", eph.private_key, skEm));
  RETURN_IF_ERROR(
      Compare("DeriveKeyPair(ikmE).pk (pkEm)", eph.public_key, pkEm));
  ASSIGN_OR_RETURN(HpkeKeyPair rec, HpkeDeriveKeyPair(kem, ikmR));
  RETURN_IF_ERROR(
      Compare("DeriveKeyPair(ikmR).sk (skRm)", rec.private_key, skRm));
  RETURN_IF_ERROR(
      Compare("DeriveKeyPair(ikmR).pk (pkRm)", rec.public_key, pkRm));

  // KEM.
  HpkeEncapsulation encap;
  std::string decapped;
  if (IsAuth(mode)) {
    ASSIGN_OR_RETURN(encap, HpkeAuthEncap(kem, pkRm, skSm, skEm));
    ASSIGN_OR_RETURN(decapped, HpkeAuthDecap(kem, enc, skRm, pkSm));
  } else {
    ASSIGN_OR_RETURN(encap, HpkeEncap(kem, pkRm, skEm));
    ASSIGN_OR_RETURN(decapped, HpkeDecap(kem, enc, skRm));
  }
  RETURN_IF_ERROR(Compare("enc", encap.enc, enc));
  RETURN_IF_ERROR(
      Compare("shared_secret (Encap)", encap.shared_secret, shared_secret));
  RETURN_IF_ERROR(Compare("shared_secret (Decap)", decapped, shared_secret));

  // Key schedule.
  ASSIGN_OR_RETURN(
      HpkeKeyScheduleOutput ks,
      HpkeKeySchedule(suite, mode, shared_secret, info, psk, psk_id));
  RETURN_IF_ERROR(
      Compare("key_schedule_context", ks.key_schedule_context, ksc));
  RETURN_IF_ERROR(Compare("secret", ks.secret, secret));
  RETURN_IF_ERROR(Compare("key", ks.key, key));
  RETURN_IF_ERROR(Compare("base_nonce", ks.base_nonce, base_nonce));
  RETURN_IF_ERROR(
      Compare("exporter_secret", ks.exporter_secret, exporter_secret));

  // Contexts, set up through the public API with the vector's ephemeral key.
  HpkeSenderParams sp;
  sp.mode = mode;
  sp.psk = psk;
  sp.psk_id = psk_id;
  sp.sender_private_key = skSm;
  sp.ephemeral_private_key = skEm;
  ASSIGN_OR_RETURN(HpkeSenderContext sender,
                   HpkeSetupSender(suite, pkRm, info, sp));
  RETURN_IF_ERROR(Compare("enc (SetupSender)", sender.enc(), enc));
  HpkeRecipientParams rp;
  rp.mode = mode;
  rp.psk = psk;
  rp.psk_id = psk_id;
  rp.sender_public_key = pkSm;
  ASSIGN_OR_RETURN(HpkeRecipientContext recipient,
                   HpkeSetupRecipient(suite, enc, skRm, info, rp));

  if (!set.contains("encryptions") || !set["encryptions"].is_array()) {
    return absl::InvalidArgumentError("vector has no encryptions array");
  }
  for (const json& e : set["encryptions"]) {
    ASSIGN_OR_RETURN(int seq, IntField(e, "sequence_number"));
    const std::string where = absl::StrCat("encryptions[seq=", seq, "]");
    ASSIGN_OR_RETURN(std::string pt, HexField(e, "pt"));
    ASSIGN_OR_RETURN(std::string aad, HexField(e, "aad"));
    ASSIGN_OR_RETURN(std::string nonce, HexField(e, "nonce"));
    ASSIGN_OR_RETURN(std::string ct, HexField(e, "ct"));
    if (seq < 0 || static_cast<uint64_t>(seq) < sender.sequence_number()) {
      return absl::InvalidArgumentError(where +
                                        ": sequence numbers not increasing");
    }
    // The sender walks the sequence for real: every skipped number is sealed.
    while (sender.sequence_number() < static_cast<uint64_t>(seq)) {
      RETURN_IF_ERROR(sender.Seal("", "").status());
    }
    RETURN_IF_ERROR(Compare(where + ".nonce", sender.ComputeNonce(seq), nonce));
    ASSIGN_OR_RETURN(std::string sealed, sender.Seal(aad, pt));
    RETURN_IF_ERROR(Compare(where + ".ct (Seal)", sealed, ct));
    recipient.SetSequenceNumberForTesting(seq);
    absl::StatusOr<std::string> opened = recipient.Open(aad, ct);
    RETURN_IF_ERROR(At(where + ".ct (Open)", opened.status()));
    RETURN_IF_ERROR(Compare(where + ".pt (Open)", *opened, pt));
  }
  if (!set.contains("exports") || !set["exports"].is_array()) {
    return absl::InvalidArgumentError("vector has no exports array");
  }
  for (const json& x : set["exports"]) {
    ASSIGN_OR_RETURN(std::string exporter_context,
                     HexField(x, "exporter_context"));
    ASSIGN_OR_RETURN(int length, IntField(x, "L"));
    ASSIGN_OR_RETURN(std::string value, HexField(x, "exported_value"));
    const std::string where =
        absl::StrCat("exports[context=", HexEncode(exporter_context), "]");
    ASSIGN_OR_RETURN(std::string from_sender,
                     sender.Export(exporter_context, length));
    RETURN_IF_ERROR(Compare(where + " (sender)", from_sender, value));
    ASSIGN_OR_RETURN(std::string from_recipient,
                     recipient.Export(exporter_context, length));
    RETURN_IF_ERROR(Compare(where + " (recipient)", from_recipient, value));
  }
  return absl::OkStatus();
}

json ParseEmbedded(const char* text) { return json::parse(text); }

// ---------------------------------------------------------------------------
// Embedded known answers: always run.
// ---------------------------------------------------------------------------

TEST(HpkeKnownAnswerTest, Rfc9180A31P256BaseEmbedded) {
  absl::Status status = CheckSet(ParseEmbedded(kRfc9180A31P256Base));
  EXPECT_TRUE(status.ok()) << "A.3.1: " << status;
}

TEST(HpkeKnownAnswerTest, Rfc9180A11X25519BaseEmbedded) {
  absl::Status status = CheckSet(ParseEmbedded(kRfc9180A11X25519Base));
  EXPECT_TRUE(status.ok()) << "A.1.1: " << status;
}

// Flips one hex digit of `value`.
std::string Corrupt(const std::string& hex) {
  std::string out = hex;
  out.back() = out.back() == '0' ? '1' : '0';
  return out;
}

TEST(HpkeKnownAnswerTest, CorruptedExpectedValuesFail) {
  const json original = ParseEmbedded(kRfc9180A31P256Base);
  ASSERT_TRUE(CheckSet(original).ok());
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"skEm", "skEm"},
      {"pkEm", "pkEm"},
      {"skRm", "skRm"},
      {"pkRm", "pkRm"},
      {"enc", "enc"},
      {"shared_secret", "shared_secret"},
      {"key_schedule_context", "key_schedule_context"},
      {"secret", "secret"},
      {"key", "key"},
      {"base_nonce", "base_nonce"},
      {"exporter_secret", "exporter_secret"},
  };
  for (const auto& [field, named] : fields) {
    json set = original;
    set[field] = Corrupt(set[field].get<std::string>());
    absl::Status status = CheckSet(set);
    EXPECT_FALSE(status.ok()) << "corrupted " << field << " was accepted";
    EXPECT_THAT(std::string(status.message()), HasSubstr(named)) << status;
  }
  for (size_t i = 0; i < original["encryptions"].size(); ++i) {
    for (const char* field : {"ct", "nonce", "pt"}) {
      json set = original;
      std::string& v = set["encryptions"][i][field].get_ref<std::string&>();
      v = Corrupt(v);
      absl::Status status = CheckSet(set);
      EXPECT_FALSE(status.ok())
          << "corrupted encryptions[" << i << "]." << field << " was accepted";
    }
  }
  for (size_t i = 0; i < original["exports"].size(); ++i) {
    json set = original;
    std::string& v =
        set["exports"][i]["exported_value"].get_ref<std::string&>();
    v = Corrupt(v);
    EXPECT_FALSE(CheckSet(set).ok()) << "corrupted exports[" << i << "]";
  }
}

// ---------------------------------------------------------------------------
// The full Appendix A file from the shared vector folder.
// ---------------------------------------------------------------------------

struct VectorSet {
  std::string name;
  json data;
};

std::vector<VectorSet> LoadApplicableSets() {
  std::vector<VectorSet> out;
  sct::testing::VectorFile file = sct::testing::LoadVectorFile(kVectorFile);
  if (file.state != sct::testing::VectorFile::State::kLoaded) return out;
  if (!file.json.contains("vectors") || !file.json["vectors"].is_array()) {
    return out;
  }
  for (const json& set : file.json["vectors"]) {
    if (IsApplicable(set)) out.push_back({SetName(set), set});
  }
  return out;
}

const std::vector<VectorSet>& ApplicableSets() {
  static const auto* sets = new std::vector<VectorSet>(LoadApplicableSets());
  return *sets;
}

class HpkeRfc9180VectorTest : public ::testing::TestWithParam<VectorSet> {};

TEST_P(HpkeRfc9180VectorTest, EveryValueMatches) {
  absl::Status status = CheckSet(GetParam().data);
  EXPECT_TRUE(status.ok()) << "set " << GetParam().name << " ("
                           << GetParam().data.value("suite", "?") << ", mode "
                           << GetParam().data.value("mode_name", "?")
                           << "): " << status;
}

INSTANTIATE_TEST_SUITE_P(Rfc9180AppendixA, HpkeRfc9180VectorTest,
                         ::testing::ValuesIn(ApplicableSets()),
                         [](const ::testing::TestParamInfo<VectorSet>& info) {
                           return info.param.name;
                         });
// Without the vector folder there are no sets; HpkeRfc9180VectorFileTest
// then skips or fails (SCT_REQUIRE_TESTVECTORS=1).
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(HpkeRfc9180VectorTest);

TEST(HpkeRfc9180VectorFileTest, CountsAndRunsEveryApplicableSet) {
  SCT_LOAD_TEST_VECTORS(file, kVectorFile);
  ASSERT_TRUE(file.contains("vectors") && file["vectors"].is_array());
  int total = 0, ran = 0, passed = 0, not_applicable = 0;
  std::set<std::string> names;
  for (const json& set : file["vectors"]) {
    ++total;
    if (!IsApplicable(set)) {
      ++not_applicable;
      continue;
    }
    ++ran;
    names.insert(SetName(set));
    absl::Status status = CheckSet(set);
    if (status.ok()) {
      ++passed;
    } else {
      ADD_FAILURE() << "set " << SetName(set) << ": " << status;
    }
  }
  std::cout << "RFC 9180 Appendix A (" << kVectorFile << "): " << total
            << " sets, " << ran << " ran, " << passed << " passed, "
            << not_applicable << " not applicable (other KEM/KDF/AEAD)"
            << std::endl;
  ::testing::Test::RecordProperty("hpke_sets_total", total);
  ::testing::Test::RecordProperty("hpke_sets_ran", ran);
  ::testing::Test::RecordProperty("hpke_sets_not_applicable", not_applicable);
  // Both KEMs in all four modes must be present and pass.
  EXPECT_EQ(names.size(), 8u);
  for (const char* kem : {"P256", "X25519"}) {
    for (const char* mode : {"Base", "PSK", "Auth", "AuthPSK"}) {
      EXPECT_EQ(names.count(absl::StrCat(kem, "_HkdfSha256_Aes128Gcm_", mode)),
                1u)
          << kem << " " << mode << " missing from the vector file";
    }
  }
  EXPECT_EQ(ran, passed);
  // The parameterised suite saw the same sets.
  EXPECT_EQ(static_cast<int>(ApplicableSets().size()), ran);
}

}  // namespace
}  // namespace sct::crypto
