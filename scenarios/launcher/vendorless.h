// The vendorless-device variant in the launcher (docs/variants/
// vendorless-device.md): which devices have no vendor server, and how such a
// device is started.
//
// A vendorless device still names an OEM in the topology: that OEM's
// authority is the one it enrols with; the OEM itself never hears from it.
// Its identity at the authority is its topology id: the CN of its dev-PKI
// TLS client certificate and the id its own attestation root is registered
// under (--oem_roots "<device id>=WORK/data/<device id>-attestation.pem",
// made by PrepareWorkDir beside the OEMs' roots).
//
// Pure functions; thread-safe.
#ifndef SCT_SCENARIOS_LAUNCHER_VENDORLESS_H_
#define SCT_SCENARIOS_LAUNCHER_VENDORLESS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "proto/scenario/v1/topology.pb.h"

namespace sct::scenarios {

// Whether `device_id` runs without a vendor server: architecture
// vendorless_devices lists it or "*".
bool IsVendorless(const scenario::v1::ArchitectureSpec& arch, absl::string_view device_id);

// The launched (not attached) vendorless devices, in topology order.
std::vector<std::string> VendorlessDevices(const scenario::v1::Topology& topology);

// What a vendorless device is started with in place of its OEM flags
// (--oem_id=<its own id>, --vendorless_authority_target, the attestation
// root's files, its TLS client identity), and `args` without --oem_id and
// --oem_target.
struct VendorlessDeviceFiles {
  std::string authority_address;  // gRPC "HOST:PORT" of its OEM's authority
  std::string attestation_key;    // WORK/data/<id>-attestation.key
  std::string attestation_cert;   // WORK/data/<id>-attestation.pem
  std::string tls_cert;           // its dev-PKI identity (CN = its id)
  std::string tls_key;
};
std::vector<std::string> VendorlessDeviceArgs(const std::string& device_id,
                                              const std::vector<std::string>& args,
                                              const VendorlessDeviceFiles& files);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_VENDORLESS_H_
