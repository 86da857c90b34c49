#include "crypto/ohttp.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "crypto/test_util.h"
#include "gtest/gtest.h"

namespace sct::crypto::ohttp {
namespace {

// RFC 9458 appendix A, every value as published.
constexpr char kSkR[] = "3c168975674b2fa8e465970b79c8dcf09f1c741626480bd4c6162fc5b6a98e1a";
constexpr char kPkR[] = "31e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e798155";
constexpr char kKeyConfig[] =
    "01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003";
constexpr char kRequest[] = "00034745540568747470730b6578616d706c652e636f6d012f";
constexpr char kSkE[] = "bc51d5e930bda26589890ac7032f70ad12e4ecb37abb1b65b1256c9c48999c73";
constexpr char kEncapsulatedRequest[] =
    "010020000100014b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad19dec96c208b472"
    "6374e469135906992e1268c594d2a10c695d858c40a026e7965e7d86b83dd440b2c0185204b4d63525";
constexpr char kResponse[] = "0140c8";
constexpr char kResponseNonce[] = "c789e7151fcba46158ca84b04464910d";
constexpr char kEncapsulatedResponse[] =
    "c789e7151fcba46158ca84b04464910d86f9013e404feea014e7be4a441f234f857fbd";

KeyConfig RfcConfig() {
  KeyConfig c;
  c.key_id = 1;
  c.kem_id = 0x0020;
  c.public_key = Unhex(kPkR);
  c.algorithms = {{0x0001, 0x0001}, {0x0001, 0x0003}};
  return c;
}

Gateway RfcGateway() {
  std::vector<GatewayKey> keys(1);
  keys[0].config = RfcConfig();
  keys[0].private_key = Unhex(kSkR);
  absl::StatusOr<Gateway> g = Gateway::Create(std::move(keys));
  EXPECT_TRUE(g.ok()) << g.status();
  return *std::move(g);
}

TEST(OhttpRfc9458AppendixA, KeyConfigEncodesAndParsesByteForByte) {
  absl::StatusOr<std::string> bytes = EncodeKeyConfig(RfcConfig());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(Hex(*bytes), kKeyConfig);
  absl::StatusOr<KeyConfig> parsed = ParseKeyConfig(Unhex(kKeyConfig));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->key_id, 1);
  EXPECT_EQ(parsed->kem_id, 0x0020);
  EXPECT_EQ(Hex(parsed->public_key), kPkR);
  EXPECT_EQ(parsed->algorithms, RfcConfig().algorithms);
}

TEST(OhttpRfc9458AppendixA, ClientEncapsulatesTheRequestByteForByte) {
  absl::StatusOr<EncapsulatedRequest> enc =
      EncapsulateRequestForTesting(RfcConfig(), Unhex(kRequest), Unhex(kSkE));
  ASSERT_TRUE(enc.ok()) << enc.status();
  EXPECT_EQ(Hex(enc->bytes), kEncapsulatedRequest);
  absl::StatusOr<std::string> response =
      enc->context.DecapsulateResponse(Unhex(kEncapsulatedResponse));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(Hex(*response), kResponse);
}

TEST(OhttpRfc9458AppendixA, GatewayOpensTheRequestAndSealsTheResponseByteForByte) {
  const Gateway gateway = RfcGateway();
  absl::StatusOr<DecapsulatedRequest> opened =
      gateway.DecapsulateRequest(Unhex(kEncapsulatedRequest));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(Hex(opened->request), kRequest);
  absl::StatusOr<std::string> sealed =
      opened->context.EncapsulateResponseForTesting(Unhex(kResponse), Unhex(kResponseNonce));
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(Hex(*sealed), kEncapsulatedResponse);
}

TEST(OhttpTest, KeyConfigListRoundTripsAndSkipsUnsupportedKems) {
  const Gateway gateway = RfcGateway();
  absl::StatusOr<std::string> list = gateway.EncodedKeyConfigs();
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(Hex(*list), absl::StrCat("002d", kKeyConfig));
  // A config for KEM 0x0011 (P-384, unsupported) before the RFC's one.
  const std::string unknown = Unhex("0700110000");
  const std::string body = absl::StrCat(Unhex("0005"), unknown, *list);
  absl::StatusOr<std::vector<KeyConfig>> parsed = ParseKeyConfigList(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].key_id, 1);
  EXPECT_FALSE(ParseKeyConfigList(absl::StrCat(Unhex("0005"), unknown)).ok());
  EXPECT_FALSE(ParseKeyConfigList(list->substr(0, list->size() - 1)).ok());
  EXPECT_FALSE(ParseKeyConfigList("").ok());
}

