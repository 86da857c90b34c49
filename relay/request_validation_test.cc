#include "relay/request_validation.h"

#include <optional>
#include <string>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::relay {
namespace {

using ::testing::HasSubstr;

const RelayLimits kLimits;

TEST(RequestValidationTest, ClaimMissingIsUnauthenticatedMalformedIsInvalid) {
  absl::StatusOr<std::string> missing = CheckDeviceClaim("", kHttpFieldNames);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(missing.status()), kClaimMissing);
  EXPECT_THAT(missing.status().message(), HasSubstr("Mailbox-Device-Claim"));
  absl::StatusOr<std::string> bad = CheckDeviceClaim("1234", kGrpcFieldNames);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("device_claim"));
  absl::StatusOr<std::string> good =
      CheckDeviceClaim("0F8FAD5B-D9CB-469F-A165-70867728950E", kHttpFieldNames);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(*good, "0f8fad5b-d9cb-469f-a165-70867728950e");  // lower-cased
}

TEST(RequestValidationTest, EachFaceNamesTheFieldItsOwnWay) {
  EXPECT_EQ(&FieldNamesOf(Face::kHttp), &kHttpFieldNames);
  EXPECT_EQ(&FieldNamesOf(Face::kGrpc), &kGrpcFieldNames);
  EXPECT_THAT(CheckRequestId("1", kHttpFieldNames).status().message(),
              HasSubstr("Mailbox-Request-ID: not a UUID"));
  EXPECT_THAT(CheckRequestId("", kGrpcFieldNames).status().message(),
              HasSubstr("request_id: missing"));
  NotificationToken no_data{"oem-a", ""};
  EXPECT_THAT(CheckNotificationToken(no_data, kLimits, kHttpFieldNames).message(),
              HasSubstr("notificationToken.tokenData"));
  EXPECT_THAT(CheckNotificationToken(no_data, kLimits, kGrpcFieldNames).message(),
              HasSubstr("notification_token.token_data"));
  // The mailbox id has one name on both faces.
  EXPECT_THAT(CheckMailboxId("x", kGrpcFieldNames).status().message(), HasSubstr("mailboxId"));
}

TEST(RequestValidationTest, PayloadTypeAndLength) {
  EXPECT_TRUE(CheckPayload({kAeadAes128Gcm, std::string(28, 'x')}, kLimits, kHttpFieldNames).ok());
  EXPECT_THAT(
      CheckPayload({kAeadAes256Gcm, std::string(27, 'x')}, kLimits, kHttpFieldNames).message(),
      HasSubstr("payload.data"));
  EXPECT_THAT(
      CheckPayload({"AEAD_CHACHA20", std::string(40, 'x')}, kLimits, kHttpFieldNames).message(),
      HasSubstr("payload.type"));
  absl::Status big = CheckPayload({kAeadAes128Gcm, std::string(kLimits.max_payload_bytes + 1, 'x')},
                                  kLimits, kHttpFieldNames);
  EXPECT_EQ(ReasonOf(big), "payload_too_large");
}

TEST(RequestValidationTest, AccessRights) {
  for (const char* good : {"R", "W", "D", "RD", "DR", "RWD", "DWR"}) {
    EXPECT_TRUE(CanonicalAccessRights(std::string(good), kHttpFieldNames).ok()) << good;
  }
  for (const char* bad : {"", "X", "RR", "rd", "RWDR", "R D"}) {
    EXPECT_FALSE(CanonicalAccessRights(std::string(bad), kHttpFieldNames).ok()) << bad;
  }
  EXPECT_EQ(*CanonicalAccessRights(std::nullopt, kHttpFieldNames), kDefaultAccessRights);
  EXPECT_EQ(*CanonicalAccessRights(std::string("DWR"), kHttpFieldNames), "RWD");
}

TEST(RequestValidationTest, ExpirationWithinTheLifetimeLimits) {
  const absl::Time now = absl::FromUnixSeconds(1735689600);
  EXPECT_EQ(*CheckExpiration(std::nullopt, now, kLimits, kHttpFieldNames),
            now + kLimits.default_ttl);
  EXPECT_EQ(*CheckExpiration(now + kLimits.max_ttl, now, kLimits, kHttpFieldNames),
            now + kLimits.max_ttl);
  EXPECT_THAT(CheckExpiration(now, now, kLimits, kGrpcFieldNames).status().message(),
              HasSubstr("mailbox_configuration.expiration"));
  EXPECT_FALSE(
      CheckExpiration(now + kLimits.max_ttl + absl::Nanoseconds(1), now, kLimits, kHttpFieldNames)
          .ok());
}

TEST(RequestValidationTest, WholeSecondsRoundsDown) {
  const absl::Time t = absl::FromUnixSeconds(1735689600);
  EXPECT_EQ(WholeSeconds(t + absl::Milliseconds(999)), t);
  EXPECT_EQ(WholeSeconds(t), t);
}

}  // namespace
}  // namespace sct::relay
