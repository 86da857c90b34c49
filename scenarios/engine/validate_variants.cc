// Validator: the names of `sct compare` variants a scenario uses
// (Step.variant_expect keys, Assertion.only_variants / except_variants). Run
// by itself a scenario accepts any well-formed name; run by sct compare the
// names must be those of the variant set in use, so that a typo cannot
// silently leave an expectation or assertion out of the comparison.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scenarios/engine/validator.h"
#include "scenarios/engine/variant_overlay.h"

namespace sct::scenarios::validation {

namespace sv1 = ::scenario::v1;

void Validator::VariantNameRef(const Node& n, absl::string_view field, int index,
                               const std::string& name) {
  absl::Status ok = CheckVariantName(name);
  if (!ok.ok()) {
    Err(n, field, index, ok.message());
  } else if (known_variants_ != nullptr && !known_variants_->count(name)) {
    Err(n, field, index,
        absl::StrCat("unknown variant \"", name,
                     "\" (variants in use: ", absl::StrJoin(*known_variants_, ", "), ")"));
  }
}

void Validator::CheckVariantExpectations(const Node& n, const sv1::Step& st) {
  if (st.variant_expect().empty()) return;
  // Through reflection, so that each entry has its location in the file.
  const google::protobuf::Message& step = *n.msg;
  const google::protobuf::FieldDescriptor* f =
      step.GetDescriptor()->FindFieldByName("variant_expect");
  const int entries = step.GetReflection()->FieldSize(step, f);
  for (int j = 0; j < entries; ++j) {
    Node entry = Child(n, "variant_expect", j);
    const google::protobuf::Message& m = *entry.msg;
    const std::string key =
        m.GetReflection()->GetString(m, m.GetDescriptor()->FindFieldByName("key"));
    entry.path = absl::StrCat(n.path, ".variant_expect[\"", key, "\"]");
    VariantNameRef(entry, "key", -1, key);
    Node value = Child(entry, "value");
    value.path = entry.path;
    CheckOutcome(value, st.variant_expect().at(key), st);
  }
}

void Validator::CheckAssertionVariants(const Node& n, const sv1::Assertion& a) {
  for (int j = 0; j < a.only_variants_size(); ++j) {
    VariantNameRef(n, "only_variants", j, a.only_variants(j));
  }
  for (int j = 0; j < a.except_variants_size(); ++j) {
    VariantNameRef(n, "except_variants", j, a.except_variants(j));
    for (const std::string& o : a.only_variants()) {
      if (o == a.except_variants(j)) {
        Err(n, "except_variants", j, absl::StrCat("variant \"", o, "\" is also in only_variants"));
      }
    }
  }
}

}  // namespace sct::scenarios::validation
