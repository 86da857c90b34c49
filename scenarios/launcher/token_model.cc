#include "scenarios/launcher/token_model.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sct::scenarios {

namespace sv1 = ::scenario::v1;

std::set<std::pair<std::string, std::string>> AgreedPairs(const sv1::Topology& topology) {
  std::set<std::pair<std::string, std::string>> pairs;
  const sv1::ArchitectureSpec& a = topology.architecture();
  if (a.token_model() != sv1::PER_OEM_FORMAT) return pairs;
  for (const sv1::ProvisioningAgreement& g : a.agreements()) {
    if (g.issuer() == g.redeemer()) continue;
    pairs.emplace(g.issuer(), g.redeemer());
    if (g.mutual()) pairs.emplace(g.redeemer(), g.issuer());
  }
  if (a.agreements_between_all()) {
    for (const sv1::OemSpec& i : topology.oems()) {
      for (const sv1::OemSpec& r : topology.oems()) {
        if (i.id() != r.id()) pairs.emplace(i.id(), r.id());
      }
    }
  }
  return pairs;
}

std::vector<std::string> OemTokenModelFlags(const sv1::Topology& topology,
                                            const std::string& oem_id, const WorkDir& dir) {
  if (topology.architecture().token_model() != sv1::PER_OEM_FORMAT) return {};
  std::vector<std::string> partners;
  for (const auto& [issuer, redeemer] : AgreedPairs(topology)) {
    if (redeemer != oem_id) continue;
    partners.push_back(absl::StrCat(issuer, "=", AttestationFilesOf(dir, issuer).cert_file));
  }
  return {"--token_model=per_oem_format",
          "--provisioning_agreements=" + absl::StrJoin(partners, ",")};
}

std::vector<std::string> AuthorityTrustFlags(const sv1::ArchitectureSpec& architecture,
                                             const std::string& authority_id) {
  auto it = architecture.authority_trusts().find(authority_id);
  if (it == architecture.authority_trusts().end()) return {};
  return {"--trusted_oems=" + absl::StrJoin(it->second.oems(), ",")};
}

sv1::AgreementCensus CensusOf(const sv1::Topology& topology) {
  sv1::AgreementCensus census;
  if (topology.architecture().token_model() != sv1::PER_OEM_FORMAT) return census;
  const uint32_t n = static_cast<uint32_t>(topology.oems_size());
  census.set_vendors(n);
  census.set_needed_directed(n * (n - (n > 0 ? 1 : 0)));
  census.set_needed_mutual(census.needed_directed() / 2);
  const std::set<std::pair<std::string, std::string>> agreed = AgreedPairs(topology);
  census.set_declared_directed(static_cast<uint32_t>(agreed.size()));
  std::set<std::pair<std::string, std::string>> missing;
  for (const sv1::OemSpec& i : topology.oems()) {
    for (const sv1::OemSpec& r : topology.oems()) {
      if (i.id() != r.id() && agreed.count({i.id(), r.id()}) == 0) missing.emplace(i.id(), r.id());
    }
  }
  for (const auto& [issuer, redeemer] : missing) {
    sv1::VendorPair* p = census.add_missing();
    p->set_issuer(issuer);
    p->set_redeemer(redeemer);
  }
  return census;
}

}  // namespace sct::scenarios
