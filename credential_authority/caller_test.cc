#include "credential_authority/caller.h"

#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::ca {
namespace {

const Caller kAdmin{CallerRole::kAdmin, "admin"};
const Caller kOem{CallerRole::kOem, "oem-a"};
const Caller kCar{CallerRole::kAccessPoint, "car-1"};
const Caller kStranger{CallerRole::kAnonymous, "who"};

TEST(CallerTest, RoleChecks) {
  EXPECT_TRUE(RequireOem(kOem).ok());
  EXPECT_EQ(ReasonOf(RequireOem(kAdmin)), "untrusted_oem");
  EXPECT_EQ(RequireOem(kStranger).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(RequireAdmin(kAdmin).ok());
  EXPECT_EQ(ReasonOf(RequireAdmin(kOem)), "not_admin");
  EXPECT_EQ(RequireAdmin(kOem).code(), absl::StatusCode::kPermissionDenied);
}

TEST(CallerTest, AccessPointAsksForItselfAndAdminNamesOne) {
  EXPECT_EQ(*RequireAccessPoint(kCar, ""), "car-1");
  EXPECT_EQ(*RequireAccessPoint(kCar, "car-1"), "car-1");
  EXPECT_EQ(ReasonOf(RequireAccessPoint(kCar, "car-2").status()), "untrusted_access_point");
  EXPECT_EQ(ReasonOf(RequireAccessPoint(kOem, "car-1").status()), "untrusted_access_point");
  EXPECT_EQ(*RequireAccessPoint(kAdmin, "car-2"), "car-2");
  EXPECT_EQ(ReasonOf(RequireAccessPoint(kAdmin, "").status()), "invalid_field");
}

}  // namespace
}  // namespace sct::ca
