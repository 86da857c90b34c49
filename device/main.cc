// device_agent: one simulated device as a process (docs/device.md).
//
//   bazel run //device:device_agent -- --oem_id=oem-a --oem_target=127.0.0.1:7001
//       --relay_grpc_target=127.0.0.1:7002 --channel_target=127.0.0.1:7003
//       (or --relay_http_url=https://127.0.0.1:7004 --relay_ca_file=root.pem)
//       --state_file=/tmp/alice.state --address=+15550001 --listen=127.0.0.1:0
//
// Prints `listening grpc=HOST:PORT` once serving; SIGTERM/SIGINT shut down
// cleanly (push stream cancelled, poller stopped, server drained). Flags
// become a DeviceConfig; device_process.h does the wiring.
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "device/device_process.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "sim/flags.h"

ABSL_FLAG(std::string, device_id, "",
          "Local name of this device for logs (the OEM assigns the real id).");
ABSL_FLAG(std::string, oem_id, "",
          "OEM this device belongs to, e.g. oem-a (required); for a vendorless device its own "
          "id at the authority.");
ABSL_FLAG(std::string, oem_target, "",
          "OEM server gRPC address HOST:PORT (required unless --vendorless_authority_target).");
ABSL_FLAG(std::string, relay_grpc_target, "",
          "Relay gRPC address HOST:PORT (relay.v1.Relay). Give this or --relay_http_url.");
ABSL_FLAG(std::string, relay_http_url, "",
          "Relay base URL https://HOST:PORT (or http://): the device speaks the draft's HTTP "
          "mailbox API. Give this or --relay_grpc_target.");
ABSL_FLAG(std::string, relay_ca_file, "",
          "PEM roots that verify the relay's HTTPS certificate (with --relay_http_url). "
          "Default: --tls_ca.");
ABSL_FLAG(std::string, ohttp_relay_url, "",
          "Oblivious HTTP relay resource https://HOST:PORT/relay (with --relay_http_url and "
          "--ohttp_keys_file): every mailbox call goes sealed through it (docs/variants/ohttp.md).");
ABSL_FLAG(std::string, ohttp_keys_file, "",
          "The OHTTP gateway's key configurations (application/ohttp-keys), with "
          "--ohttp_relay_url.");
ABSL_FLAG(std::string, derived_relay_url, "",
          "Base URL of a derived-locations relay (draft-rescorla-tigress-http-00, "
          "relay/derived); when set, shares and accepts use it (docs/derived-relay.md).");
ABSL_FLAG(std::string, channel_target, "", "Channel server gRPC address HOST:PORT.");
ABSL_FLAG(std::string, state_file, "",
          "Secure-element state file (0600; holds private keys). Empty: memory only.");
ABSL_FLAG(std::string, listen, "127.0.0.1:0", "Control API listen address (port 0 picks one).");
ABSL_FLAG(std::string, address, "",
          "This device's channel address, e.g. +15550001 or alice@example.");
ABSL_FLAG(std::string, model, "sim-phone", "Model string sent at enrolment.");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM roots for outbound TLS (OEM, relay, channel, access points). Empty: plaintext.");
ABSL_FLAG(std::string, tls_client_cert, "",
          "PEM client certificate for mutual TLS to the OEM (and others).");
ABSL_FLAG(std::string, tls_client_key, "", "PEM key of --tls_client_cert.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM server certificate for the control API. Empty: plaintext.");
ABSL_FLAG(std::string, tls_key, "", "PEM key of --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: client certificates presented to the control API are verified against "
          "it (not required); with TLS, Audit/SimControl need the admin certificate.");
ABSL_FLAG(bool, enrol_at_start, true,
          "Enrol with the OEM at start-up (retried by the Enrol RPC if it fails).");
ABSL_FLAG(absl::Duration, poll_initial, absl::Seconds(2),
          "First polling interval when no push arrives.");
ABSL_FLAG(bool, no_push, false,
          "Do not subscribe to the OEM's push notifications: the device learns of replies and "
          "shares only by polling (push-lost scenarios).");
ABSL_FLAG(absl::Duration, poll_max, absl::Seconds(60),
          "Polling interval cap (exponential backoff).");
ABSL_FLAG(absl::Duration, wallet_retention, sct::device::kDefaultWalletRetention,
          "How long finished exchanges and revoked or expired credentials stay in the wallet "
          "after they ended (docs/device.md, Retention); must be positive.");
ABSL_FLAG(bool, pin_in_key, false,
          "Seal a share that has a PIN under a key derived from the link's secret and the PIN, "
          "and open received ones with the PIN (the pin-in-key variant, "
          "docs/variants/pin-in-key.md). Both devices of a share must agree.");
