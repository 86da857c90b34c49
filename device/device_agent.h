// The simulated device's logic: the DeviceAgent control API (device.v1)
// over a secure element, a wallet, and outbound stubs to its OEM, the relay,
// the channel server and access points.
//
// What the device sends to whom (docs/device.md has the full walk-through):
//   OEM:      enrolment, key attestation, share-token requests, provisioning,
//             revocation, a fresh push token per mailbox, the push stream.
//   Relay:    ciphertext only (device.v1.MailboxContent sealed with AES-GCM
//             under the URL-fragment secret, crypto/mailbox_payload), a fresh
//             UUIDv4 device claim per mailbox, neutral display information.
//   Channel:  the link `{urlLink}?v={a|h|c}#{base64url(secret)}`
//             (common/share_link.h) and the PIN on a second channel when asked.
//   Access point: the credential and a signature/HMAC over its challenge.
// No response of this class contains the secret, the full link or key
// material.
//
// The implementation is split by responsibility, one file each:
//   device_agent.cc              creation, enrolment, personas, keys,
//                                installed credentials, holder proofs, state
//   device_agent_share.cc        the sender: ShareCredential, answering a
//                                key-signing request
//   device_agent_accept.cc       the receiver: AcceptLink, key-signing
//                                request, provisioning, acting on the answer
//   device_agent_rounds.cc       Reply, and reading an exchange to advance it
//   device_agent_sync.cc         push stream and polling
//   device_agent_credentials.cc  UseCredential, Revoke, CancelShare,
//                                Relinquish, ListShares
// with helpers in their own units: wallet_lookup.h (the lookup every
// operation starts with), mailbox_io.h (relay reads and writes of one
// exchange), event_log.h (events and notifications), transcripts.h (the
// bytes the device signs), outbound_call.h (deadlines, transport errors).
//
// Push and polling: the owner runs RunPushStream on a thread (it calls
// HandleNotification per push) and calls Tick periodically; Tick reads, on
// the injected clock's schedule, every exchange that waits for the other
// party, with exponential backoff (initial, doubling, capped) that a push or
// an observed change resets. An exchange whose relay said it cannot push
// (isPushNotificationSupported false) is polled at the initial interval
// without backing off, and EVENT_RELAY_PUSH_UNSUPPORTED is emitted once for
// it. Tests drive both by hand with a FakeClock.
//
// Thread-safety: thread-safe. One mutex serialises operations on the wallet
// (including their outbound calls); events have their own lock so
// WatchEvents never waits for an operation.
//
// Errors: see proto/device/v1/device.proto (stable reasons listed there);
// OEM, authority, relay and channel reasons pass through with their code,
// transport failures become UNAVAILABLE "<service>_unavailable".
#ifndef SCT_DEVICE_DEVICE_AGENT_H_
#define SCT_DEVICE_DEVICE_AGENT_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/share_link.h"
#include "device/derived_relay_client.h"
#include "device/event_log.h"
#include "device/mailbox_io.h"
#include "device/grpc_relay_client.h"
#include "device/outbound_call.h"
#include "device/relay_client.h"
#include "device/secure_element.h"
#include "device/share_requests.h"
#include "device/wallet.h"
#include "device/wallet_retention.h"
#include "proto/access_point/v1/access_point.grpc.pb.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/device/v1/device.pb.h"
#include "proto/oem/v1/oem.grpc.pb.h"
#include "proto/relay/v1/relay.grpc.pb.h"

