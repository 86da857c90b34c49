// A raw HTTP/1.1 client for transport tests: sends exactly the bytes given
// (malformed, trickled or oversized), from a chosen loopback source
// address, with a deadline on every read and write so a test never waits
// unbounded and never sleeps. testonly; not thread-safe.
#ifndef SCT_RELAY_RAW_HTTP_CLIENT_H_
#define SCT_RELAY_RAW_HTTP_CLIENT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace sct::relay::testing {

// Every read and write gives up after this long.
inline constexpr int kClientDeadlineSeconds = 10;

class RawHttpClient {
 public:
  // Connects from `source` (any 127.x address) to 127.0.0.1:`port`.
  explicit RawHttpClient(int port, const char* source = "127.0.0.1") {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{kClientDeadlineSeconds, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source, &src.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof(src));
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)) == 0;
  }
  ~RawHttpClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool Send(absl::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  bool Readable() {
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
  }
  // One response (head and Content-Length body), or what came before EOF or
  // the deadline.
  std::string ReadResponse() {
    std::string got = std::move(rest_);
    rest_.clear();
    char buf[4096];
    for (;;) {
      const size_t head_end = got.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t length = 0;
        const size_t cl = got.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) {
          (void)absl::SimpleAtoi(got.substr(cl + 16, got.find("\r\n", cl) - cl - 16), &length);
        }
        if (got.size() >= head_end + 4 + length) {
          rest_ = got.substr(head_end + 4 + length);
          return got.substr(0, head_end + 4 + length);
        }
      }
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return got;
      got.append(buf, static_cast<size_t>(n));
    }
  }
  // True when the server has closed the connection (EOF within the deadline).
  bool Closed() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string rest_;
};

}  // namespace sct::relay::testing

#endif  // SCT_RELAY_RAW_HTTP_CLIENT_H_
