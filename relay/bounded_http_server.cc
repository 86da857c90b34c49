#include "relay/bounded_http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace sct::relay {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;
constexpr SteadyTime kNever = SteadyTime::max();
constexpr size_t kReadChunk = 16 * 1024;
constexpr int kReadsPerWakeup = 4;  // then let other connections run
// After refusing a request the server reads and discards at most this much,
// for at most this long, so the client sees the answer instead of a reset.
constexpr size_t kDrainBytes = 1 << 20;
constexpr auto kDrainTime = std::chrono::seconds(2);
constexpr auto kScanInterval = std::chrono::milliseconds(50);

SteadyTime After(absl::Duration d) {
  return std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(d);
}

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

std::string PeerAddress(const sockaddr_storage& ss, int* port) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    *port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    *port = ntohs(a->sin6_port);
  }
  return buf;
}

bool IsFramingHeader(absl::string_view name) {
  return absl::EqualsIgnoreCase(name, "Content-Length") ||
         absl::EqualsIgnoreCase(name, "Transfer-Encoding") ||
         absl::EqualsIgnoreCase(name, "Connection");
}

// The wire form of `res`; HEAD answers carry the length but not the body.
std::string Serialize(const HttpResponse& res, bool head, bool close) {
  std::string out =
      absl::StrCat("HTTP/1.1 ", res.status, " ", HttpReasonPhrase(res.status), "\r\n");
  for (const auto& [name, value] : res.headers) {
    if (IsFramingHeader(name) || name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      continue;
    }
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&out, "Content-Length: ", res.body.size(), "\r\n",
                  close ? "Connection: close\r\n" : "", "\r\n");
  if (!head) out += res.body;
  return out;
}

bool WantsClose(const HttpRequest& req) {
  const std::string c = absl::AsciiStrToLower(req.Header("Connection"));
  if (req.version == "HTTP/1.0") return c.find("keep-alive") == std::string::npos;
  return c.find("close") != std::string::npos;
}

}  // namespace

struct BoundedHttpServer::Loop {
  enum class Phase { kReading, kHandling, kWriting, kDraining };
  struct Conn {
    uint64_t id = 0;
    int fd = -1;
    SSL* ssl = nullptr;
    std::string addr;
    int port = 0;
    HttpRequestParser parser;
    std::string pending;  // bytes read but not yet parsed (pipelining)
    std::string out;
    size_t out_pos = 0;
    Phase phase = Phase::kReading;
    bool close_after_write = false;
    bool ssl_wants_write = false;  // a TLS read needs the socket writable
    bool ssl_wants_read = false;   // a TLS write needs the socket readable
    size_t drained = 0;
    SteadyTime deadline = kNever;
    uint32_t events = 0;
    explicit Conn(const HttpParseLimits& l) : parser(l) {}
  };
  struct Job {
    uint64_t conn_id;
    HttpRequest request;
  };
  struct Done {
    uint64_t conn_id;
    std::string bytes;
    bool close;
  };

  explicit Loop(const BoundedHttpServerOptions& o) : options(o) {}
  BoundedHttpServerOptions options;
  ~Loop();

  void Run();
  void Work();
  void Accept();
  void OnEvent(Conn* c, uint32_t events);
  void ReadSome(Conn* c);
  // Parses `data` (after any pending bytes); dispatches or refuses.
  void Process(Conn* c, absl::string_view data);
  void Refuse(Conn* c, HttpParseError error, const HttpRequest* head = nullptr);
  void StartWrite(Conn* c, std::string bytes, bool close);
  void Flush(Conn* c);
  void AfterAnswer(Conn* c);
  void Drain(Conn* c);
  void CheckDeadlines();
  void TakeDone();
  void UpdateEvents(Conn* c);
  void Close(Conn* c);
  ssize_t Read(Conn* c, char* buf, size_t n);  // >0, 0 EOF, -1 wait, -2 error
  ssize_t Write(Conn* c, const char* buf, size_t n);
  void NotePeak(Conn* c);

  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::unique_ptr<SSL_CTX, SslCtxFree> ssl_ctx;
  Handler handler;
  ErrorRenderer render_error;
  ExchangeHook hook;
  std::atomic<bool> stopping{false};
  std::thread thread;
  std::vector<std::thread> workers;

