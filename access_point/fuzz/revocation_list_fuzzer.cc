// Fuzz target: revocation-list verification at the access point
// (access_point/revocation_list.h) — the signed snapshots and deltas an access
// point pulls or is streamed, which a compromised link could replace.
//
// The input is a sequence of operations, each a selector byte then a field:
//   op % 6 == 0: the field is a SignedRevocationList as sent (its signature
//                will rarely verify: exercises the envelope and the checks
//                before the body is trusted);
//   op % 6 == 1: the field is a RevocationListBody, signed here with the test
//                key, so the body parser and the version/time rules run;
//   op % 6 == 2 / 3: the same for SignedRevocationDelta / RevocationDeltaBody;
//   op % 6 == 4: a heartbeat with the field's length as the version;
//   op % 6 == 5: the clock moves forward by the field's length in minutes.
// After each operation the list is queried. Invariant: the version never goes
// down (a newer snapshot may drop entries: it lists what is still relevant).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "access_point/revocation_list.h"
#include "common/clock.h"
#include "common/fuzz/fuzz_input.h"
#include "crypto/ecdsa.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace {

using sct::crypto::EcdsaP256PrivateKey;

const EcdsaP256PrivateKey& TestKey() {
  static const EcdsaP256PrivateKey* const key = [] {
    absl::StatusOr<EcdsaP256PrivateKey> k =
        EcdsaP256PrivateKey::FromRawScalar(std::string(31, '\0') + "\x2a");
    if (!k.ok()) std::abort();
    return new EcdsaP256PrivateKey(*k);
  }();
  return *key;
}

std::string Sign(absl::string_view context, const std::string& body) {
  absl::StatusOr<std::string> sig =
      TestKey().Sign(std::string(context) + body, sct::crypto::SignatureEncoding::kDer);
  if (!sig.ok()) std::abort();
  return *sig;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sct::fuzz::FuzzInput in(data, size);
  sct::FakeClock clock;
  sct::access_point::RevocationList list("authority-1", TestKey().PublicKey(), clock);
  for (int ops = 0; !in.empty() && ops < 64; ++ops) {
    uint8_t op = in.Byte() % 6;
    std::string field = in.Field();
    uint64_t before = list.version();
    if (op == 0 || op == 1) {
      credential_authority::v1::SignedRevocationList signed_list;
      if (op == 0 && !signed_list.ParseFromString(field)) continue;
      if (op == 1) {
        signed_list.set_body(field);
        signed_list.set_signature(Sign(sct::access_point::kRevocationListContext, field));
      }
      (void)list.ApplySnapshot(signed_list);
    } else if (op == 2 || op == 3) {
      credential_authority::v1::SignedRevocationDelta delta;
      if (op == 2 && !delta.ParseFromString(field)) continue;
      if (op == 3) {
        delta.set_body(field);
        delta.set_signature(Sign(sct::access_point::kRevocationDeltaContext, field));
      }
      (void)list.ApplyDelta(delta);
    } else if (op == 4) {
      list.NoteHeartbeat(field.size());
    } else {
      clock.Advance(absl::Minutes(field.size()));
    }
    if (list.version() < before) std::abort();
    (void)list.IsStale();
    (void)list.next_update();
    (void)list.last_update();
    (void)list.revoked_count();
    (void)list.IsRevoked(field, field);
  }
  return 0;
}