ABSL_FLAG(bool, relay_attestation, false,
          "Send a Mailbox-Device-Attestation (a fresh attested key's chain and its signature over "
          "the claim) with every create and first read, for a relay that checks them (the "
          "relay-attestation variant, docs/variants/relay-attestation.md).");

ABSL_FLAG(std::string, vendorless_authority_target, "",
          "Credential authority gRPC address HOST:PORT for a device WITHOUT a vendor server (the "
          "vendorless-device variant, docs/variants/vendorless-device.md): the device attests its "
          "keys under its own root and calls the authority directly as --oem_id (its TLS client "
          "certificate's CN); no push, it polls. Replaces --oem_target.");
ABSL_FLAG(std::string, vendorless_attestation_key, "",
          "PEM P-256 key of the vendorless device's own attestation root.");
ABSL_FLAG(std::string, vendorless_attestation_cert, "",
          "PEM certificate of that root (the authority trusts it as --oem_roots=<oem_id>=FILE).");

namespace {

int Fail(const absl::Status& status) {
  std::cerr << "device_agent: " << status.message() << " (" << sct::ReasonOf(status) << ")\n";
  return 2;
}

sct::device::DeviceConfig ConfigFromFlags() {
  sct::device::DeviceConfig config;
  config.device_id = absl::GetFlag(FLAGS_device_id);
  config.oem_id = absl::GetFlag(FLAGS_oem_id);
  config.oem_target = absl::GetFlag(FLAGS_oem_target);
  config.relay_grpc_target = absl::GetFlag(FLAGS_relay_grpc_target);
  config.relay_http_url = absl::GetFlag(FLAGS_relay_http_url);
  config.relay_ca_file = absl::GetFlag(FLAGS_relay_ca_file);
  config.ohttp_relay_url = absl::GetFlag(FLAGS_ohttp_relay_url);
  config.ohttp_keys_file = absl::GetFlag(FLAGS_ohttp_keys_file);
  config.derived_relay_url = absl::GetFlag(FLAGS_derived_relay_url);
  config.channel_target = absl::GetFlag(FLAGS_channel_target);
  config.state_file = absl::GetFlag(FLAGS_state_file);
  config.listen = absl::GetFlag(FLAGS_listen);
  config.address = absl::GetFlag(FLAGS_address);
  config.model = absl::GetFlag(FLAGS_model);
  config.tls_ca = absl::GetFlag(FLAGS_tls_ca);
  config.tls_client_cert = absl::GetFlag(FLAGS_tls_client_cert);
  config.tls_client_key = absl::GetFlag(FLAGS_tls_client_key);
  config.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  config.tls_key = absl::GetFlag(FLAGS_tls_key);
  config.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  config.enrol_at_start = absl::GetFlag(FLAGS_enrol_at_start);
  config.push = !absl::GetFlag(FLAGS_no_push);
  config.poll_initial = absl::GetFlag(FLAGS_poll_initial);
  config.poll_max = absl::GetFlag(FLAGS_poll_max);
  config.wallet_retention = absl::GetFlag(FLAGS_wallet_retention);
  config.pin_in_key = absl::GetFlag(FLAGS_pin_in_key);
  config.relay_attestation = absl::GetFlag(FLAGS_relay_attestation);
  config.vendorless_authority_target = absl::GetFlag(FLAGS_vendorless_authority_target);
  config.vendorless_attestation_key = absl::GetFlag(FLAGS_vendorless_attestation_key);
  config.vendorless_attestation_cert = absl::GetFlag(FLAGS_vendorless_attestation_cert);
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  sct::BlockTerminationSignals();
  absl::ParseCommandLine(argc, argv);
  const sct::device::DeviceConfig config = ConfigFromFlags();
  if (absl::Status checked = sct::device::CheckConfig(config); !checked.ok()) {
    return Fail(checked);
  }
  // --sim_control: SimClock, trace, Audit/SimControl (docs/sim.md); else null.
  std::unique_ptr<sct::sim::SimState> sim =
      sct::sim::StateFromFlags(config.device_id.empty() ? "device" : config.device_id);
  auto device = sct::device::DeviceProcess::Start(config, std::move(sim));
  if (!device.ok()) return Fail(device.status());

  sct::PrintListeningLine({{"grpc", (*device)->address()}});
  std::cerr << "device_agent " << config.device_id << " (" << config.oem_id << ") serving on "
            << (*device)->address() << "\n";
  int sig = sct::WaitForTerminationSignal();
  std::cerr << "device_agent: signal " << sig << ", shutting down\n";
  (*device)->Shutdown();
  return 0;
}
