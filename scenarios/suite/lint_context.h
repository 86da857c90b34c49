// The state of linting one scenario file, shared by the checks of
// suite_lint.cc (private to the suite_lint library): the file's name, its
// parse tree (for FILE:LINE:COLUMN locations), the problems found so far,
// and the names the checks have seen (services, devices, personas,
// adversaries, credentials, shares, step ids) so that later sections can
// check references to earlier ones. The checks of each section live in
// lint_topology.cc, lint_steps.cc and lint_sections.cc (lint_checks.h).
//
// Single-threaded; one LintContext per file. It borrows the text.
#ifndef SCT_SCENARIOS_SUITE_LINT_CONTEXT_H_
#define SCT_SCENARIOS_SUITE_LINT_CONTEXT_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/text_format.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::suite {

// The suite's speed budget (the whole suite runs in minutes).
inline constexpr absl::Duration kMaxChannelDelay = absl::Milliseconds(200);
inline constexpr absl::Duration kMaxPollInterval = absl::Milliseconds(500);
inline constexpr absl::Duration kMaxWait = absl::Seconds(10);
inline constexpr absl::Duration kMaxPause = absl::Milliseconds(500);
inline constexpr absl::Duration kMaxBackoff = absl::Seconds(1);
inline constexpr absl::Duration kMaxScenarioTimeout = absl::Seconds(120);
inline constexpr uint32_t kMaxRetryAttempts = 5;
inline constexpr int kMaxDevicesAndAccessPoints = 6;

// One element of a field path from the Scenario root: field name and index
// (ignored for singular fields).
struct Elem {
  const char* field;
  int index;
};
using Path = std::vector<Elem>;

// `p` with one more element.
Path Plus(Path p, const char* field, int index = -1);

class LintContext {
 public:
  // `path`'s base name is used in messages and as the expected name.
  LintContext(const std::string& path, const std::string& text);

  // ---- reporting ----
  // "FILE:LINE:COL" of the deepest element of `path` that has a location.
  std::string At(const Path& path) const;
  // A problem at `path`.
  void Problem(const Path& path, absl::string_view what);
  // A problem at the top of the file (FILE:1:1).
  void FileProblem(absl::string_view what);

  // ---- value checks ----
  // Parses a duration field; reports bad syntax, a missing required value, a
  // negative value where not allowed and a value over `max`.
  void Duration(const Path& path, const std::string& value, bool required, bool allow_negative,
                absl::Duration max = absl::InfiniteDuration());
  // A validity window: not_before optional, not_after required.
  void Window(const Path& path, const scenario::v1::RelativeWindow& w);

  // ---- references ----
  // A credential's holder and kind (UNSPECIFIED when saved by a step).
  struct Held {
    std::string device;
    ::common::v1::CredentialKind kind = ::common::v1::CREDENTIAL_KIND_UNSPECIFIED;
  };
  bool IsDevice(const std::string& id) const { return devices.count(id) > 0; }
  // The step's actor must be a device; returns whether it is.
  bool NeedDevice(const Path& p, const scenario::v1::Step& s);
  void NeedPersona(const Path& p, const std::string& device, const std::string& persona);
  // The credential must be known by now and, unless `any_holder`, held by
  // `device`; nullptr when it is unknown.
  const Held* NeedCredential(const Path& p, const std::string& name, const std::string& device,
                             bool any_holder);
  // The share must be saved by an earlier step; its sender, or nullptr.
  const std::string* NeedShare(const Path& p, const std::string& name);
  // Records a credential a successful step saves under `name`.
  void SaveCredential(const Path& p, const std::string& name, const std::string& device,
                      bool success);
  // Engine actions take no actor.
  void NeedEngineStep(const Path& p, const scenario::v1::Step& s);
  void NeedService(const Path& p, const std::string& id);
  void NeedStep(const Path& p, const std::string& id);
  // Whether both steps exist and `from` comes after `to`.
  bool StepsOutOfOrder(const std::string& from, const std::string& to);

  // ---- the file ----
  const std::string& text;
  std::string file;  // base name
  std::string stem;  // base name without ".textproto"
  google::protobuf::TextFormat::ParseInfoTree tree;
  scenario::v1::Scenario sc;
  std::vector<std::string> problems;

  // ---- names seen so far ----
  std::set<std::string> services, authorities, oems, access_points, devices;
  std::map<std::string, std::set<std::string>> personas;
  std::map<std::string, scenario::v1::Adversary::KindCase> adversaries;
  std::map<std::string, Held> credentials;    // name -> holder
  std::map<std::string, std::string> shares;  // save_as -> sender device
  std::map<std::string, int> step_index;
};

}  // namespace sct::scenarios::suite

#endif  // SCT_SCENARIOS_SUITE_LINT_CONTEXT_H_