  // Event thread only.
  absl::flat_hash_map<uint64_t, std::unique_ptr<Conn>> conns;
  absl::flat_hash_map<std::string, int> per_address;
  uint64_t next_id = 1;
  SteadyTime next_scan = SteadyTime::min();

  std::mutex mu;  // guards jobs, done, workers_stop
  std::condition_variable jobs_cv;
  std::deque<Job> jobs;
  std::vector<Done> done;
  bool workers_stop = false;

  std::atomic<int64_t> open{0}, refused_conns{0}, timed_out{0}, refused_reqs{0}, peak{0};
};

BoundedHttpServer::Loop::~Loop() {
  for (auto& [id, c] : conns) {
    if (c->ssl != nullptr) SSL_free(c->ssl);
    ::close(c->fd);
  }
  if (listen_fd >= 0) ::close(listen_fd);
  if (epoll_fd >= 0) ::close(epoll_fd);
  if (wake_fd >= 0) ::close(wake_fd);
}

void BoundedHttpServer::Loop::NotePeak(Conn* c) {
  const int64_t held =
      static_cast<int64_t>(c->parser.request().body.size() + c->pending.size() + kReadChunk);
  int64_t seen = peak.load();
  while (held > seen && !peak.compare_exchange_weak(seen, held)) {
  }
}

void BoundedHttpServer::Loop::UpdateEvents(Conn* c) {
  uint32_t want = 0;
  switch (c->phase) {
    case Phase::kReading:
    case Phase::kDraining:
      want = EPOLLIN | (c->ssl_wants_write ? static_cast<uint32_t>(EPOLLOUT) : 0u);
      break;
    case Phase::kWriting:
      want = EPOLLOUT | (c->ssl_wants_read ? static_cast<uint32_t>(EPOLLIN) : 0u);
      break;
    case Phase::kHandling:
      want = 0;
      break;
  }
  if (want == c->events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c->id;
  epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
  c->events = want;
}

void BoundedHttpServer::Loop::Close(Conn* c) {
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
  if (c->ssl != nullptr) SSL_free(c->ssl);
  ::close(c->fd);
  auto it = per_address.find(c->addr);
  if (it != per_address.end() && --it->second <= 0) per_address.erase(it);
  --open;
  conns.erase(c->id);  // destroys *c
}

ssize_t BoundedHttpServer::Loop::Read(Conn* c, char* buf, size_t n) {
  if (c->ssl == nullptr) {
    ssize_t r = ::recv(c->fd, buf, n, 0);
    if (r >= 0) return r;
    return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? -1 : -2;
  }
  ERR_clear_error();
  c->ssl_wants_write = false;
  int r = SSL_read(c->ssl, buf, static_cast<int>(n));
  if (r > 0) return r;
  switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
      return -1;
    case SSL_ERROR_WANT_WRITE:
      c->ssl_wants_write = true;
      return -1;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    default:
      return -2;
  }
}

ssize_t BoundedHttpServer::Loop::Write(Conn* c, const char* buf, size_t n) {
  if (c->ssl == nullptr) {
    ssize_t r = ::send(c->fd, buf, n, MSG_NOSIGNAL);
    if (r >= 0) return r;
    return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? -1 : -2;
  }
  ERR_clear_error();
  c->ssl_wants_read = false;
  int r = SSL_write(c->ssl, buf, static_cast<int>(n));
  if (r > 0) return r;
  switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_WRITE:
      return -1;
    case SSL_ERROR_WANT_READ:
      c->ssl_wants_read = true;
      return -1;
    default:
      return -2;
  }
}

