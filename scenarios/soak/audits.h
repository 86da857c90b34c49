// The soak's audits, each through a contract, each feeding the context's
// bookkeeping (invariants.h):
//
//   RedemptionRace: one share, its full link read from mallory's inbox, then
//     bob and mallory accept the same link at once (two threads): at most one
//     may redeem it.
//   RelayProbeLoop: writes mailboxes straight to the relay (relay.v1.Relay),
//     races two readers for each binding (at most one may bind), deletes
//     some, and re-reads every live acknowledged mailbox after each relay
//     restart (a sample every 30 s otherwise): none may be lost or changed.
//   LedgerLoop: every 20 s and after each authority restart, each sharer's
//     ListShares (descendants included) must hold every share acknowledged
//     to it, none redeemed more often than allowed.
//
// Thread-safety: one thread per loop or per RedemptionRace; they share only
// the context.
#ifndef SCT_SCENARIOS_SOAK_AUDITS_H_
#define SCT_SCENARIOS_SOAK_AUDITS_H_

#include <cstdint>
#include <string>

#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "scenarios/soak/soak_context.h"

namespace sct::soak {

class RedemptionRace {
 public:
  struct Result {
    std::string share_id;  // set once the share was acknowledged
    std::string error;     // "" when the race ran (whoever won)
    // Who provisioned ("bob" or "mallory"; "" when nobody did) and the
    // credential it got.
    std::string winner;
    std::string credential_id;
  };
  // Borrows the stubs and the context. `owner` is alice's car credential.
  RedemptionRace(SoakContext& ctx, ::device::v1::DeviceAgent::Stub& alice, std::string owner,
                 ::channel::v1::Channel::Stub& inbox)
      : ctx_(ctx), alice_(alice), owner_(std::move(owner)), inbox_(inbox) {}

  // One race; a violation is recorded in the book, not returned.
  Result Run(::device::v1::DeviceAgent::Stub& bob, ::device::v1::DeviceAgent::Stub& mallory);

 private:
  // The full link of `link_without_fragment` from mallory's inbox, or "".
  std::string AwaitLink(const std::string& link_without_fragment, std::string* error);

  SoakContext& ctx_;
  ::device::v1::DeviceAgent::Stub& alice_;
  const std::string owner_;
  ::channel::v1::Channel::Stub& inbox_;
  uint64_t cursor_ = 0;
};

void RelayProbeLoop(SoakContext& ctx);
void LedgerLoop(SoakContext& ctx);

}  // namespace sct::soak

#endif  // SCT_SCENARIOS_SOAK_AUDITS_H_