namespace sct::device {

// Makes a stub for an access point at "host:port" (UseCredential).
using AccessPointStubFactory =
    std::function<std::unique_ptr<::access_point::v1::AccessPoint::StubInterface>(
        const std::string& address)>;

struct DeviceAgentOptions {
  std::string oem_id;  // the OEM this device enrols with
  std::string model = "sim-phone";
  std::string address;  // default channel address (from_address)
  absl::Duration poll_initial = absl::Seconds(2);
  absl::Duration poll_max = absl::Seconds(60);
  absl::Duration rpc_timeout = absl::Seconds(10);  // per outbound call
  // Finished exchanges and revoked or expired credentials are forgotten this
  // long after they ended (device/wallet_retention.h); checked by Tick.
  absl::Duration wallet_retention = kDefaultWalletRetention;
  // The pin-in-key design (docs/variants/pin-in-key.md): a share with a PIN
  // is sealed under a key derived from the link's secret and the PIN
  // (crypto/pin_bound_key.h), and a receiver opens it only with that PIN.
  // The authority still checks the PIN at redemption.
  bool pin_in_key = false;
  // The relay-attestation design (docs/variants/relay-attestation.md): every
  // create and first read carries a Mailbox-Device-Attestation, a fresh
  // attested key's chain and its signature over the claim
  // (common/relay_attestation.h). A fresh key per mailbox, so the relay
  // cannot link mailboxes by key; it does learn the vendor.
  bool relay_attestation = false;
  // False for a device without a vendor server (docs/variants/
  // vendorless-device.md): it mints no push tokens, gives the relay no
  // notificationToken, and learns of changes by polling alone.
  bool push_tokens = true;
};

// Outbound dependencies; not owned, must outlive the agent.
struct DeviceAgentDeps {
  const Clock* clock = nullptr;
  SecureElement* secure_element = nullptr;
  ::oem::v1::Oem::StubInterface* oem = nullptr;
  // The relay: `relay_client` (gRPC or HTTP, device/relay_client.h) when
  // set, else the gRPC stub `relay` through a GrpcRelayClient.
  ::relay::v1::Relay::StubInterface* relay = nullptr;
  std::string relay_target;  // `relay`'s "host:port" (events name its host)
  const RelayClient* relay_client = nullptr;
  // The derived-locations design (docs/variants/derived-locations.md): when
  // set, every new exchange runs over this relay instead of the mailbox
  // relay, and links are FormatDerivedShareLink(derived_relay_url, ...).
  const DerivedRelayClient* derived_relay = nullptr;
  std::string derived_relay_url;
  ::channel::v1::Channel::StubInterface* channel = nullptr;  // may be null
  AccessPointStubFactory access_point_factory;               // may be empty
  // Optional (may be empty): called with every mailbox plaintext this device
  // seals or opens, for the simulator's knowledge audit (sim/,
  // --sim_control). Called from any thread; must be thread-safe.
  std::function<void(absl::string_view plaintext)> observe_plaintext;
};

class DeviceAgent {
 public:
  // Loads the wallet from the secure element's storage. INVALID_ARGUMENT
  // "invalid_field" without clock, secure element, OEM or relay (neither
  // `relay` nor `relay_client`), or without
  // an oem_id; DATA_LOSS "state_file_corrupt" when the wallet does not parse.
  static absl::StatusOr<std::unique_ptr<DeviceAgent>> Create(DeviceAgentOptions options,
                                                             DeviceAgentDeps deps);

  absl::StatusOr<::device::v1::EnrolResponse> Enrol(const ::device::v1::EnrolRequest& req);
  absl::StatusOr<::device::v1::AddPersonaResponse> AddPersona(
      const ::device::v1::AddPersonaRequest& req);
  absl::StatusOr<::device::v1::PrepareKeyResponse> PrepareKey(
      const ::device::v1::PrepareKeyRequest& req);
  absl::StatusOr<::device::v1::InstallCredentialResponse> InstallCredential(
      const ::device::v1::InstallCredentialRequest& req);
  absl::StatusOr<::device::v1::ShareCredentialResponse> ShareCredential(
      const ::device::v1::ShareCredentialRequest& req);
  // A link that is not a share link: INVALID_ARGUMENT "bad_link".
  absl::StatusOr<::device::v1::AcceptLinkResponse> AcceptLink(
      const ::device::v1::AcceptLinkRequest& req);
  absl::StatusOr<::device::v1::ReplyResponse> Reply(const ::device::v1::ReplyRequest& req);
  absl::StatusOr<::device::v1::UseCredentialResponse> UseCredential(
      const ::device::v1::UseCredentialRequest& req);
  absl::StatusOr<::credential_authority::v1::RevokeResponse> Revoke(
      const ::device::v1::RevokeRequest& req);
  absl::StatusOr<::device::v1::CancelShareResponse> CancelShare(
      const ::device::v1::CancelShareRequest& req);
  absl::StatusOr<::device::v1::RelinquishResponse> Relinquish(
      const ::device::v1::RelinquishRequest& req);
  absl::StatusOr<::credential_authority::v1::ListSharesResponse> ListShares(
      const ::device::v1::ListSharesRequest& req);
  absl::StatusOr<::device::v1::GetStateResponse> GetState(const ::device::v1::GetStateRequest& req);