void BoundedHttpServer::Loop::Accept() {
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    int fd =
        accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or out of descriptors: try at the next wakeup
    int port = 0;
    std::string addr = PeerAddress(ss, &port);
    int& count = per_address[addr];
    if (open.load() >= options.max_connections || count >= options.max_connections_per_address) {
      if (count == 0) per_address.erase(addr);
      ++refused_conns;
      ::close(fd);
      continue;
    }
    ++count;
    ++open;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto conn = std::make_unique<Conn>(options.limits);
    conn->id = next_id++;
    conn->fd = fd;
    conn->addr = std::move(addr);
    conn->port = port;
    conn->deadline = After(options.head_timeout);
    if (ssl_ctx != nullptr) {
      conn->ssl = SSL_new(ssl_ctx.get());
      SSL_set_fd(conn->ssl, fd);
      SSL_set_accept_state(conn->ssl);
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = conn->id;
    conn->events = EPOLLIN;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
    conns.emplace(conn->id, std::move(conn));
  }
}

void BoundedHttpServer::Loop::ReadSome(Conn* c) {
  char buf[kReadChunk];
  const uint64_t id = c->id;
  for (int i = 0; i < kReadsPerWakeup && conns.contains(id) && c->phase == Phase::kReading; ++i) {
    ssize_t n = Read(c, buf, sizeof(buf));
    if (n == -1) break;
    if (n <= 0) {  // EOF or error: nothing more will come
      Close(c);
      return;
    }
    Process(c, absl::string_view(buf, static_cast<size_t>(n)));
  }
  if (conns.contains(id)) UpdateEvents(c);
}

void BoundedHttpServer::Loop::Process(Conn* c, absl::string_view data) {
  std::string input;
  if (!c->pending.empty()) {
    input = std::move(c->pending);
    c->pending.clear();
    input.append(data.data(), data.size());
    data = input;
  }
  while (c->phase == Phase::kReading) {
    const bool was_started = c->parser.started();
    size_t used = 0;
    HttpRequestParser::State s = c->parser.Feed(data, &used);
    data.remove_prefix(used);
    if (!was_started && c->parser.started()) c->deadline = After(options.head_timeout);
    NotePeak(c);
    if (s == HttpRequestParser::State::kIncomplete) return;
    if (s == HttpRequestParser::State::kError) return Refuse(c, c->parser.error());
    if (s == HttpRequestParser::State::kHeadComplete) {
      c->deadline = After(options.body_timeout);
      const HttpRequest& req = c->parser.request();
      const std::string coding = absl::AsciiStrToLower(req.Header("Content-Encoding"));
      if (!coding.empty() && coding != "identity") {
        return Refuse(c,
                      {415, "unsupported_encoding",
                       "header Content-Encoding: not accepted (send the body uncompressed)"},
                      &req);
      }
      if (c->parser.content_length() != 0 &&
          absl::EqualsIgnoreCase(req.Header("Expect"), "100-continue")) {
        static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        Write(c, kContinue, sizeof(kContinue) - 1);  // best effort; tiny
      }
      continue;
    }
    // Complete: hand it to a worker; keep what follows for later.
    c->pending.assign(data.data(), data.size());
    c->phase = Phase::kHandling;
    c->deadline = kNever;
    HttpRequest req = std::move(c->parser.request());
    req.remote_addr = c->addr;
    req.remote_port = c->port;
    {
      std::lock_guard<std::mutex> lock(mu);
      jobs.push_back(Job{c->id, std::move(req)});
    }
    jobs_cv.notify_one();
    return;
  }
}

void BoundedHttpServer::Loop::Refuse(Conn* c, HttpParseError error, const HttpRequest* head) {
  ++refused_reqs;
  HttpResponse res;
  res.status = error.status;
  if (render_error) {
    render_error(error, head, res);
  } else {
    res.SetContent(absl::StrCat(error.message, "\n"), "text/plain");
  }
  StartWrite(c, Serialize(res, false, true), true);
}

void BoundedHttpServer::Loop::StartWrite(Conn* c, std::string bytes, bool close) {
  c->out = std::move(bytes);
  c->out_pos = 0;
  c->close_after_write = close;
  c->phase = Phase::kWriting;
  c->deadline = After(options.write_timeout);
  Flush(c);
}

void BoundedHttpServer::Loop::Flush(Conn* c) {
  while (c->out_pos < c->out.size()) {
    ssize_t n = Write(c, c->out.data() + c->out_pos, c->out.size() - c->out_pos);
    if (n == -1) return UpdateEvents(c);
    if (n < 0) return Close(c);
    c->out_pos += static_cast<size_t>(n);
  }
  AfterAnswer(c);
}

