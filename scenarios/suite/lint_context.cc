#include "scenarios/suite/lint_context.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace sct::scenarios::suite {

namespace sv1 = ::scenario::v1;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

Path Plus(Path p, const char* field, int index) {
  p.push_back({field, index});
  return p;
}

LintContext::LintContext(const std::string& path, const std::string& text) : text(text) {
  file = path;
  const size_t slash = file.rfind('/');
  if (slash != std::string::npos) file = file.substr(slash + 1);
  absl::string_view s = file;
  absl::ConsumeSuffix(&s, ".textproto");
  stem = std::string(s);
}

std::string LintContext::At(const Path& path) const {
  int line = 0, column = 0;
  const Descriptor* desc = sv1::Scenario::descriptor();
  const TextFormat::ParseInfoTree* t = &tree;
  for (const Elem& e : path) {
    if (desc == nullptr || t == nullptr) break;
    const FieldDescriptor* fd = desc->FindFieldByName(e.field);
    if (fd == nullptr) break;
    const int index = fd->is_repeated() ? (e.index < 0 ? 0 : e.index) : -1;
    TextFormat::ParseLocation loc = t->GetLocation(fd, index);
    if (loc.line < 0) break;
    line = loc.line;
    column = loc.column;
    if (fd->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) break;
    t = t->GetTreeForNested(fd, index);
    desc = fd->message_type();
  }
  return absl::StrCat(file, ":", line + 1, ":", column + 1);
}

void LintContext::Problem(const Path& path, absl::string_view what) {
  problems.push_back(absl::StrCat(At(path), ": ", what));
}

void LintContext::FileProblem(absl::string_view what) {
  problems.push_back(absl::StrCat(file, ":1:1: ", what));
}

void LintContext::Duration(const Path& path, const std::string& value, bool required,
                           bool allow_negative, absl::Duration max) {
  const std::string name = path.empty() ? "" : path.back().field;
  if (value.empty()) {
    if (required) Problem(path, absl::StrCat(name, ": required duration missing"));
    return;
  }
  absl::Duration d;
  if (!absl::ParseDuration(value, &d)) {
    Problem(path, absl::StrCat(name, ": \"", value,
                               "\" is not a duration (absl::ParseDuration, e.g. \"300ms\")"));
    return;
  }
  if (!allow_negative && d < absl::ZeroDuration()) {
    Problem(path, absl::StrCat(name, ": must not be negative"));
  }
  if (d > max) {
    Problem(path, absl::StrCat(name, ": ", value, " exceeds the suite budget of ",
                               absl::FormatDuration(max)));
  }
}

void LintContext::Window(const Path& path, const sv1::RelativeWindow& w) {
  Duration(Plus(path, "not_before"), w.not_before(), false, true);
  Duration(Plus(path, "not_after"), w.not_after(), true, true);
}

bool LintContext::NeedDevice(const Path& p, const sv1::Step& s) {
  if (!IsDevice(s.actor())) {
    Problem(Plus(p, "actor"), absl::StrCat("actor \"", s.actor(),
                                           "\" is not a topology device (needed for this action)"));
    return false;
  }
  return true;
}

void LintContext::NeedPersona(const Path& p, const std::string& device,
                              const std::string& persona) {
  if (persona.empty() || !IsDevice(device)) return;
  if (!personas[device].count(persona)) {
    Problem(p, absl::StrCat("device \"", device, "\" has no persona \"", persona, "\""));
  }
}

const LintContext::Held* LintContext::NeedCredential(const Path& p, const std::string& name,
                                                     const std::string& device, bool any_holder) {
  auto it = credentials.find(name);
  if (it == credentials.end()) {
    Problem(p, absl::StrCat("credential \"", name,
                            "\" is neither an owner credential nor saved by an earlier step"));
    return nullptr;
  }
  if (!any_holder && it->second.device != device) {
    Problem(p, absl::StrCat("credential \"", name, "\" is held by \"", it->second.device,
                            "\", not by actor \"", device, "\""));
  }
  return &it->second;
}

const std::string* LintContext::NeedShare(const Path& p, const std::string& name) {
  auto it = shares.find(name);
  if (it == shares.end()) {
    Problem(p,
            absl::StrCat("share \"", name, "\" is not saved by an earlier successful share step"));
    return nullptr;
  }
  return &it->second;
}

void LintContext::SaveCredential(const Path& p, const std::string& name, const std::string& device,
                                 bool success) {
  if (name.empty() || !success) return;
  if (credentials.count(name)) {
    Problem(p, absl::StrCat("credential name \"", name, "\" already used"));
    return;
  }
  credentials[name] = Held{device, ::common::v1::CREDENTIAL_KIND_UNSPECIFIED};
}

void LintContext::NeedEngineStep(const Path& p, const sv1::Step& s) {
  if (!s.actor().empty()) Problem(Plus(p, "actor"), "engine actions take no actor");
}

void LintContext::NeedService(const Path& p, const std::string& id) {
  if (!services.count(id)) Problem(p, absl::StrCat("unknown service \"", id, "\""));
}

void LintContext::NeedStep(const Path& p, const std::string& id) {
  if (!id.empty() && !step_index.count(id)) Problem(p, absl::StrCat("no step \"", id, "\""));
}

bool LintContext::StepsOutOfOrder(const std::string& from, const std::string& to) {
  return step_index.count(from) && step_index.count(to) && step_index[from] > step_index[to];
}

}  // namespace sct::scenarios::suite