  // Events with sequence > after_sequence for `persona` ("" = all).
  std::vector<::device::v1::DeviceEvent> EventsAfter(uint64_t after_sequence,
                                                     const std::string& persona) const;
  // Blocks (real time, at most `timeout`) until an event with sequence >
  // after_sequence exists; returns whether one does. For the streaming adapter.
  bool WaitForEventAfter(uint64_t after_sequence, absl::Duration timeout) const;

  // A push from the OEM stream: reads the mailbox and advances its flow.
  void HandleNotification(const ::oem::v1::DeviceNotification& notification);
  // Subscribes to the OEM's push stream and consumes it until it ends or
  // `context` is cancelled; returns the stream's final status.
  // FAILED_PRECONDITION "not_enrolled" before enrolment.
  absl::Status RunPushStream(grpc::ClientContext* context);
  // Polls every exchange whose scheduled time has come; returns how many
  // mailboxes it read. At most every 10 s of the injected clock it
  // also applies the wallet's retention policy (options.wallet_retention).
  int Tick();
  // When the next poll is due (InfiniteFuture when nothing waits).
  absl::Time NextPollAt() const;

  // AcceptLink replies kept by control request id, so that a retry of the
  // same request is answered as the first call was: the newest
  // kAcceptRepliesKept ids (older ones are forgotten).
  static constexpr size_t kAcceptRepliesKept = 256;
  size_t accept_replies_kept() const;

 private:
  DeviceAgent(DeviceAgentOptions options, DeviceAgentDeps deps, Wallet wallet);

  using Persona = ::device::state::PersonaRecord;
  using Entry = ::device::state::MailboxEntry;
  using CredentialRecord = ::device::state::CredentialRecord;
  using KeyRecord = ::device::state::KeyRecord;

  struct PollState {
    absl::Time next_at;
    absl::Duration backoff;
  };