void BoundedHttpServer::Loop::AfterAnswer(Conn* c) {
  c->out.clear();
  c->out_pos = 0;
  if (c->close_after_write || stopping.load()) {
    // Lingering close: stop sending, discard what the client still sends
    // (bounded), close when it is done or the drain bound is reached.
    if (c->ssl == nullptr) {
      ::shutdown(c->fd, SHUT_WR);
    } else {
      SSL_shutdown(c->ssl);
    }
    c->phase = Phase::kDraining;
    c->deadline = std::chrono::steady_clock::now() + kDrainTime;
    return Drain(c);
  }
  c->parser.Reset();
  c->phase = Phase::kReading;
  c->deadline = After(options.idle_timeout);
  if (!c->pending.empty()) {
    const uint64_t id = c->id;
    Process(c, absl::string_view());
    if (!conns.contains(id)) return;
  }
  UpdateEvents(c);
}

void BoundedHttpServer::Loop::Drain(Conn* c) {
  char buf[kReadChunk];
  for (int i = 0; i < kReadsPerWakeup; ++i) {
    ssize_t n = Read(c, buf, sizeof(buf));
    if (n == -1) return UpdateEvents(c);
    c->drained += n > 0 ? static_cast<size_t>(n) : 0;
    if (n <= 0 || c->drained >= kDrainBytes) return Close(c);
  }
  UpdateEvents(c);
}

void BoundedHttpServer::Loop::OnEvent(Conn* c, uint32_t events) {
  switch (c->phase) {
    case Phase::kReading:
      if (events & (EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLERR)) ReadSome(c);
      return;
    case Phase::kWriting:
      return Flush(c);
    case Phase::kDraining:
      return Drain(c);
    case Phase::kHandling:
      if (events & (EPOLLHUP | EPOLLERR)) Close(c);  // the answer will be dropped
      return;
  }
}

void BoundedHttpServer::Loop::CheckDeadlines() {
  const SteadyTime now = std::chrono::steady_clock::now();
  if (now < next_scan) return;
  next_scan = now + kScanInterval;
  std::vector<Conn*> late;
  for (auto& [id, c] : conns) {
    if (c->deadline <= now) late.push_back(c.get());
  }
  for (Conn* c : late) {
    if (c->phase == Phase::kReading && c->parser.started()) {
      ++timed_out;
      Refuse(c, {408, "request_timeout", "request: not received within the deadline"});
    } else {
      if (c->phase == Phase::kWriting) ++timed_out;
      Close(c);
    }
  }
}

void BoundedHttpServer::Loop::TakeDone() {
  uint64_t counter = 0;
  (void)!::read(wake_fd, &counter, sizeof(counter));
  std::vector<Done> ready;
  {
    std::lock_guard<std::mutex> lock(mu);
    ready.swap(done);
  }
  for (Done& d : ready) {
    auto it = conns.find(d.conn_id);
    if (it == conns.end()) continue;  // closed while the handler ran
    StartWrite(it->second.get(), std::move(d.bytes), d.close);
  }
}

void BoundedHttpServer::Loop::Run() {
  // OpenSSL writes through write(2), which raises SIGPIPE when the client has
  // gone (a refused handshake, a reset); the default action kills the whole
  // process. Blocked on this thread, the write fails with EPIPE instead and
  // the signal stays pending here, harmlessly. Plain sockets use MSG_NOSIGNAL.
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
  std::vector<epoll_event> events(256);
  while (!stopping.load()) {
    int n = epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 50);
    for (int i = 0; i < n; ++i) {
      const uint64_t id = events[i].data.u64;
      if (id == 0) {
        Accept();
      } else if (id == UINT64_MAX) {
        TakeDone();
      } else {
        auto it = conns.find(id);
        if (it != conns.end()) OnEvent(it->second.get(), events[i].events);
      }
    }
    CheckDeadlines();
  }
}

