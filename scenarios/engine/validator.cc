#include "scenarios/engine/validator.h"

#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "scenarios/engine/parse.h"

namespace sct::scenarios::validation {
namespace {

namespace sv1 = ::scenario::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

const FieldDescriptor* FieldOf(const Message& m, absl::string_view name) {
  return m.GetDescriptor()->FindFieldByName(std::string(name));
}

}  // namespace

Node RootNode(const sv1::Scenario& scenario, const TextFormat::ParseInfoTree* tree) {
  Node root;
  root.msg = &scenario;
  root.tree = tree;
  root.line = 0;
  root.col = 0;
  return root;
}

std::pair<int, int> LocationOf(const Node& n, absl::string_view field, int index) {
  if (n.tree != nullptr) {
    const FieldDescriptor* f = FieldOf(*n.msg, field);
    // A repeated field as a whole (no index) has no location of its own: the
    // node's is used (the tree refuses index -1 for a repeated field).
    if (f != nullptr && !(f->is_repeated() && index < 0)) {
      TextFormat::ParseLocation loc = n.tree->GetLocation(f, f->is_repeated() ? index : -1);
      if (loc.line >= 0) return {loc.line, loc.column};
    }
  }
  return {n.line, n.col};
}

Node Child(const Node& n, absl::string_view field, int index) {
  const FieldDescriptor* f = FieldOf(*n.msg, field);
  const Reflection* r = n.msg->GetReflection();
  Node c;
  c.msg = f->is_repeated() ? &r->GetRepeatedMessage(*n.msg, f, index) : &r->GetMessage(*n.msg, f);
  c.tree = n.tree != nullptr ? n.tree->GetTreeForNested(f, f->is_repeated() ? index : -1) : nullptr;
  std::tie(c.line, c.col) = LocationOf(n, field, index);
  c.path = n.path.empty() ? std::string(field) : absl::StrCat(n.path, ".", field);
  if (f->is_repeated()) absl::StrAppend(&c.path, "[", index, "]");
  return c;
}

// The location of a field path such as "topology.devices[1].oem" (0-based
// line and column; the deepest part of the path that exists).
std::pair<int, int> LocatePath(const Node& root, absl::string_view path) {
  Node n = root;
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string name = parts[i];
    int index = -1;
    size_t br = name.find('[');
    if (br != std::string::npos) {
      index = std::atoi(name.c_str() + br + 1);
      name = name.substr(0, br);
    }
    const FieldDescriptor* f = FieldOf(*n.msg, name);
    if (f == nullptr) break;
    const int idx = f->is_repeated() ? std::max(index, 0) : -1;
    if (f->is_repeated() && idx >= n.msg->GetReflection()->FieldSize(*n.msg, f)) {
      break;
    }
    if (i + 1 == parts.size() || f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return LocationOf(n, name, idx);
    }
    n = Child(n, name, idx);
  }
  return {n.line, n.col};
}

Validator::Validator(const sv1::Scenario& s, const TextFormat::ParseInfoTree* tree,
                     std::string file, const std::set<std::string>* known_variants)
    : s_(s), file_(std::move(file)), known_variants_(known_variants), root_(RootNode(s, tree)) {}

std::vector<std::string> Validator::Run() {
  CheckTop();
  CheckTopology();
  CollectAdversaries();
  CheckSteps();
  CheckFaults();
  CheckAdversaries();
  CheckAssertions();
  // In file order, as a reader fixes them.
  std::stable_sort(located_.begin(), located_.end(), [](const Located& a, const Located& b) {
    return std::tie(a.line, a.col) < std::tie(b.line, b.col);
  });
  std::vector<std::string> errors;
  for (Located& e : located_) errors.push_back(std::move(e.text));
  return errors;
}

void Validator::Err(const Node& n, absl::string_view field, int index, absl::string_view problem) {
  auto [line, col] = LocationOf(n, field, index);
  std::string name = n.path.empty() ? std::string(field) : absl::StrCat(n.path, ".", field);
  if (index >= 0) absl::StrAppend(&name, "[", index, "]");
  located_.push_back(
      {line, col, absl::StrCat(file_, ":", line + 1, ":", col + 1, ": ", name, ": ", problem)});
}

