// The semantic checks of a scenario file behind ValidateScenario (parse.h),
// private to the parse library. One Validator checks one scenario; its
// sections live in their own files: validator.cc (locations, reporting,
// references), validate_topology.cc, validate_steps.cc (one check per step
// kind), validate_faults.cc, validate_adversaries.cc and
// validate_assertions.cc.
//
// Every problem becomes one "FILE:LINE:COL: field.path: problem" line at the
// location of the offending field (from TextFormat's ParseInfoTree, or
// FILE:0:0 without one); Run returns them in file order.
// Single-threaded; borrows the scenario and the tree.
#ifndef SCT_SCENARIOS_ENGINE_VALIDATOR_H_
#define SCT_SCENARIOS_ENGINE_VALIDATOR_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::validation {

// A message inside the parsed scenario, with its parse-info subtree, the
// (0-based) location where it starts and its field path.
struct Node {
  const google::protobuf::Message* msg = nullptr;
  const google::protobuf::TextFormat::ParseInfoTree* tree = nullptr;
  int line = -1;
  int col = -1;
  std::string path;
};

// The root node of `scenario` (location 0:0).
Node RootNode(const scenario::v1::Scenario& scenario,
              const google::protobuf::TextFormat::ParseInfoTree* tree);

// The 0-based location of `field` (element `index` of a repeated field) of
// node `n`; the node's own location when the tree has none (and for a
// repeated field without an index).
std::pair<int, int> LocationOf(const Node& n, absl::string_view field, int index);

// The message in `field` (element `index` of a repeated field) of `n`.
Node Child(const Node& n, absl::string_view field, int index = -1);

// The location of a field path such as "topology.devices[1].oem" (0-based
// line and column; the deepest part of the path that exists).
std::pair<int, int> LocatePath(const Node& root, absl::string_view path);

class Validator {
 public:
  // `known_variants` (may be null: any well-formed name) are the variant
  // names that variant_expect, only_variants and except_variants may use.
  Validator(const scenario::v1::Scenario& s,
            const google::protobuf::TextFormat::ParseInfoTree* tree, std::string file,
            const std::set<std::string>* known_variants = nullptr);

  // Every problem, in file order.
  std::vector<std::string> Run();

 private:
  // ---- reporting and shared checks (validator.cc) ----
  // Reports `problem` at `field` (index for repeated fields) of node `n`.
  void Err(const Node& n, absl::string_view field, int index, absl::string_view problem);
  void Err(const Node& n, absl::string_view field, absl::string_view problem);
  void Duration(const Node& n, absl::string_view field, const std::string& v,
                bool allow_negative = false, bool required = false);
  void Probability(const Node& n, absl::string_view field, double p);
  bool IsService(const std::string& name) const;
  bool IsDevice(const std::string& name) const;
  void CheckTop();
  void CollectAdversaries();

  // ---- references to names defined elsewhere in the file (validator.cc) ----
  // A share used by a step: must have been saved by an earlier step.
  void ShareRef(const Node& n, absl::string_view field, const std::string& v, bool required = true);
  void CredentialRef(const Node& n, absl::string_view field, const std::string& v, int index = -1);
  void SaveCredential(const Node& n, absl::string_view field, const std::string& name);
  void PersonaRef(const Node& n, absl::string_view field, const std::string& device,
                  const std::string& persona);
  void DeviceRef(const Node& n, absl::string_view field, const std::string& v, bool required);
  void StepRef(const Node& n, absl::string_view field, const std::string& v, bool required);
  void ServiceRef(const Node& n, absl::string_view field, const std::string& v,
                  bool allow_star = false);

