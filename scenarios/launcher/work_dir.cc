#include "scenarios/launcher/work_dir.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "runtime/files.h"
#include "runtime/tls.h"
#include "scenarios/launcher/address_plan.h"
#include "scenarios/launcher/vendorless.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;

// The dev root followed by every attached endpoint's CA file (each once).
absl::StatusOr<std::string> DeviceTrustBundle(const sv1::Topology& t,
                                              const std::string& root_cert_file) {
  ASSIGN_OR_RETURN(std::string bundle, ReadWholeFile(root_cert_file));
  std::set<std::string> extra_cas;
  auto note_ca = [&](const sv1::Endpoint& e) {
    if (!e.ca_cert_file().empty()) extra_cas.insert(e.ca_cert_file());
  };
  if (t.relay().has_attach()) note_ca(t.relay().attach());
  for (const auto& o : t.oems()) note_ca(o.attach());
  for (const auto& a : t.access_points()) note_ca(a.attach());
  for (const std::string& f : extra_cas) {
    ASSIGN_OR_RETURN(std::string pem, ReadPemCertificates(f, "attach.ca_cert_file"));
    absl::StrAppend(&bundle, "\n", pem);
  }
  return bundle;
}

// The attestation roots of the launched OEMs and vendorless devices, made (or
// kept) in WORK/data.
absl::StatusOr<std::vector<std::string>> EnsureOemRoots(const sv1::Topology& t, const WorkDir& dir,
                                                        absl::Time now) {
  std::vector<std::string> roots;
  for (const auto& o : t.oems()) {
    if (o.has_attach()) continue;
    const OemAttestationFiles files = AttestationFilesOf(dir, o.id());
    absl::Status root = EnsureOemAttestationRoot(o.id(), files.key_file, files.cert_file, now);
    if (!root.ok()) {
      return absl::Status(root.code(), absl::StrCat(o.id(), ": attestation CA: ", root.message()));
    }
    roots.push_back(absl::StrCat(o.id(), "=", files.cert_file));
  }
  // A vendorless device's own root, registered like a vendor's (vendorless.h).
  for (const std::string& device : VendorlessDevices(t)) {
    const OemAttestationFiles files = AttestationFilesOf(dir, device);
    absl::Status root = EnsureOemAttestationRoot(device, files.key_file, files.cert_file, now);
    if (!root.ok()) {
      return absl::Status(root.code(), absl::StrCat(device, ": attestation root: ", root.message()));
    }
    roots.push_back(absl::StrCat(device, "=", files.cert_file));
  }
  return roots;
}

}  // namespace

std::string WorkDir::Data(absl::string_view file) const {
  return absl::StrCat(root_, "/data/", file);
}

std::string WorkDir::Log(absl::string_view service, absl::string_view ext) const {
  return absl::StrCat(root_, "/logs/", service, ".", ext);
}

std::string WorkDir::Pki() const { return absl::StrCat(root_, "/pki"); }

OemAttestationFiles AttestationFilesOf(const WorkDir& dir, absl::string_view oem_id) {
  return {dir.Data(absl::StrCat(oem_id, "-attestation.key")),
          dir.Data(absl::StrCat(oem_id, "-attestation.pem"))};
}

absl::StatusOr<PreparedWorkDir> PrepareWorkDir(const sv1::Topology& topology,
                                               const std::string& work_dir, absl::Time now) {
  PreparedWorkDir out;
  out.dir = WorkDir(work_dir);
  for (const char* sub : {"", "/logs", "/data"}) {
    RETURN_IF_ERROR(MakeDirs(work_dir + sub, 0700));
  }
  out.addresses = AddressPlan(topology);
  std::vector<std::string> ips;
  for (const auto& [actor, address] : out.addresses) ips.push_back(address);
  ASSIGN_OR_RETURN(out.pki, DevPki::Create(out.dir.Pki(), now, std::move(ips)));
  ASSIGN_OR_RETURN(PkiIdentity admin, out.pki->Identity("admin"));
  out.pki_files.root_cert = out.pki->root_cert_file();
  out.pki_files.admin_cert = admin.cert_file;
  out.pki_files.admin_key = admin.key_file;
  out.pki_files.dir = out.pki->dir();

  ASSIGN_OR_RETURN(std::string bundle, DeviceTrustBundle(topology, out.pki->root_cert_file()));
  out.device_trust_file = out.pki->dir() + "/device-trust.pem";
  RETURN_IF_ERROR(WriteFileWithMode(out.device_trust_file, bundle, 0644));

  ASSIGN_OR_RETURN(out.oem_roots, EnsureOemRoots(topology, out.dir, now));
  return out;
}

}  // namespace sct::scenarios