void Validator::Err(const Node& n, absl::string_view field, absl::string_view problem) {
  Err(n, field, -1, problem);
}

void Validator::Duration(const Node& n, absl::string_view field, const std::string& v,
                         bool allow_negative, bool required) {
  if (v.empty()) {
    if (required) Err(n, field, "required (a duration such as \"5s\")");
    return;
  }
  absl::StatusOr<absl::Duration> d =
      ParseScenarioDuration(v, field, absl::ZeroDuration(), allow_negative);
  if (!d.ok()) {
    std::string msg(d.status().message());
    // Drop the "<field>: " prefix; Err adds the full path.
    auto colon = msg.find(": ");
    Err(n, field, colon == std::string::npos ? msg : msg.substr(colon + 2));
  }
}

void Validator::Probability(const Node& n, absl::string_view field, double p) {
  if (p < 0 || p > 1) {
    Err(n, field, absl::StrCat("probability ", p, " is outside [0,1]"));
  }
}

bool Validator::IsService(const std::string& name) const { return services_.count(name) > 0; }

bool Validator::IsDevice(const std::string& name) const { return personas_.count(name) > 0; }

void Validator::CheckTop() {
  if (s_.name().empty()) Err(root_, "name", "required (a short unique name)");
  if (!s_.has_topology()) Err(root_, "topology", "required");
  Duration(root_, "timeout", s_.timeout());
}

void Validator::CollectAdversaries() {
  for (const sv1::Adversary& a : s_.adversaries()) {
    adversaries_[a.name()] = a.kind_case();
  }
}

void Validator::ShareRef(const Node& n, absl::string_view field, const std::string& v,
                         bool required) {
  if (v.empty()) {
    if (required) Err(n, field, "required (a share's save_as name)");
    return;
  }
  if (!shares_.count(v)) {
    Err(n, field,
        absl::StrCat("unknown share \"", v,
                     all_shares_.count(v) ? "\" (used before the step that saves it)"
                                          : "\" (no share step saves it)"));
  }
}

void Validator::CredentialRef(const Node& n, absl::string_view field, const std::string& v,
                              int index) {
  if (v.empty()) {
    Err(n, field, index, "required (an owner credential id or save_as name)");
    return;
  }
  if (!credentials_.count(v)) {
    Err(n, field, index,
        absl::StrCat("unknown credential \"", v,
                     all_credentials_.count(v) ? "\" (used before the step that saves it)" : "\""));
  }
}

void Validator::SaveCredential(const Node& n, absl::string_view field, const std::string& name) {
  if (name.empty()) return;
  if (!credentials_.insert(name).second) {
    Err(n, field, absl::StrCat("credential name \"", name, "\" is already taken"));
  }
}

void Validator::PersonaRef(const Node& n, absl::string_view field, const std::string& device,
                           const std::string& persona) {
  if (persona.empty() || !IsDevice(device)) return;
  if (!personas_[device].count(persona)) {
    Err(n, field, absl::StrCat("device \"", device, "\" has no persona \"", persona, "\""));
  }
}

void Validator::DeviceRef(const Node& n, absl::string_view field, const std::string& v,
                          bool required) {
  if (v.empty()) {
    if (required) Err(n, field, "required (a device id)");
    return;
  }
  if (!IsDevice(v)) Err(n, field, absl::StrCat("unknown device \"", v, "\""));
}

void Validator::StepRef(const Node& n, absl::string_view field, const std::string& v,
                        bool required) {
  if (v.empty()) {
    if (required) Err(n, field, "required (a step id)");
    return;
  }
  if (!step_index_.count(v)) {
    Err(n, field, absl::StrCat("unknown step \"", v, "\""));
  }
}

void Validator::ServiceRef(const Node& n, absl::string_view field, const std::string& v,
                           bool allow_star) {
  if (allow_star && v == "*") return;
  if (v.empty()) {
    Err(n, field, "required (a service id)");
  } else if (!IsService(v)) {
    Err(n, field, absl::StrCat("unknown service \"", v, "\""));
  }
}

}  // namespace sct::scenarios::validation