  // ---- topology (validate_topology.cc) ----
  void CheckTopology();
  void AddService(const Node& n, absl::string_view field, const std::string& id);
  void CheckRelay(const Node& relay);
  void CheckArchitecture(const Node& topo);
  // architecture.ohttp: the combinations it needs (validate_architecture.cc).
  void CheckOhttp(const Node& topo, const Node& arch);
  // token_model, agreements, agreements_between_all.
  void CheckTokenModel(const Node& arch);
  void CheckAuthorityTrusts(const Node& arch);
  // relay_design DERIVED_LOCATIONS.
  void CheckDerivedLocations(const Node& topo, const Node& arch);
  // relay_design DIRECT and direct_in_range.
  void CheckDirect(const Node& topo, const Node& arch);
  // vendorless_devices.
  void CheckVendorless(const Node& topo, const Node& arch);
  void CheckServiceSpecs(const Node& topo);
  void CheckDevices(const Node& topo);
  // A launched device's relay_api against what an attached relay offers.
  void CheckRelayApi(const Node& d, const scenario::v1::DeviceSpec& dev);
  void CheckChannels(const Node& topo);
  void CheckOwnerCredentials(const Node& topo);

  // ---- steps (validate_steps.cc) ----
  void CheckSteps();
  void CheckStep(int i);
  void CheckActor(const Node& n, const scenario::v1::Step& st);
  void CheckAction(const Node& n, const scenario::v1::Step& st);
  void CheckShareStep(const Node& n, const scenario::v1::Step& st);
  void CheckAcceptStep(const Node& n, const scenario::v1::Step& st);
  void CheckReplyStep(const Node& n, const scenario::v1::Step& st);
  void CheckUseStep(const Node& n, const scenario::v1::Step& st);
  void CheckRevokeStep(const Node& n, const scenario::v1::Step& st);
  void CheckListSharesStep(const Node& n, const scenario::v1::Step& st);
  void CheckWaitForEventStep(const Node& n, const scenario::v1::Step& st);
  void CheckCheckStateStep(const Node& n, const scenario::v1::Step& st);
  void CheckAdvanceClockStep(const Node& n, const scenario::v1::Step& st);
  void CheckAwaitRevocationStep(const Node& n, const scenario::v1::Step& st);
  void CheckServiceStep(const Node& n, const scenario::v1::Step& st);
  void CheckAdversaryActStep(const Node& n, const scenario::v1::Step& st);
  void CheckExpectation(const Node& n, const scenario::v1::Step& st);
  // One expectation `x` (at node `e`) of step `st`: expect or a variant_expect value.
  void CheckOutcome(const Node& e, const scenario::v1::Expectation& x,
                    const scenario::v1::Step& st);
  void CheckRetry(const Node& n, const scenario::v1::Step& st);

  // ---- faults, adversaries, assertions (validate_*.cc) ----
  void CheckFaults();
  void CheckFaultKind(const Node& n, const scenario::v1::Fault& f);
  void CheckAdversaries();
  void CheckAdversaryKind(const Node& n, const scenario::v1::Adversary& a);
  void CheckAssertions();
  void CheckLinkability(const Node& l, const scenario::v1::LinkabilityAssertion& a,
                        bool variant_only);

  // ---- variant names (validate_variants.cc) ----
  // A variant name at `field` (element `index`): well-formed, and one of
  // known_variants_ when given.
  void VariantNameRef(const Node& n, absl::string_view field, int index, const std::string& name);
  // Step.variant_expect: names, and each expectation as CheckOutcome checks it.
  void CheckVariantExpectations(const Node& n, const scenario::v1::Step& st);
  // Assertion.only_variants / except_variants.
  void CheckAssertionVariants(const Node& n, const scenario::v1::Assertion& a);

  const scenario::v1::Scenario& s_;
  std::string file_;
  const std::set<std::string>* known_variants_;
  Node root_;
  struct Located {
    int line;
    int col;
    std::string text;
  };
  std::vector<Located> located_;

  std::set<std::string> services_;
  std::set<std::string> authorities_, oems_, access_points_;
  std::map<std::string, std::set<std::string>> personas_;  // device -> names
  std::map<std::string, scenario::v1::Adversary::KindCase> adversaries_;
  std::map<std::string, int> step_index_;
  std::set<std::string> credentials_, shares_;          // known so far (step order)
  std::set<std::string> all_credentials_, all_shares_;  // saved anywhere
  std::set<std::string> pin_channel_shares_;            // shares that send a PIN message
};

}  // namespace sct::scenarios::validation

#endif  // SCT_SCENARIOS_ENGINE_VALIDATOR_H_