  // device_agent.cc: state, keys and proofs shared by the flows.
  absl::Status PersistLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<KeyRecord> NewAttestedKeyLocked(Persona& persona)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A new secure-element key (written with the next wallet write) attested
  // by the OEM (GetChallenge, AttestKey). Reads and changes no wallet state,
  // so it may run on another thread while the lock holder waits on other
  // calls. On failure the key is deleted again.
  absl::StatusOr<KeyRecord> AttestNewKey(const ::oem::v1::DeviceAuth& auth,
                                         const std::string& identity_key_id);
  // The Mailbox-Device-Attestation for `claim` under options.relay_attestation
  // (a new attested key of `persona` signs it), else "".
  absl::StatusOr<std::string> RelayAttestationLocked(Persona& persona, const std::string& claim)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The key an exchange binds the new credential to: the one chosen earlier
  // in the exchange, else a new attested key (remembered in `entry`).
  absl::StatusOr<KeyRecord> ExchangeKeyLocked(Persona& persona, Entry& entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::string> CredentialSignLocked(const CredentialRecord& cred,
                                                   const std::string& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<::credential_authority::v1::HolderProof> HolderProofLocked(
      const CredentialRecord& cred, const std::string& method, const std::string& subject)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies the retention policy (wallet_retention.h): persists the wallet
  // and deletes the element handles it frees when something changed.
  void PruneLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The key of an exchange in polls_: persona/mailbox/role.
  static std::string PollKey(const Persona& persona, const Entry& entry);
  // Polls the exchange `poll_initial` after `now` (first poll, or a reset).
  void SchedulePollLocked(const Persona& persona, const Entry& entry, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The relay's isPushNotificationSupported for the exchange `entry` waits
  // on: false marks it polled without backoff and, the first time, emits
  // EVENT_RELAY_PUSH_UNSUPPORTED (reason "relay_push_unsupported", the
  // relay's host); true clears the mark.
  void NoteRelayPushLocked(const Persona& persona, Entry& entry, bool supported)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records `status` as the exchange's failure and emits EVENT_FLOW_FAILED.
  void FailLocked(Persona& persona, Entry& entry, const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // device_agent_share.cc: the sender.
  struct IssuedShare;
  absl::StatusOr<IssuedShare> RequestShareTokenLocked(
      const ::device::v1::ShareCredentialRequest& req, const CredentialRecord& cred,
      const ::oem::v1::DeviceAuth& auth, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Mints the mailbox's push token (unless options.push_tokens is false: then
  // the relay gets no notificationToken) and creates the mailbox under a fresh
  // claim; fills the claim, push token and mailbox id of `entry`. Returns the
  // relay's url_link.
  // `minted`: the mailbox's push token (empty when the device mints none), or
  // the error that minting it met.
  absl::StatusOr<std::string> CreateShareMailboxLocked(
      Persona& persona, const ::device::v1::ShareCredentialRequest& req,
      const absl::StatusOr<::oem::v1::MintPushTokenResponse>& minted, const std::string& sealed,
      Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends `body` (it holds the link) over the request's channel, then the PIN
  // when asked; when the link cannot be sent the mailbox is deleted again.
  absl::StatusOr<::channel::v1::SendResponse> SendLinkLocked(
      const ::device::v1::ShareCredentialRequest& req, const std::string& body, const Entry& entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds the sent exchange `entry` and its share to the persona (replacing an
  // earlier failed record of the same share).
  void RecordSentShareLocked(Persona& persona, const Entry& entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A share minted at the authority whose mailbox or link failed: records it
  // as FLOW_FAILED (so CancelShare and Revoke can name it), emits
  // EVENT_FLOW_FAILED and returns `failure` with the share id in its message.
  absl::Status KeepUndeliveredShareLocked(Persona& persona, Entry& entry,
                                          const absl::Status& failure)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The sender's answer to a key-signing request (approve: an endorsement).
  absl::Status AnswerLocked(Persona& persona, Entry& entry, bool approve,
                            const std::string& decline_reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // device_agent_accept.cc: the receiver.
  absl::StatusOr<std::string> LinkFromRequestLocked(const ::device::v1::AcceptLinkRequest& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The persona's exchange for the link's mailbox; on first sight, the first
  // read that binds this device's claim.
  // `attest_key`: the exchange will need its key (not manual rounds), so the
  // first read attests one beside it (FirstReadLocked).
  absl::StatusOr<Entry*> ExchangeForLinkLocked(Persona& persona, const ::oem::v1::DeviceAuth& auth,
                                               const ShareLink& link, const std::string& pin,
                                               bool attest_key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The first read (BindAndOpenLocked). With `attest_key` the exchange's key
  // is attested at the OEM while the relay is read: on success it is added to
  // the persona and named as the entry's pending key, so the one wallet write
  // after the read makes the claim and the key durable together; when the
  // read fails the key is deleted, when only the attestation fails the entry
  // has no key yet (ExchangeKeyLocked attests one later).
  absl::StatusOr<Entry> FirstReadLocked(Persona& persona, const ::oem::v1::DeviceAuth& auth,
                                        const ShareLink& link, const std::string& pin,
                                        bool attest_key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Mints the push token, reads the mailbox under a fresh claim (binding it)
  // and opens the offer. `pin` is the receiver's PIN (may be empty); under
  // pin-in-key it is part of the payload key.
  absl::StatusOr<Entry> BindAndOpenLocked(Persona& persona, const ::oem::v1::DeviceAuth& auth,
                                          const ShareLink& link, const std::string& pin)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The derived design's first read: takes message 0 (no claim, no push token).
  absl::StatusOr<Entry> FirstReadDerivedLocked(const ShareLink& link)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A link of either design (the derived one only with deps_.derived_relay);
  // a derived link's mailbox_id is set to its first location.
  absl::StatusOr<ShareLink> ParseAnyShareLinkLocked(absl::string_view link) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes an accepted exchange as far as it goes now and sets the outcome.
  absl::Status AdvanceAcceptedLocked(const ::device::v1::AcceptLinkRequest& req,
                                     absl::Duration round_timeout, Persona& persona, Entry& entry,
                                     ::device::v1::AcceptLinkResponse* resp)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Waits (at most `wait` on the injected clock) until the sender answered.
  absl::Status WaitForSenderLocked(const std::string& persona_name, const std::string& mailbox_id,
                                   absl::Duration wait, ::device::v1::AcceptLinkResponse* resp)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PostKeySigningRequestLocked(Persona& persona, Entry& entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Redeems the offer's token at the OEM and stores the credential; returns
  // its id.
  absl::StatusOr<std::string> ProvisionLocked(Persona& persona, Entry& entry,
                                              const std::string& endorsement)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Single round: provisions (persisted), then deletes the mailbox (derived
  // design: posts the completion notice and persists its round); returns the
  // credential id.
  absl::StatusOr<std::string> ProvisionAndCloseLocked(Persona& persona, Entry& entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Receiver: act on a KeySigningResponse.
  absl::Status HandleAnswerLocked(Persona& persona, Entry& entry,
                                  const ::device::v1::KeySigningResponse& answer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // device_agent_rounds.cc: Reply's steps and reading an exchange.
  absl::StatusOr<Entry*> ReplyKeySigningRequestLocked(Persona& persona,
                                                      const std::string& mailbox_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Entry*> ReplyAnswerLocked(Persona& persona, const ::device::v1::ReplyRequest& req,
                                           ::device::v1::ReplyResponse* resp)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Entry*> ReplyCompleteLocked(Persona& persona, const std::string& mailbox_id,
                                             ::device::v1::ReplyResponse* resp)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads an exchange and advances it; true if something changed.
  bool ProcessChangeLocked(Persona& persona, Entry& entry, bool automatic)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The relay no longer has the mailbox: completed, expired or cancelled.
  void OnMailboxGoneLocked(Persona& persona, Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The sender read a new round (a key-signing request or the completion).
  void OnSenderRoundLocked(Persona& persona, Entry& entry,
                           const ::device::v1::MailboxContent& content, bool automatic)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static bool WaitsForPeer(const Entry& entry);
  // Whether the exchange has ended (provisioned, cancelled, relinquished,
  // expired, claimed by another, failed): no read changes it any more.
  static bool IsFinished(const Entry& entry);

  // device_agent_credentials.cc
  absl::Status RevokeShareLocked(const ::oem::v1::DeviceAuth& auth, const CredentialRecord& cred,
                                 const std::string& share_id, const std::string& request_id,
                                 const std::string& reason,
                                 ::credential_authority::v1::RevokeResponse* resp)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Revokes `credential_id` with a holder proof by `cred` (the credential
  // itself, or one it descends from).
  absl::Status RevokeCredentialLocked(const ::oem::v1::DeviceAuth& auth,
                                      const CredentialRecord& cred,
                                      const std::string& credential_id,
                                      const std::string& request_id, const std::string& reason,
                                      ::credential_authority::v1::RevokeResponse* resp)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The persona's credential under whose shares (descendants included, as the
  // authority's ListShares reports them) a record satisfies `match`; nullptr
  // when none does. One ListShares call per credential the persona shared.
  absl::StatusOr<CredentialRecord*> AncestorCredentialLocked(
      Persona& persona, const ::oem::v1::DeviceAuth& auth,
      const std::function<bool(const ::common::v1::ShareRecord&)>& match)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Keeps `resp` as the reply to `request_id`, forgetting the oldest beyond
  // kAcceptRepliesKept.
  void RememberAcceptReplyLocked(const std::string& request_id,
                                 const ::device::v1::AcceptLinkResponse& resp)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const DeviceAgentOptions options_;
  const DeviceAgentDeps deps_;
  const OutboundCaller caller_;
  const std::unique_ptr<GrpcRelayClient> grpc_relay_;  // when deps_.relay_client is null
  const RelayClient* const relay_;
  const MailboxIo mailbox_io_;
  EventLog events_;

  mutable absl::Mutex mu_;
  absl::CondVar changed_;  // signalled (with mu_) when a flow advances
  Wallet wallet_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, PollState> polls_ ABSL_GUARDED_BY(mu_);  // key: persona/mailbox/role
  absl::Time next_prune_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // By control request id: the signed request of an undelivered share (a retry re-sends it)
  // or the reply of a delivered one; the newest 256 ids.
  ShareRequests share_requests_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ::device::v1::AcceptLinkResponse> accept_replies_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> accept_reply_order_ ABSL_GUARDED_BY(mu_);  // oldest id first
};

}  // namespace sct::device

#endif  // SCT_DEVICE_DEVICE_AGENT_H_
