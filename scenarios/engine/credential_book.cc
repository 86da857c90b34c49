#include "scenarios/engine/credential_book.h"

namespace sct::scenarios {

CredInfo* CredentialBook::Find(const std::string& name) {
  auto it = creds_.find(name);
  return it == creds_.end() ? nullptr : &it->second;
}

void CredentialBook::Save(const std::string& name, const CredInfo& c) {
  if (name.empty() || c.id.empty()) return;
  creds_[name] = c;
  ctx_->credentials[name] = c.id;
  ctx_->credential_device[name] = c.device;
}

void CredentialBook::AddPending(const std::string& name, const CredInfo& holder,
                                const std::string& share) {
  pending_[name] = Pending{holder, share};
}

const CredentialBook::Pending* CredentialBook::FindPending(const std::string& name) const {
  auto it = pending_.find(name);
  return it == pending_.end() ? nullptr : &it->second;
}

}  // namespace sct::scenarios