void BoundedHttpServer::Loop::Work() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu);
      jobs_cv.wait(lock, [this] { return workers_stop || !jobs.empty(); });
      if (jobs.empty()) return;
      job = std::move(jobs.front());
      jobs.pop_front();
    }
    HttpResponse res;
    try {
      handler(job.request, res);
    } catch (...) {
      res = HttpResponse();
      res.status = 500;
      HttpParseError error{500, "internal", "internal error"};
      if (render_error) render_error(error, &job.request, res);
    }
    if (hook) hook(job.request, res);
    const bool close = WantsClose(job.request);
    std::string bytes = Serialize(res, job.request.method == "HEAD", close);
    {
      std::lock_guard<std::mutex> lock(mu);
      done.push_back(Done{job.conn_id, std::move(bytes), close});
    }
    const uint64_t one = 1;
    (void)!::write(wake_fd, &one, sizeof(one));
  }
}

BoundedHttpServer::BoundedHttpServer(BoundedHttpServerOptions options)
    : options_(std::move(options)) {}

BoundedHttpServer::~BoundedHttpServer() { Stop(); }

absl::StatusOr<std::unique_ptr<BoundedHttpServer>> BoundedHttpServer::Bind(
    BoundedHttpServerOptions options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return InvalidField("--tls_cert/--tls_key", "set both or neither");
  }
  auto server = std::unique_ptr<BoundedHttpServer>(new BoundedHttpServer(options));
  auto loop = std::make_unique<Loop>(options);
  if (!options.tls_cert_file.empty()) {
    loop->ssl_ctx.reset(SSL_CTX_new(TLS_server_method()));
    SSL_CTX* ctx = loop->ssl_ctx.get();
    if (ctx == nullptr || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        SSL_CTX_use_certificate_chain_file(ctx, options.tls_cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, options.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      ERR_clear_error();
      return MakeError(absl::StatusCode::kUnavailable, "tls_load_failed",
                       "--tls_cert/--tls_key: cannot load the certificate or key");
    }
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  }
  auto bind_failed = [&options] {
    return MakeError(absl::StatusCode::kUnavailable, "bind_failed",
                     absl::StrCat("--http_listen: cannot bind ", options.host, ":", options.port));
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options.port);
  if (getaddrinfo(options.host.c_str(), port.c_str(), &hints, &found) != 0) return bind_failed();
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, options.listen_backlog) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) return bind_failed();
  loop->listen_fd = fd;
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  PeerAddress(ss, &server->port_);
  server->loop_ = std::move(loop);
  return server;
}

void BoundedHttpServer::Serve(Handler handler, ErrorRenderer render_error, ExchangeHook hook) {
  Loop* loop = loop_.get();
  loop->options = options_;
  loop->handler = std::move(handler);
  loop->render_error = std::move(render_error);
  loop->hook = std::move(hook);
  loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;
  epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->listen_fd, &ev);
  ev.data.u64 = UINT64_MAX;
  epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->wake_fd, &ev);
  const int workers = std::max(1, options_.worker_threads);
  for (int i = 0; i < workers; ++i) loop->workers.emplace_back([loop] { loop->Work(); });
  loop->thread = std::thread([loop] { loop->Run(); });
}

void BoundedHttpServer::Stop() {
  if (stopped_ || loop_ == nullptr) return;
  stopped_ = true;
  loop_->stopping = true;
  if (loop_->thread.joinable()) loop_->thread.join();
  {
    std::lock_guard<std::mutex> lock(loop_->mu);
    loop_->workers_stop = true;
  }
  loop_->jobs_cv.notify_all();
  for (std::thread& t : loop_->workers) t.join();
  loop_.reset();  // closes every socket
}

BoundedHttpServerStats BoundedHttpServer::stats() const {
  BoundedHttpServerStats s;
  if (loop_ == nullptr) return s;
  s.open_connections = loop_->open.load();
  s.refused_connections = loop_->refused_conns.load();
  s.timed_out_requests = loop_->timed_out.load();
  s.refused_requests = loop_->refused_reqs.load();
  s.peak_request_bytes = loop_->peak.load();
  return s;
}

}  // namespace sct::relay
