// The token model and vendor trust of a topology's architecture
// (docs/variants/per-oem-formats.md) as the launched services see them: the
// directed provisioning agreements, the flags each OEM server and authority
// gets, and the agreement census a scenario result reports.
//
// Pure functions of the topology; thread-safe. They assume a topology that
// passed validation (ids in agreements and authority_trusts exist).
#ifndef SCT_SCENARIOS_LAUNCHER_TOKEN_MODEL_H_
#define SCT_SCENARIOS_LAUNCHER_TOKEN_MODEL_H_

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "proto/scenario/v1/result.pb.h"
#include "proto/scenario/v1/topology.pb.h"
#include "scenarios/launcher/work_dir.h"

namespace sct::scenarios {

// (issuer, redeemer) pairs of distinct OEMs whose redeemer accepts the
// issuer's format: each agreement (both ways when mutual), and every pair
// when agreements_between_all. Empty unless token_model is PER_OEM_FORMAT.
std::set<std::pair<std::string, std::string>> AgreedPairs(const scenario::v1::Topology& topology);

// The OEM server's flags for the token model: none for the standard token;
// --token_model=per_oem_format and --provisioning_agreements=ISSUER=FILE,...
// (the issuers' attestation roots in `dir`, AttestationFilesOf) for
// PER_OEM_FORMAT.
std::vector<std::string> OemTokenModelFlags(const scenario::v1::Topology& topology,
                                            const std::string& oem_id, const WorkDir& dir);

// The authority's --trusted_oems=A,B when authority_trusts lists it; else none.
std::vector<std::string> AuthorityTrustFlags(const scenario::v1::ArchitectureSpec& architecture,
                                             const std::string& authority_id);

// With N OEMs: N(N-1) directed and N(N-1)/2 mutual agreements needed, the
// directed pairs declared, and the pairs that cannot share (sorted). Absent
// (nullopt-like: vendors 0) unless token_model is PER_OEM_FORMAT.
scenario::v1::AgreementCensus CensusOf(const scenario::v1::Topology& topology);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_LAUNCHER_TOKEN_MODEL_H_
