// The one conformance suite every MailboxStore implementation must pass
// (Trillian's storage-tester pattern): a value-parameterised gtest whose
// parameter builds a fresh, empty store.
//
// To run it against a backend, in that backend's test file:
//
//   INSTANTIATE_TEST_SUITE_P(
//       Memory, MailboxStoreConformanceTest,
//       testing::Values(MailboxStoreFactory{
//           "memory", [] { return std::make_unique<MemoryMailboxStore>(); }}),
//       [](const auto& info) { return info.param.name; });
//
// and link //relay:mailbox_store_conformance (alwayslink) into the test.
// A few cases run MailboxService on the store (with the backend's delete log,
// if the factory gives one): properties of the relay that hold per backend.
// Backend-specific properties (e.g. persistence across reopen) are tested in
// the backend's own test file, which may reuse MakeTestMailbox.
#ifndef SCT_RELAY_MAILBOX_STORE_CONFORMANCE_H_
#define SCT_RELAY_MAILBOX_STORE_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "relay/mailbox.h"
#include "relay/mailbox_store.h"
#include "relay/shared_limits.h"

namespace sct::relay {

struct MailboxStoreFactory {
  std::string name;  // test-name suffix, [A-Za-z0-9_] only
  // A new, empty store. Called once per test.
  std::function<absl::StatusOr<std::unique_ptr<MailboxStore>>()> make;
  // The delete log a relay on this store uses, fresh and empty; unset means
  // the relay's in-memory default (LocalDeleteLog), as for memory and sqlite.
  std::function<std::unique_ptr<DeleteLog>()> make_delete_log;
  // True for a store whose backend expires records itself (Redis): there
  // SweepExpired only settles Count (whole expiry minutes, oldest first) and
  // may leave an expired record for the backend to drop (Get and CAS never
  // answer it; Delete may still find it). The sweep tests then skip their
  // "a swept mailbox is gone" checks; every Count check still holds.
  bool sweep_leaves_records = false;
};

inline std::ostream& operator<<(std::ostream& os, const MailboxStoreFactory& f) {
  return os << f.name;
}

// A fully populated mailbox (every field set, so round-trip tests catch a
// dropped column), version 1, created at `now`, expiring at `expires_at`.
Mailbox MakeTestMailbox(absl::string_view id, absl::Time now, absl::Time expires_at);

class MailboxStoreConformanceTest : public testing::TestWithParam<MailboxStoreFactory> {
 protected:
  void SetUp() override;
  std::unique_ptr<MailboxStore> store_;
  const absl::Time now_ = absl::FromUnixSeconds(1735689600);  // 2025-01-01
};

}  // namespace sct::relay

#endif  // SCT_RELAY_MAILBOX_STORE_CONFORMANCE_H_
