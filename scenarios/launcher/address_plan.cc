#include "scenarios/launcher/address_plan.h"

#include "absl/strings/str_cat.h"

namespace sct::scenarios {
namespace {

// The ninth and later servers, and the 241st and later devices, go to their
// own /24 so the first ranges stay as documented.
constexpr int kServersInFirstRange = 9;    // 127.0.0.2 .. 127.0.0.10
constexpr int kDevicesInFirstRange = 240;  // 127.0.0.11 .. 127.0.0.250

std::string ServerAddress(int i) {
  if (i < kServersInFirstRange) return absl::StrCat("127.0.0.", 2 + i);
  const int k = i - kServersInFirstRange;
  return absl::StrCat("127.0.", 2 + 2 * (k / 250), ".", 1 + k % 250);
}

std::string DeviceAddress(int j) {
  if (j < kDevicesInFirstRange) return absl::StrCat("127.0.0.", 11 + j);
  const int k = j - kDevicesInFirstRange;
  return absl::StrCat("127.0.", 3 + 2 * (k / 250), ".", 1 + k % 250);
}

}  // namespace

std::string AttackerAddress(int i) { return absl::StrCat("127.1.0.", 1 + i); }

std::vector<std::string> ArchitectureActors(const scenario::v1::ArchitectureSpec& a) {
  std::vector<std::string> out;
  if (a.ohttp()) out.insert(out.end(), {kOhttpGatewayName, kOhttpRelayName});
  if (a.relay_design() == scenario::v1::DERIVED_LOCATIONS) out.push_back(kDerivedRelayName);
  if (a.relay_design() == scenario::v1::DIRECT) out.push_back(kProximityName);
  return out;
}

bool IsArchitectureActor(absl::string_view name) {
  return name == kOhttpGatewayName || name == kOhttpRelayName || name == kDerivedRelayName ||
         name == kProximityName;
}

std::map<std::string, std::string> AddressPlan(const scenario::v1::Topology& t) {
  std::map<std::string, std::string> plan;
  int servers = 0;
  auto server = [&](const std::string& name, bool attached) {
    const std::string address = ServerAddress(servers++);
    if (!attached) plan[name] = address;
  };
  server("relay", t.relay().has_attach());
  server("channel", false);
  for (const auto& a : t.authorities()) server(a.id(), a.has_attach());
  for (const auto& o : t.oems()) server(o.id(), o.has_attach());
  for (const auto& ap : t.access_points()) server(ap.id(), ap.has_attach());
  for (const std::string& actor : ArchitectureActors(t.architecture())) server(actor, false);
  int devices = 0;
  for (const auto& d : t.devices()) {
    const std::string address = DeviceAddress(devices++);
    if (!d.has_attach()) plan[d.id()] = address;
  }
  return plan;
}

}  // namespace sct::scenarios
