#include "scenarios/compare/variant_set.h"

#include <filesystem>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/text_format_errors.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "scenarios/engine/parse.h"
#include "scenarios/engine/suite.h"
#include "scenarios/engine/variant_overlay.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using google::protobuf::TextFormat;

absl::Status Invalid(const std::vector<std::string>& lines) {
  return MakeError(absl::StatusCode::kInvalidArgument, "invalid_field", absl::StrJoin(lines, "\n"));
}

// "FILE:LINE:COL: variants[i].FIELD: problem" at the field's location.
std::string At(const std::string& file, const TextFormat::ParseInfoTree& tree, int i,
               const std::string& field, const std::string& problem) {
  const auto* variants = sv1::VariantSet::descriptor()->FindFieldByName("variants");
  const TextFormat::ParseInfoTree* t = tree.GetTreeForNested(variants, i);
  TextFormat::ParseLocation loc = tree.GetLocation(variants, i);
  if (t != nullptr) {
    const auto* f = sv1::Variant::descriptor()->FindFieldByName(field);
    TextFormat::ParseLocation own = t->GetLocation(f, -1);
    if (own.line >= 0) loc = own;
  }
  return absl::StrCat(file, ":", loc.line + 1, ":", loc.column + 1, ": variants[", i, "].", field,
                      ": ", problem);
}

absl::StatusOr<std::string> ReadText(const std::string& path) {
  return ReadLabFile(path, "variant set");
}

}  // namespace

absl::StatusOr<sv1::VariantSet> ParseVariantSet(const std::string& text, const std::string& file) {
  std::vector<std::string> errors;
  LineErrorCollector collector(file, &errors);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  sv1::VariantSet set;
  if (!parser.ParseFromString(text, &set)) {
    if (errors.empty()) errors.push_back(absl::StrCat(file, ":1:1: cannot parse variant set"));
    return Invalid(errors);
  }
  if (set.variants().empty()) {
    return Invalid({absl::StrCat(file, ":1:1: variants: at least one variant is required")});
  }
  std::map<std::string, int> seen;
  for (int i = 0; i < set.variants_size(); ++i) {
    const sv1::Variant& v = set.variants(i);
    absl::Status name = CheckVariantName(v.name());
    if (!name.ok()) {
      errors.push_back(At(file, tree, i, "name", std::string(name.message())));
    } else if (!seen.emplace(v.name(), i).second) {
      errors.push_back(At(file, tree, i, "name",
                          absl::StrCat("duplicate variant \"", v.name(), "\" (also variants[",
                                       seen[v.name()], "])")));
    }
    if (v.title().empty())
      errors.push_back(At(file, tree, i, "title", "required (column heading)"));
  }
  if (!errors.empty()) return Invalid(errors);
  return set;
}

absl::StatusOr<sv1::VariantSet> LoadVariantSet(const std::string& path) {
  absl::StatusOr<std::string> text = ReadText(path);
  if (!text.ok()) return text.status();
  return ParseVariantSet(*text, path);
}

std::set<std::string> VariantNames(const sv1::VariantSet& set) {
  std::set<std::string> names;
  for (const sv1::Variant& v : set.variants()) names.insert(v.name());
  return names;
}

absl::StatusOr<sv1::VariantSet> SelectVariants(const sv1::VariantSet& set,
                                               const std::string& names) {
  if (names.empty()) return set;
  std::map<std::string, const sv1::Variant*> by_name;
  std::vector<std::string> known;
  for (const sv1::Variant& v : set.variants()) {
    by_name[v.name()] = &v;
    known.push_back(v.name());
  }
  sv1::VariantSet out;
  std::set<std::string> taken;
  for (absl::string_view raw : absl::StrSplit(names, ',')) {
    const std::string name(absl::StripAsciiWhitespace(raw));
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      return InvalidField(
          "--variants",
          absl::StrCat("unknown variant \"", name, "\" (known: ", absl::StrJoin(known, ", "), ")"));
    }
    if (!taken.insert(name).second) {
      return InvalidField("--variants", absl::StrCat("variant \"", name, "\" given twice"));
    }
    *out.add_variants() = *it->second;
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ExpandCompareInputs(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  for (const std::string& a : args) {
    if (std::filesystem::path(a).extension() != ".txt") {
      paths.push_back(a);
      continue;
    }
    absl::StatusOr<std::string> text = ReadText(a);
    if (!text.ok()) return text.status();
    const std::filesystem::path dir = std::filesystem::path(a).parent_path();
    int line_no = 0;
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      ++line_no;
      line = line.substr(0, line.find('#'));
      line = absl::StripAsciiWhitespace(line);
      if (line.empty()) continue;
      std::filesystem::path p{std::string(line)};
      if (p.is_relative()) p = dir / p;
      std::error_code ec;
      if (!std::filesystem::exists(p, ec)) {
        return MakeError(absl::StatusCode::kNotFound, "file_not_found",
                         absl::StrCat(a, ":", line_no, ": ", p.lexically_normal().string(),
                                      ": no such file or directory"));
      }
      paths.push_back(p.lexically_normal().string());
    }
  }
  return ExpandScenarioPaths(paths);
}

}  // namespace sct::scenarios
