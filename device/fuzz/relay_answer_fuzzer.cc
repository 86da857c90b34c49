// Fuzz target: the device's decoding of a relay's HTTP answers
// (device/relay_answer.h): the mailbox API's create, update, read, preview,
// delete and relinquish answers, the derived-locations relay's answers, the
// oblivious relay's envelope, and answers carried inside OHTTP as Binary
// HTTP. The relay is untrusted: whatever it sends must give the typed result
// or a clear error.
//
// Input: one selector byte, then the answer. The selector names the
// decoder: 'c' create, 'u' update, 'r' read, 'p' preview, 'd' delete,
// 'l' relinquish, 'x' derived, 'o' the oblivious relay's envelope; in lower
// case the answer is HTTP/1.1 text as it arrives on the wire ("HTTP/1.1 200
// OK", header lines, a blank line, the body, read here as a client library
// hands it over: status, headers, body), in upper case it is a Binary HTTP
// response (RFC 9292), the opened answer of an OHTTP exchange, decoded by
// DecodeInnerAnswer first. Any other byte picks by value (modulo 8; bit 3
// the form).
//
// Checks besides "no crash": a 2xx answer decodes or fails with INTERNAL
// "bad_relay_response"; any other status is an error, never OK; every error
// has a stable reason and a message of valid UTF-8 of at most 1 KiB; every
// string a decoder returns is valid UTF-8 (the device keeps them in proto3
// string fields); `repeated` is set exactly for a 201; a created mailbox has
// a urlLink; the Mailbox-Request-ID echo check passes only when every such
// header names the id sent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "device/relay_answer.h"

namespace {

using sct::device::IsValidUtf8;
using sct::device::RelayAnswer;

constexpr char kSentId[] = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr char kOps[] = "cuprdlxo";
constexpr size_t kMaxInnerBody = 64 * 1024;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool Is2xx(int status) { return status >= 200 && status < 300; }

void CheckError(const absl::Status& s) {
  Check(!s.ok());
  Check(s.code() != absl::StatusCode::kUnknown);
  const std::string reason = sct::ReasonOf(s);
  Check(!reason.empty() && reason.size() <= 64);
  for (char c : reason) Check(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_');
  Check(s.message().size() <= 1024);
  Check(IsValidUtf8(s.message()));
}

// A decoder's outcome: OK only for 2xx; a 2xx error is a bad answer.
template <typename T>
bool Outcome(const RelayAnswer& answer, const absl::StatusOr<T>& out) {
  if (out.ok()) {
    Check(Is2xx(answer.status));
    return true;
  }
  CheckError(out.status());
  if (Is2xx(answer.status)) {
    Check(out.status().code() == absl::StatusCode::kInternal);
    Check(sct::ReasonOf(out.status()) == "bad_relay_response");
  }
  return false;
}

void CheckDisplay(const ::relay::v1::DisplayInformation& d) {
  Check(IsValidUtf8(d.title()));
  Check(IsValidUtf8(d.description()));
  Check(IsValidUtf8(d.image_url()));
}

void Decode(int op, const RelayAnswer& answer) {
  namespace dev = sct::device;
  const bool repeated = answer.status == 201;
  switch (op) {
    case 0: {
      auto out = dev::DecodeCreateAnswer(answer);
      if (!Outcome(answer, out)) return;
      Check(!out->url_link().empty() && IsValidUtf8(out->url_link()));
      Check(IsValidUtf8(out->expiration()));
      Check(out->repeated() == repeated);
      return;
    }
    case 1: {
      auto out = dev::DecodeUpdateAnswer(answer);
      if (Outcome(answer, out)) Check(out->repeated() == repeated);
      return;
    }
    case 2: {
      auto out = dev::DecodePreviewAnswer(answer);
      if (!Outcome(answer, out)) return;
      CheckDisplay(out->display_information());
      Check(IsValidUtf8(out->url_link()));
      return;
    }
    case 3: {
      auto out = dev::DecodeReadAnswer(answer);
      if (!Outcome(answer, out)) return;
      Check(IsValidUtf8(out->payload().type()));
      CheckDisplay(out->display_information());
      Check(IsValidUtf8(out->expiration()));
      Check(out->repeated() == repeated);
      return;
    }
    case 4: {
      auto out = dev::DecodeDeleteAnswer(answer);
      if (Outcome(answer, out)) Check(out->repeated() == repeated);
      return;
    }
    case 5: {
      auto out = dev::DecodeRelinquishAnswer(answer);
      if (Outcome(answer, out)) Check(out->repeated() == repeated);
      return;
    }
    case 6: {
      auto out = dev::DecodeDerivedAnswer(answer);
      if (Outcome(answer, out)) Check(*out == answer.body);
      return;
    }
    default: {
      absl::Status s = dev::CheckObliviousEnvelope(answer);
      if (s.ok()) {
        Check(answer.status == 200);
      } else {
        CheckError(s);
      }
      return;
    }
  }
}

void CheckEcho(const RelayAnswer& answer) {
  bool all_match = true;
  for (const auto& [name, value] : answer.headers) {
    if (absl::EqualsIgnoreCase(name, "Mailbox-Request-ID") && value != kSentId) all_match = false;
  }
  absl::Status s = sct::device::CheckRequestIdEcho(answer, kSentId);
  Check(s.ok() == all_match);
  if (!s.ok()) CheckError(s);
}

absl::string_view NextLine(absl::string_view* in) {
  const size_t nl = in->find('\n');
  absl::string_view line = in->substr(0, nl);
  in->remove_prefix(nl == absl::string_view::npos ? in->size() : nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// HTTP/1.1 text: the status line's code (up to 4 digits), "Name: value"
// header lines up to a blank line, then the body.
RelayAnswer FromText(absl::string_view in) {
  RelayAnswer answer;
  absl::string_view status_line = NextLine(&in);
  const size_t space = status_line.find(' ');
  if (space != absl::string_view::npos) {
    for (size_t i = space + 1; i < status_line.size() && i < space + 5; ++i) {
      if (!absl::ascii_isdigit(status_line[i])) break;
      answer.status = answer.status * 10 + (status_line[i] - '0');
    }
  }
  while (!in.empty()) {
    absl::string_view line = NextLine(&in);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    absl::string_view value = absl::StripLeadingAsciiWhitespace(line.substr(colon + 1));
    answer.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  answer.body = std::string(in);
  return answer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char selector = static_cast<char>(data[0]);
  const char* named = std::strchr(kOps, absl::ascii_tolower(selector));
  int op;
  bool binary;
  if (selector != 0 && named != nullptr) {
    op = static_cast<int>(named - kOps);
    binary = absl::ascii_isupper(selector);
  } else {
    op = data[0] % 8;
    binary = (data[0] / 8) % 2 == 1;
  }
  absl::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  RelayAnswer answer;
  if (binary) {
    absl::StatusOr<RelayAnswer> inner = sct::device::DecodeInnerAnswer(in, kMaxInnerBody);
    if (!inner.ok()) {
      CheckError(inner.status());
      return 0;
    }
    Check(inner->body.size() <= kMaxInnerBody);
    answer = *std::move(inner);
  } else {
    answer = FromText(in);
  }
  Decode(op, answer);
  CheckEcho(answer);
  return 0;
}
