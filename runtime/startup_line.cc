#include "runtime/startup_line.h"

#include <cstdio>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/host_port.h"

namespace sct {
namespace {

constexpr absl::string_view kField = "listening line";
// kListeningLinePrefix without its space.
constexpr absl::string_view kListeningWord =
    kListeningLinePrefix.substr(0, kListeningLinePrefix.size() - 1);

}  // namespace

std::string FormatListeningLine(const std::vector<ListeningEndpoint>& endpoints) {
  std::string line(kListeningWord);
  for (const ListeningEndpoint& e : endpoints) absl::StrAppend(&line, " ", e.name, "=", e.address);
  return line;
}

void PrintListeningLine(const std::vector<ListeningEndpoint>& endpoints) {
  // std::endl flushes the C++ stream; fflush also pushes out anything the
  // binary wrote through C stdio, so the parent sees the line at once.
  std::cout << FormatListeningLine(endpoints) << std::endl;
  std::fflush(stdout);
}

bool IsListeningLine(absl::string_view line) {
  return absl::StartsWith(line, kListeningLinePrefix);
}

absl::StatusOr<std::map<std::string, std::string>> ParseListeningLine(absl::string_view line) {
  line = absl::StripTrailingAsciiWhitespace(line);
  absl::string_view fields = line;
  // "listening" alone (its trailing space stripped) is a line without endpoints.
  if (!absl::ConsumePrefix(&fields, kListeningWord) ||
      !(fields.empty() || absl::StartsWith(fields, " "))) {
    return InvalidField(
        kField, absl::StrCat("\"", line, "\" does not start with \"", kListeningLinePrefix, "\""));
  }
  std::map<std::string, std::string> out;
  for (absl::string_view field : absl::StrSplit(fields, ' ', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(field, absl::MaxSplits('=', 1));
    if (kv.first.empty() || kv.second.empty()) {
      return InvalidField(kField, absl::StrCat("field \"", field, "\" is not NAME=ADDRESS"));
    }
    absl::StatusOr<HostPort> address =
        ParseHostPort(kv.second, absl::StrCat(kField, " ", kv.first));
    if (!address.ok()) return address.status();
    if (!out.emplace(std::string(kv.first), std::string(kv.second)).second) {
      return InvalidField(kField, absl::StrCat("endpoint \"", kv.first, "\" appears twice"));
    }
  }
  if (out.empty()) return InvalidField(kField, "no endpoint");
  return out;
}

}  // namespace sct
