#include "scenarios/launcher/work_dir.h"

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "runtime/files.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;

std::string TmpDir(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

sv1::Topology Parse(const std::string& text) {
  sv1::Topology t;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &t)) << text;
  return t;
}

int ModeOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

std::string Read(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

TEST(WorkDirTest, PathsInsideTheWorkDirectory) {
  WorkDir dir("/w");
  EXPECT_EQ(dir.Data("relay.db"), "/w/data/relay.db");
  EXPECT_EQ(dir.Log("oem-a", "stderr"), "/w/logs/oem-a.stderr");
  EXPECT_EQ(dir.Pki(), "/w/pki");
  const OemAttestationFiles files = AttestationFilesOf(dir, "oem-a");
  EXPECT_EQ(files.key_file, "/w/data/oem-a-attestation.key");
  EXPECT_EQ(files.cert_file, "/w/data/oem-a-attestation.pem");
}

TEST(WorkDirTest, PreparesPkiTrustBundleAndLaunchedOemRoots) {
  const std::string root = TmpDir("prepared");
  absl::StatusOr<PreparedWorkDir> work = PrepareWorkDir(Parse(R"pb(
                                                          oems { id: "oem-a" }
                                                          oems {
                                                            id: "oem-x"
                                                            attach { grpc_address: "x:1" }
                                                          }
                                                        )pb"),
                                                        root, absl::Now());
  ASSERT_TRUE(work.ok()) << work.status();
  for (const char* sub : {"", "/logs", "/data"}) EXPECT_EQ(ModeOf(root + sub), 0700) << sub;
  EXPECT_EQ(work->pki_files.root_cert, root + "/pki/root.pem");
  EXPECT_EQ(work->pki_files.admin_cert, root + "/pki/admin.pem");
  EXPECT_EQ(work->pki_files.admin_key, root + "/pki/admin.key");
  EXPECT_EQ(work->pki_files.dir, root + "/pki");
  // Without attached CAs the device trust bundle is the dev root.
  EXPECT_EQ(work->device_trust_file, root + "/pki/device-trust.pem");
  EXPECT_EQ(Read(work->device_trust_file), Read(work->pki_files.root_cert));
  // Only the launched OEM gets an attestation root.
  ASSERT_EQ(work->oem_roots.size(), 1u);
  EXPECT_EQ(work->oem_roots[0], "oem-a=" + root + "/data/oem-a-attestation.pem");
  EXPECT_EQ(ModeOf(root + "/data/oem-a-attestation.key"), 0600);
  EXPECT_EQ(ModeOf(root + "/data/oem-x-attestation.key"), -1);
}

TEST(WorkDirTest, VendorlessDevicesGetTheirOwnRootsAfterTheOems) {
  const std::string root = TmpDir("vendorless");
  absl::StatusOr<PreparedWorkDir> work = PrepareWorkDir(Parse(R"pb(
                                                          oems { id: "oem-a" }
                                                          devices { id: "alice-phone" oem: "oem-a" }
                                                          devices { id: "bob-key" oem: "oem-a" }
                                                          architecture {
                                                            vendorless_devices: "bob-key"
                                                          }
                                                        )pb"),
                                                        root, absl::Now());
  ASSERT_TRUE(work.ok()) << work.status();
  EXPECT_THAT(work->oem_roots,
              ::testing::ElementsAre("oem-a=" + root + "/data/oem-a-attestation.pem",
                                     "bob-key=" + root + "/data/bob-key-attestation.pem"));
  EXPECT_EQ(ModeOf(root + "/data/bob-key-attestation.key"), 0600);
  EXPECT_EQ(ModeOf(root + "/data/alice-phone-attestation.key"), -1);
}

TEST(WorkDirTest, ReusedDirectoryKeepsTheOemRoot) {
  const std::string root = TmpDir("reused");
  const sv1::Topology t = Parse(R"pb(oems { id: "oem-a" })pb");
  ASSERT_TRUE(PrepareWorkDir(t, root, absl::Now()).ok());
  const std::string first = Read(root + "/data/oem-a-attestation.pem");
  ASSERT_TRUE(PrepareWorkDir(t, root, absl::Now()).ok());
  EXPECT_EQ(Read(root + "/data/oem-a-attestation.pem"), first);
}

TEST(WorkDirTest, AttachedCaJoinsTheDeviceTrustBundle) {
  // Another run's root stands in for a third party's CA.
  absl::StatusOr<PreparedWorkDir> other = PrepareWorkDir({}, TmpDir("other"), absl::Now());
  ASSERT_TRUE(other.ok()) << other.status();
  sv1::Topology t;
  t.mutable_relay()->mutable_attach()->set_grpc_address("relay.example:443");
  t.mutable_relay()->mutable_attach()->set_ca_cert_file(other->pki_files.root_cert);
  absl::StatusOr<PreparedWorkDir> work = PrepareWorkDir(t, TmpDir("attached"), absl::Now());
  ASSERT_TRUE(work.ok()) << work.status();
  const std::string bundle = Read(work->device_trust_file);
  EXPECT_TRUE(absl::StartsWith(bundle, Read(work->pki_files.root_cert)));
  EXPECT_TRUE(absl::StrContains(bundle, Read(other->pki_files.root_cert)));
}

TEST(WorkDirTest, AttachCaThatIsNoCertificateNamesTheField) {
  const std::string bogus = TmpDir("bogus-ca.pem");
  ASSERT_TRUE(WriteFileAtomically(bogus, "not a certificate", 0644).ok());
  sv1::Topology t;
  t.mutable_relay()->mutable_attach()->set_ca_cert_file(bogus);
  absl::StatusOr<PreparedWorkDir> work = PrepareWorkDir(t, TmpDir("bogus"), absl::Now());
  ASSERT_FALSE(work.ok());
  EXPECT_TRUE(absl::StrContains(work.status().message(), "attach.ca_cert_file")) << work.status();
}

}  // namespace
}  // namespace sct::scenarios
