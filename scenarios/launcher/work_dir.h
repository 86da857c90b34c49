// The per-run directory of a launch (LaunchOptions::work_dir) and what the
// launcher puts there before it starts any process:
//   WORK/pki    the development PKI (dev_pki.h) and device-trust.pem: the dev
//               root plus the ca_cert_file of every attached endpoint (what
//               devices, the relay's push client and the channel's preview
//               bot trust);
//   WORK/data   durable service state (databases, keys, device state) and the
//               attestation root of every launched OEM, made here so that the
//               authorities trust those roots from their first start;
//   WORK/logs   each launched service's stderr and stdout.
// A reused work directory keeps its data (the OEM roots and the access point
// keys the authority's ledger already holds are kept, not replaced).
//
// Thread-safety: WorkDir is an immutable value; PrepareWorkDir keeps no state.
// Errors of PrepareWorkDir: UNAVAILABLE when a directory or file cannot be
// written; INVALID_ARGUMENT (reason "invalid_field") naming
// attach.ca_cert_file when an attach CA file is not PEM certificates, or
// "<oem>: attestation CA: ..." when an existing attestation root's files do
// not belong together; INTERNAL with OpenSSL's text when OpenSSL fails.
#ifndef SCT_SCENARIOS_LAUNCHER_WORK_DIR_H_
#define SCT_SCENARIOS_LAUNCHER_WORK_DIR_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/launcher/dev_pki.h"
#include "scenarios/launcher/ecosystem.h"

namespace sct::scenarios {

// Paths inside one work directory.
class WorkDir {
 public:
  explicit WorkDir(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  // WORK/data/<file>
  std::string Data(absl::string_view file) const;
  // WORK/logs/<service>.<ext> ("stderr", "stdout")
  std::string Log(absl::string_view service, absl::string_view ext) const;
  // WORK/pki
  std::string Pki() const;

 private:
  std::string root_;
};

// The files of an OEM's device attestation root (what oem_server loads with
// --attestation_ca_key and --attestation_ca_cert).
struct OemAttestationFiles {
  std::string key_file;   // WORK/data/<oem>-attestation.key
  std::string cert_file;  // WORK/data/<oem>-attestation.pem
};
OemAttestationFiles AttestationFilesOf(const WorkDir& dir, absl::string_view oem_id);

// A work directory ready for the first process.
struct PreparedWorkDir {
  WorkDir dir{""};
  std::unique_ptr<DevPki> pki;
  DevPkiFiles pki_files;          // root and "admin" identity
  std::string device_trust_file;  // WORK/pki/device-trust.pem
  // "<oem id>=<attestation cert file>" for every launched OEM, in topology
  // order, then "<device id>=..." for every vendorless device (vendorless.h)
  // (the authorities' --oem_roots).
  std::vector<std::string> oem_roots;
  // The address plan of the topology (address_plan.h): actor -> address.
  std::map<std::string, std::string> addresses;
};

// Makes WORK, WORK/logs and WORK/data (0700), the address plan, a fresh dev
// PKI whose leaves cover the planned addresses with the "admin" identity, the
// device trust bundle and the attestation root of every launched (not
// attached) OEM of `topology`.
absl::StatusOr<PreparedWorkDir> PrepareWorkDir(const scenario::v1::Topology& topology,
                                               const std::string& work_dir, absl::Time now);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_WORK_DIR_H_