TEST(OhttpTest, FreshRoundTripAndEachRequestUsesANewKey) {
  absl::StatusOr<Gateway> gateway = Gateway::Generate(7);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  const KeyConfig& config = gateway->keys()[0].config;
  absl::StatusOr<EncapsulatedRequest> a = EncapsulateRequest(config, "inner request");
  absl::StatusOr<EncapsulatedRequest> b = EncapsulateRequest(config, "inner request");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->bytes, b->bytes);
  absl::StatusOr<DecapsulatedRequest> opened = gateway->DecapsulateRequest(a->bytes);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->request, "inner request");
  absl::StatusOr<std::string> sealed = opened->context.EncapsulateResponse("inner response");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(*a->context.DecapsulateResponse(*sealed), "inner response");
  // The response belongs to request a only.
  EXPECT_EQ(ReasonOf(b->context.DecapsulateResponse(*sealed).status()), "decryption_failed");
}

TEST(OhttpTest, GatewayRefusesUnknownKeysAndTamperedRequests) {
  const Gateway gateway = RfcGateway();
  std::string request = Unhex(kEncapsulatedRequest);
  std::string wrong_id = request;
  wrong_id[0] = 2;
  EXPECT_EQ(ReasonOf(gateway.DecapsulateRequest(wrong_id).status()), "ohttp_key_unknown");
  std::string chacha = request;
  chacha[6] = 3;  // a pair the config lists but this implementation lacks
  EXPECT_EQ(ReasonOf(gateway.DecapsulateRequest(chacha).status()), "ohttp_key_unknown");
  std::string tampered = request;
  tampered.back() ^= 1;
  EXPECT_EQ(ReasonOf(gateway.DecapsulateRequest(tampered).status()), "decryption_failed");
  std::string header_changed = request;
  header_changed[3] = 1;  // kdf 0x0101: unknown
  EXPECT_FALSE(gateway.DecapsulateRequest(header_changed).ok());
  EXPECT_EQ(ReasonOf(gateway.DecapsulateRequest(request.substr(0, 20)).status()), "invalid_field");
  EXPECT_EQ(ReasonOf(gateway.DecapsulateRequest("").status()), "invalid_field");
}

TEST(OhttpTest, ClientRefusesTamperedOrShortResponses) {
  absl::StatusOr<EncapsulatedRequest> enc =
      EncapsulateRequestForTesting(RfcConfig(), Unhex(kRequest), Unhex(kSkE));
  ASSERT_TRUE(enc.ok());
  std::string tampered = Unhex(kEncapsulatedResponse);
  tampered[0] ^= 1;  // the nonce is bound into the key
  EXPECT_EQ(ReasonOf(enc->context.DecapsulateResponse(tampered).status()), "decryption_failed");
  EXPECT_EQ(ReasonOf(enc->context.DecapsulateResponse(Unhex(kResponseNonce)).status()),
            "invalid_field");
}

TEST(OhttpTest, GatewayCreateChecksItsKeys) {
  std::vector<GatewayKey> keys(2);
  keys[0].config = keys[1].config = RfcConfig();
  keys[0].private_key = keys[1].private_key = Unhex(kSkR);
  EXPECT_EQ(ReasonOf(Gateway::Create(keys).status()), "invalid_field");  // same id twice
  keys.resize(1);
  keys[0].private_key = Unhex(kSkE);
  EXPECT_EQ(ReasonOf(Gateway::Create(keys).status()), "invalid_field");  // wrong private key
  EXPECT_FALSE(Gateway::Create({}).ok());
}

}  // namespace
}  // namespace sct::crypto::ohttp
