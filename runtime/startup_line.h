// The start-up line: the one line every service binary prints on stdout once
// it listens, naming its endpoints in a fixed order, e.g.
//
//   listening grpc=127.0.0.1:4001
//   listening http=127.0.0.1:8443 grpc=127.0.0.1:4002
//
// Whoever starts a binary on port 0 learns its addresses from this line (the
// launcher, tests, the load generator, and Python tools that split it on
// spaces and "=", some taking the first field as the relay's http address), so
// this file is its only writer (PrintListeningLine) and its only C++ reader
// (ParseListeningLine).
//
// Pure functions except PrintListeningLine, which writes to stdout; all are
// thread-safe.
#ifndef SCT_RUNTIME_STARTUP_LINE_H_
#define SCT_RUNTIME_STARTUP_LINE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct {

// What every start-up line begins with.
inline constexpr absl::string_view kListeningLinePrefix = "listening ";

// One endpoint of the line: `name` ("grpc", "http") and the bound address
// ("127.0.0.1:4001", "[::1]:5000").
struct ListeningEndpoint {
  std::string name;
  std::string address;
};

// "listening NAME=ADDRESS NAME=ADDRESS" (no newline), endpoints in the given
// order. Names and addresses come from the binary itself, never from input.
std::string FormatListeningLine(const std::vector<ListeningEndpoint>& endpoints);

// Writes FormatListeningLine(endpoints) and a newline to stdout and flushes
// it, so a parent reading a pipe sees the line at once.
void PrintListeningLine(const std::vector<ListeningEndpoint>& endpoints);

// Whether `line` is a start-up line (begins with kListeningLinePrefix); a
// reader skips any other stdout line before it.
bool IsListeningLine(absl::string_view line);

// "listening grpc=127.0.0.1:1 http=127.0.0.1:2\n" -> {"grpc": "127.0.0.1:1",
// "http": "127.0.0.1:2"}. Trailing whitespace is ignored. INVALID_ARGUMENT
// (reason "invalid_field", message naming the problem) when the line does not
// start with the prefix, has no endpoint, a field is not NAME=ADDRESS, a name
// repeats, or an address is not HOST:PORT (common/host_port.h).
absl::StatusOr<std::map<std::string, std::string>> ParseListeningLine(absl::string_view line);

}  // namespace sct

#endif  // SCT_RUNTIME_STARTUP_LINE_H_
