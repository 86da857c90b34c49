// The credentials a scenario run can name: owner credentials (by spec id) and
// the save_as names of the steps that provisioned one. A name may wait for
// its credential (an accept that ended before the credential was
// provisioned, e.g. by push): such a pending name holds the holder and the
// share it will come from until StepEnv's Credential lookup finds it in the
// holder's wallet. Saved names are mirrored into RunContext (credentials,
// credential_device) for the attack code.
// Single-threaded (the engine's thread); borrows the RunContext.
#ifndef SCT_SCENARIOS_ENGINE_CREDENTIAL_BOOK_H_
#define SCT_SCENARIOS_ENGINE_CREDENTIAL_BOOK_H_

#include <map>
#include <string>

#include "scenarios/engine/run_context.h"

namespace sct::scenarios {

// A credential the engine can name.
struct CredInfo {
  std::string id;      // device credential id
  std::string device;  // holder
  std::string persona;
  std::string access_point;
};

class CredentialBook {
 public:
  // A name whose credential is not provisioned yet.
  struct Pending {
    CredInfo holder;    // id empty
    std::string share;  // save_as name of the share it comes from
  };

  explicit CredentialBook(RunContext* ctx) : ctx_(ctx) {}

  // The credential saved as `name`, or nullptr.
  CredInfo* Find(const std::string& name);
  // Saves `c` as `name`; nothing when either the name or the id is empty.
  void Save(const std::string& name, const CredInfo& c);

  void AddPending(const std::string& name, const CredInfo& holder, const std::string& share);
  // The pending name `name`, or nullptr.
  const Pending* FindPending(const std::string& name) const;
  void ErasePending(const std::string& name) { pending_.erase(name); }

 private:
  RunContext* ctx_;
  std::map<std::string, CredInfo> creds_;
  std::map<std::string, Pending> pending_;
};

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_CREDENTIAL_BOOK_H_
