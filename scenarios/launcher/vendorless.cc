#include "scenarios/launcher/vendorless.h"

#include <algorithm>

#include "absl/strings/match.h"

namespace sct::scenarios {

namespace sv1 = ::scenario::v1;

bool IsVendorless(const sv1::ArchitectureSpec& arch, absl::string_view device_id) {
  return std::any_of(
      arch.vendorless_devices().begin(), arch.vendorless_devices().end(),
      [&](const std::string& listed) { return listed == "*" || listed == device_id; });
}

std::vector<std::string> VendorlessDevices(const sv1::Topology& topology) {
  std::vector<std::string> out;
  for (const sv1::DeviceSpec& d : topology.devices()) {
    if (!d.has_attach() && IsVendorless(topology.architecture(), d.id())) out.push_back(d.id());
  }
  return out;
}

std::vector<std::string> VendorlessDeviceArgs(const std::string& device_id,
                                              const std::vector<std::string>& args,
                                              const VendorlessDeviceFiles& files) {
  std::vector<std::string> out;
  for (const std::string& arg : args) {
    if (absl::StartsWith(arg, "--oem_id=") || absl::StartsWith(arg, "--oem_target=")) continue;
    out.push_back(arg);
  }
  out.push_back("--oem_id=" + device_id);
  out.push_back("--vendorless_authority_target=" + files.authority_address);
  out.push_back("--vendorless_attestation_key=" + files.attestation_key);
  out.push_back("--vendorless_attestation_cert=" + files.attestation_cert);
  out.push_back("--tls_client_cert=" + files.tls_cert);
  out.push_back("--tls_client_key=" + files.tls_key);
  return out;
}

}  // namespace sct::scenarios
