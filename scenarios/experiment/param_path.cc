#include "scenarios/experiment/param_path.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/text_format_errors.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"

namespace sct::scenarios::experiment {
namespace {

using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status Bad(absl::string_view where, absl::string_view problem) {
  return InvalidField(where, problem);
}

// The text of element `i` of repeated scalar `f` (or of singular `f` when i
// is -1), as a selector compares it.
std::string ScalarText(const Message& m, const FieldDescriptor* f, int i) {
  const Reflection* r = m.GetReflection();
  const bool rep = i >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
    case FieldDescriptor::CPPTYPE_ENUM:
      return rep ? r->GetRepeatedEnum(m, f, i)->name() : r->GetEnum(m, f)->name();
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f)) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(rep ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(rep ? r->GetRepeatedFloat(m, f, i) : r->GetFloat(m, f));
    default:
      return "";
  }
}

// Sets scalar `f` of `m` (element `i` of a repeated field, -1 for a
// singular one) from `value`; "" clears a singular field.
absl::Status SetScalar(Message& m, const FieldDescriptor* f, int i, absl::string_view value,
                       const std::string& where) {
  const Reflection* r = m.GetReflection();
  const bool rep = i >= 0;
  if (value.empty() && !rep) {
    r->ClearField(&m, f);
    return absl::OkStatus();
  }
  auto want = [&](absl::string_view type) {
    return Bad(where, absl::StrCat("value \"", value, "\" is not ", type, " (the field is ",
                                   f->type_name(), ")"));
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string v(value);
      rep ? r->SetRepeatedString(&m, f, i, v) : r->SetString(&m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* e = f->enum_type()->FindValueByName(std::string(value));
      int n = 0;
      if (e == nullptr && absl::SimpleAtoi(value, &n)) e = f->enum_type()->FindValueByNumber(n);
      if (e == nullptr) return want(absl::StrCat("a value of enum ", f->enum_type()->name()));
      rep ? r->SetRepeatedEnum(&m, f, i, e) : r->SetEnum(&m, f, e);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool b = false;
      if (!absl::SimpleAtob(value, &b)) return want("true or false");
      rep ? r->SetRepeatedBool(&m, f, i, b) : r->SetBool(&m, f, b);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v = 0;
      if (!absl::SimpleAtoi(value, &v)) return want("an integer");
      rep ? r->SetRepeatedInt32(&m, f, i, v) : r->SetInt32(&m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v = 0;
      if (!absl::SimpleAtoi(value, &v)) return want("an integer");
      rep ? r->SetRepeatedInt64(&m, f, i, v) : r->SetInt64(&m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v = 0;
      if (!absl::SimpleAtoi(value, &v)) return want("a non-negative integer");
      rep ? r->SetRepeatedUInt32(&m, f, i, v) : r->SetUInt32(&m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v = 0;
      if (!absl::SimpleAtoi(value, &v)) return want("a non-negative integer");
      rep ? r->SetRepeatedUInt64(&m, f, i, v) : r->SetUInt64(&m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v = 0;
      if (!absl::SimpleAtod(value, &v)) return want("a number");
      rep ? r->SetRepeatedDouble(&m, f, i, v) : r->SetDouble(&m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float v = 0;
      if (!absl::SimpleAtof(value, &v)) return want("a number");
      rep ? r->SetRepeatedFloat(&m, f, i, v) : r->SetFloat(&m, f, v);
      return absl::OkStatus();
    }
    default:
      return Bad(where, "is a message, not a scalar or enum field");
  }
}

// Replaces singular message field `f` of `m` by the text-format message
// `value` ("" clears it).
absl::Status SetMessage(Message& m, const FieldDescriptor* f, absl::string_view value,
                        const std::string& where) {
  const Reflection* r = m.GetReflection();
  if (absl::StripAsciiWhitespace(value).empty()) {
    r->ClearField(&m, f);
    return absl::OkStatus();
  }
  std::unique_ptr<Message> parsed(r->GetMessage(m, f).New());
  std::vector<std::string> errors;
  LineErrorCollector collector("value", &errors);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  if (!parser.ParseFromString(std::string(value), parsed.get())) {
    return Bad(where, absl::StrCat("value \"", value, "\" is not a text-format ",
                                   f->message_type()->name(), " (",
                                   errors.empty() ? "parse error" : errors.front(), ")"));
  }
  r->MutableMessage(&m, f)->CopyFrom(*parsed);
  return absl::OkStatus();
}

// The indices of repeated message field `f` of `m` that `part` selects.
absl::StatusOr<std::vector<int>> Select(const Message& m, const FieldDescriptor* f,
                                        const PathPart& part, const std::string& where) {
  const int size = m.GetReflection()->FieldSize(m, f);
  if (part.select == PathPart::Select::kIndex) {
    if (part.index >= size) {
      return Bad(where, absl::StrCat("index ", part.index, " out of range (", f->name(), " has ",
                                     size, size == 1 ? " element)" : " elements)"));
    }
    return std::vector<int>{part.index};
  }
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return Bad(where, "a list of scalars is selected by index, not [field=value]");
  }
  const FieldDescriptor* key = f->message_type()->FindFieldByName(part.key);
  if (key == nullptr || key->is_repeated() || key->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return Bad(where, absl::StrCat(f->message_type()->name(), " has no scalar field \"", part.key,
                                   "\" to select by"));
  }
  std::vector<int> out;
  for (int i = 0; i < size; ++i) {
    const Message& el = m.GetReflection()->GetRepeatedMessage(m, f, i);
    if (ScalarText(el, key, -1) == part.value) out.push_back(i);
  }
  if (out.empty()) {
    return Bad(where, absl::StrCat("no element has ", part.key, " = \"", part.value, "\""));
  }
  return out;
}

// Applies parts[k...] to `m`; `where` is the path up to parts[k].
absl::Status ApplyFrom(Message& m, const std::vector<PathPart>& parts, size_t k,
                       const std::string& where_so_far, absl::string_view value) {
  const PathPart& part = parts[k];
  const std::string where =
      where_so_far.empty() ? part.field : absl::StrCat(where_so_far, ".", part.field);
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(part.field);
  if (f == nullptr) {
    return Bad(where, absl::StrCat("unknown field (", m.GetDescriptor()->name(), " has no field \"",
                                   part.field, "\")"));
  }
  const Reflection* r = m.GetReflection();
  const bool last = k + 1 == parts.size();
  if (f->is_map()) return Bad(where, "map fields cannot be set by path");
  if (f->is_repeated()) {
    if (part.select == PathPart::Select::kNone) {
      return Bad(where, "a repeated field needs a selector ([0] or [field=value])");
    }
    const std::string sel =
        part.select == PathPart::Select::kIndex
            ? absl::StrCat(where, "[", part.index, "]")
            : absl::StrCat(where, "[", part.key, "=", part.value, "]");
    absl::StatusOr<std::vector<int>> idx = Select(m, f, part, sel);
    if (!idx.ok()) return idx.status();
    for (int i : *idx) {
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        if (!last) return Bad(sel, "is a scalar: the path cannot go on");
        absl::Status s = SetScalar(m, f, i, value, sel);
        if (!s.ok()) return s;
        continue;
      }
      if (last) return Bad(sel, "is a message: name one of its scalar fields");
      absl::Status s = ApplyFrom(*r->MutableRepeatedMessage(&m, f, i), parts, k + 1, sel, value);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }
  if (part.select != PathPart::Select::kNone) return Bad(where, "is not a repeated field");
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    if (!last) return Bad(where, "is a scalar: the path cannot go on");
    return SetScalar(m, f, -1, value, where);
  }
  if (const auto* oneof = f->containing_oneof(); oneof != nullptr) {
    const FieldDescriptor* set = r->GetOneofFieldDescriptor(m, oneof);
    if (set != nullptr && set != f) {
      return Bad(where, absl::StrCat("the ", oneof->name(), " set here is ", set->name(),
                                     ", not ", f->name()));
    }
  }
  if (last) return SetMessage(m, f, value, where);
  return ApplyFrom(*r->MutableMessage(&m, f), parts, k + 1, where, value);
}

}  // namespace

absl::StatusOr<std::vector<PathPart>> ParsePath(absl::string_view path) {
  if (path.empty()) return Bad("path", "empty");
  std::vector<PathPart> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = pos;
    while (end < path.size() && path[end] != '.' && path[end] != '[') ++end;
    PathPart part;
    part.field = std::string(path.substr(pos, end - pos));
    if (part.field.empty()) {
      return Bad("path", absl::StrCat("\"", path, "\": empty field name at column ", pos + 1));
    }
    if (end < path.size() && path[end] == '[') {
      const size_t close = path.find(']', end);
      if (close == absl::string_view::npos) {
        return Bad("path", absl::StrCat("\"", path, "\": \"[\" not closed"));
      }
      const absl::string_view sel = path.substr(end + 1, close - end - 1);
      const size_t eq = sel.find('=');
      if (eq == absl::string_view::npos) {
        if (!absl::SimpleAtoi(sel, &part.index) || part.index < 0) {
          return Bad("path", absl::StrCat("\"", path, "\": bad index \"", sel,
                                          "\" (write [0] or [field=value])"));
        }
        part.select = PathPart::Select::kIndex;
      } else {
        part.select = PathPart::Select::kMatch;
        part.key = std::string(absl::StripAsciiWhitespace(sel.substr(0, eq)));
        part.value = std::string(absl::StripAsciiWhitespace(sel.substr(eq + 1)));
        if (part.key.empty()) return Bad("path", absl::StrCat("\"", path, "\": empty selector"));
      }
      end = close + 1;
    }
    parts.push_back(std::move(part));
    if (end == path.size()) break;
    if (path[end] != '.') {
      return Bad("path", absl::StrCat("\"", path, "\": expected \".\" at column ", end + 1));
    }
    pos = end + 1;
    if (pos == path.size()) return Bad("path", absl::StrCat("\"", path, "\": ends with \".\""));
  }
  return parts;
}

absl::Status ApplyPath(Message& message, absl::string_view path, absl::string_view value) {
  absl::StatusOr<std::vector<PathPart>> parts = ParsePath(path);
  if (!parts.ok()) return parts.status();
  return ApplyFrom(message, *parts, 0, "", value);
}

bool IsTopologyPath(absl::string_view path) {
  return path == "topology" || absl::StartsWith(path, "topology.") ||
         absl::StartsWith(path, "topology[");
}

}  // namespace sct::scenarios::experiment
