// Which devices run without a vendor server, and the flags that replace
// their OEM's.
#include "scenarios/launcher/vendorless.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

sv1::Topology Parse(const std::string& text) {
  sv1::Topology t;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &t)) << text;
  return t;
}

constexpr char kDevices[] = R"pb(
  devices { id: "alice-phone" oem: "oem-a" }
  devices { id: "bob-key" oem: "oem-b" }
  devices {
    id: "carol-phone"
    oem: "oem-a"
    attach { grpc_address: "127.0.0.1:1" }
  }
)pb";

TEST(Vendorless, TheReferenceDesignHasNone) {
  sv1::Topology t = Parse(kDevices);
  EXPECT_THAT(VendorlessDevices(t), IsEmpty());
  EXPECT_FALSE(IsVendorless(t.architecture(), "bob-key"));
}

TEST(Vendorless, ListedDevicesOrEveryLaunchedOneForStar) {
  sv1::Topology t = Parse(std::string(kDevices) + "architecture { vendorless_devices: 'bob-key' }");
  EXPECT_THAT(VendorlessDevices(t), ElementsAre("bob-key"));
  EXPECT_FALSE(IsVendorless(t.architecture(), "alice-phone"));
  t.mutable_architecture()->set_vendorless_devices(0, "*");
  EXPECT_TRUE(IsVendorless(t.architecture(), "alice-phone"));
  // An attached device is not launched, so the launcher gives it nothing.
  EXPECT_THAT(VendorlessDevices(t), ElementsAre("alice-phone", "bob-key"));
}

TEST(Vendorless, DeviceArgsReplaceTheOemFlags) {
  VendorlessDeviceFiles files;
  files.authority_address = "127.0.0.5:7000";
  files.attestation_key = "W/data/bob-key-attestation.key";
  files.attestation_cert = "W/data/bob-key-attestation.pem";
  files.tls_cert = "W/pki/bob-key.pem";
  files.tls_key = "W/pki/bob-key.key";
  std::vector<std::string> args = VendorlessDeviceArgs(
      "bob-key", {"--device_id=bob-key", "--oem_id=oem-b", "--oem_target=127.0.0.3:1", "--x"},
      files);
  EXPECT_THAT(args, ElementsAre("--device_id=bob-key", "--x", "--oem_id=bob-key",
                                "--vendorless_authority_target=127.0.0.5:7000",
                                "--vendorless_attestation_key=W/data/bob-key-attestation.key",
                                "--vendorless_attestation_cert=W/data/bob-key-attestation.pem",
                                "--tls_client_cert=W/pki/bob-key.pem",
                                "--tls_client_key=W/pki/bob-key.key"));
}

}  // namespace
}  // namespace sct::scenarios
