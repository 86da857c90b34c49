#include "scenarios/engine/variant_overlay.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr size_t kMaxVariantName = 40;

// A copy of `m` with only field `f` kept.
std::unique_ptr<Message> OnlyField(const Message& m, const FieldDescriptor* f) {
  std::unique_ptr<Message> one(m.New());
  one->CopyFrom(m);
  const Reflection* r = one->GetReflection();
  std::vector<const FieldDescriptor*> set;
  r->ListFields(*one, &set);
  for (const FieldDescriptor* o : set) {
    if (o != f) r->ClearField(one.get(), o);
  }
  return one;
}

// Puts every field `over` sets onto `base` (same message type), by
// reflection, so that fields added to ArchitectureSpec later overlay too.
void OverlayMessage(const Message& over, Message& base) {
  const Reflection* r = over.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(over, &fields);  // set (non-zero) and non-empty fields only
  for (const FieldDescriptor* f : fields) {
    if (!f->is_repeated() && f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      OverlayMessage(r->GetMessage(over, f), *base.GetReflection()->MutableMessage(&base, f));
      continue;
    }
    // A repeated or map field replaces the base's; a scalar overwrites it.
    if (f->is_repeated()) base.GetReflection()->ClearField(&base, f);
    base.MergeFrom(*OnlyField(over, f));
  }
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& names,
              absl::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

sv1::ArchitectureSpec OverlayArchitecture(const sv1::ArchitectureSpec& base,
                                          const sv1::ArchitectureSpec& overlay) {
  sv1::ArchitectureSpec out = base;
  OverlayMessage(overlay, out);
  return out;
}

void SelectForVariant(absl::string_view name, sv1::Scenario& s) {
  for (sv1::Step& st : *s.mutable_steps()) {
    auto it = st.variant_expect().find(std::string(name));
    if (!name.empty() && it != st.variant_expect().end()) {
      *st.mutable_expect() = it->second;
    }
    st.clear_variant_expect();
  }
  google::protobuf::RepeatedPtrField<sv1::Assertion> kept;
  for (sv1::Assertion& a : *s.mutable_assertions()) {
    const bool included = a.only_variants().empty() || Contains(a.only_variants(), name);
    const bool excluded = !name.empty() && Contains(a.except_variants(), name);
    if (!included || excluded) continue;
    a.clear_only_variants();
    a.clear_except_variants();
    *kept.Add() = std::move(a);
  }
  s.mutable_assertions()->Swap(&kept);
}

sv1::Scenario ApplyVariant(const sv1::Scenario& s, const sv1::Variant& variant) {
  sv1::Scenario out = s;
  if (variant.has_architecture()) {
    *out.mutable_topology()->mutable_architecture() =
        OverlayArchitecture(s.topology().architecture(), variant.architecture());
  }
  SelectForVariant(variant.name(), out);
  return out;
}

absl::Status CheckVariantName(absl::string_view name) {
  if (name.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field", "empty variant name");
  }
  if (name.size() > kMaxVariantName) {
    return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                     absl::StrCat("variant name \"", name, "\" is longer than ", kMaxVariantName,
                                  " characters"));
  }
  if (!absl::ascii_islower(name[0])) {
    return MakeError(
        absl::StatusCode::kInvalidArgument, "invalid_field",
        absl::StrCat("variant name \"", name, "\" must start with a lower-case letter"));
  }
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') {
      return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field",
                       absl::StrCat("variant name \"", name,
                                    "\" may hold only lower-case letters, digits and '-'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace sct::scenarios
