// Fuzz target: the relay's HTTP face end to end — request line, headers,
// chunked and plain bodies, JSON, base64, RFC 3339, mailbox ids — as any
// client on the network can send them. The bytes go over a real loopback TCP
// connection to an in-process relay (memory store, fake clock, fake push), so
// the target exercises the HTTP server's own request parser as well as the
// adapter's decoding and the service's validation, whichever server
// implementation relay_http uses.
//
// Input: up to four raw requests separated by the line "=====" (kSeparator);
// each is sent on its own connection and its answer read (Exchange). "{ID}" in a request is
// replaced by the last mailbox id an answer named, so a create followed by reads, updates and
// deletes reaches a real mailbox (SCT_FUZZ_VERBOSE=1 prints each answer's status line, to check
// what a corpus input reaches). A finding is a crash, a sanitizer report, or an answer that is not
// HTTP/1.x or is a 500 (bad input must get a 4xx).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "relay/fake_push_notifier.h"
#include "relay/mailbox_service.h"
#include "relay/memory_mailbox_store.h"
#include "relay/metrics.h"
#include "relay/relay_http.h"
#include "runtime/fuzz/fuzz_world.h"

namespace {

constexpr absl::string_view kSeparator = "\n=====\n";
constexpr size_t kMaxRequests = 4;
// Inputs served by one relay before it is rebuilt: bounds what the store,
// the fake push notifier and the rate limiters accumulate over a long run.
constexpr int kInputsPerRelay = 2000;
// How long a request may go unanswered before the client half-closes.
constexpr int kAnswerWaitMs = 15;

// A relay whose limits never throttle the fuzzer (the clock never moves, so
// a rate window would never end) but are otherwise the defaults.
struct FuzzRelay {
  FuzzRelay() {
    sct::relay::RelayLimits limits;
    limits.creates_per_window = int64_t{1} << 40;
    limits.failed_lookups_per_window = int64_t{1} << 40;
    service = std::make_unique<sct::relay::MailboxService>(&store, &clock, &push,
                                                           "https://relay.example", limits);
    sct::relay::RelayHttpOptions options;
    options.threads = 4;
    auto started = sct::relay::RelayHttpServer::Start(service.get(), &metrics, options);
    if (!started.ok()) std::abort();
    http = std::move(*started);
  }
  ~FuzzRelay() { http->Stop(); }

  sct::FakeClock clock;
  sct::relay::MemoryMailboxStore store;
  sct::relay::FakePushNotifier push{{"fake-oem"}};
  sct::relay::RelayMetrics metrics;
  std::unique_ptr<sct::relay::MailboxService> service;
  std::unique_ptr<sct::relay::RelayHttpServer> http;
};

// True once `answer` holds a status line, headers and as many body bytes as
// its Content-Length says (no Content-Length: the headers alone).
bool ResponseComplete(const std::string& answer) {
  size_t end = answer.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  static const std::regex* const length =
      new std::regex("\r\nContent-Length:[ \t]*([0-9]{1,9})", std::regex::icase);
  std::smatch m;
  std::string head = answer.substr(0, end);
  if (!std::regex_search(head, m, *length)) return true;
  return answer.size() - (end + 4) >= std::stoul(m[1].str());
}

// Sends `request` on a fresh connection and returns the first answer (at most
// 1 MiB; empty if the server closed without answering). The client does not
// half-close after sending, because the server may drop an answer to a peer
// that already sent FIN; it half-closes only if nothing came back within
// kAnswerWaitMs (an incomplete request the server is still waiting on).
std::string Exchange(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) std::abort();
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) std::abort();
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before reading it all
    sent += static_cast<size_t>(n);
  }
  pollfd readable{fd, POLLIN, 0};
  if (poll(&readable, 1, kAnswerWaitMs) == 0) shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[16384];
  while (answer.size() < (1 << 20) && !ResponseComplete(answer)) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return answer;
}

void CheckAnswer(const std::string& answer) {
  if (answer.empty()) return;
  static const std::regex* const status_line = new std::regex("^HTTP/1\\.[01] ([0-9]{3}) ");
  std::smatch m;
  if (!std::regex_search(answer, m, *status_line)) std::abort();
  if (m[1] == "500") std::abort();
}

std::string LastMailboxId(const std::string& answer, const std::string& previous) {
  static const std::regex* const id = new std::regex(
      "/v1/m/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
      "[0-9a-fA-F]{12})");
  std::smatch m;
  return std::regex_search(answer, m, *id) ? m[1].str() : previous;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzRelay* relay = &sct::fuzz::CurrentWorld<FuzzRelay>(kInputsPerRelay);
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<absl::string_view> requests = absl::StrSplit(input, kSeparator);
  std::string id = "00000000-0000-4000-8000-000000000000";
  for (size_t i = 0; i < requests.size() && i < kMaxRequests; ++i) {
    std::string request = absl::StrReplaceAll(requests[i], {{"{ID}", id}});
    std::string answer = Exchange(relay->http->port(), request);
    CheckAnswer(answer);
    if (std::getenv("SCT_FUZZ_VERBOSE") != nullptr) {
      std::fprintf(stderr, "%s\n", answer.substr(0, answer.find('\r')).c_str());
    }
    id = LastMailboxId(answer, id);
  }
  return 0;
}
