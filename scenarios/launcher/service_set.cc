#include "scenarios/launcher/service_set.h"

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "grpcpp/grpcpp.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "runtime/health.grpc.pb.h"
#include "runtime/tls.h"

namespace sct::scenarios {
namespace {

std::string PortOf(const std::string& host_port) {
  size_t colon = host_port.rfind(':');
  return colon == std::string::npos ? "0" : host_port.substr(colon + 1);
}

absl::Status UnknownService(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat("unknown service \"", name, "\""));
}

absl::Status AttachedError(const ServiceNode& n) {
  return absl::FailedPreconditionError(absl::StrCat(
      n.svc.name, " is attached (", n.svc.grpc_address, "), not launched by this ecosystem"));
}

absl::Status ShutDownError() { return absl::CancelledError("the ecosystem is shut down"); }

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

scenario::v1::ServiceExit ClassifyExit(const std::string& name, int status, bool died_before,
                                       const std::string& stderr_path) {
  scenario::v1::ServiceExit e;
  e.set_service(name);
  e.set_exit_status(status);
  std::string where;
  if (!stderr_path.empty()) {
    // What the process said: the file itself may not outlive the run (e.g.
    // under bazel test).
    const std::string said = StderrExcerpt(stderr_path);
    where = absl::StrCat("; stderr: ", stderr_path, said.empty() ? "" : ":\n", said);
  }
  const std::string what = absl::StrCat("ended (", DescribeExit(status), ")");
  if (died_before) {
    e.set_kind(scenario::v1::DIED_DURING_RUN);
    e.set_detail(absl::StrCat(what, " during the run, before the launcher stopped it", where));
  } else if (status == 0 || status == 128 + SIGTERM) {
    e.set_kind(scenario::v1::STOPPED_CLEANLY);
    e.set_detail("stopped cleanly");
  } else if (status == 128 + SIGKILL) {
    e.set_kind(scenario::v1::KILLED_AFTER_GRACE);
    e.set_detail(absl::StrCat("still running at the end of the stop grace after SIGTERM: killed "
                              "(exit-time checks such as a sanitizer's leak report could not run)",
                              where));
  } else {
    e.set_kind(scenario::v1::FAILED_AT_SHUTDOWN);
    e.set_detail(absl::StrCat(
        what, " at shutdown",
        status == 23 ? " (23 is the exit status of a LeakSanitizer report)" : "", where));
  }
  return e;
}

ServiceSet::ServiceSet(const LaunchOptions& options, WorkDir dir, DevPki* pki)
    : options_(options), dir_(std::move(dir)), pki_(pki) {}

ServiceNode& ServiceSet::Add(const std::string& name, ServiceKind kind) {
  auto node = std::make_unique<ServiceNode>();
  node->svc.name = name;
  node->svc.kind = kind;
  node->trust_file = pki_->root_cert_file();
  auto planned = plan_.find(name);
  if (planned != plan_.end()) node->host = planned->second;
  std::lock_guard<std::mutex> lock(mu_);
  index_[name] = nodes_.size();
  nodes_.push_back(std::move(node));
  return *nodes_.back();
}

void ServiceSet::Attach(ServiceNode& n, const scenario::v1::Endpoint& e) {
  n.svc.attached = true;
  n.svc.grpc_address = e.grpc_address();
  n.svc.http_url = e.http_url();
  n.svc.sim = e.has_sim_services();
  if (!e.ca_cert_file().empty()) {
    n.trust_file = e.ca_cert_file();
    n.foreign_pki = true;
  }
}

absl::Status ServiceSet::Launch(ServiceNode& n, ServiceCommand command) {
  n.svc.data_files = command.data_files;
  n.command = std::move(command);
  return StartNode(n);
}

ServiceNode* ServiceSet::Find(absl::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : nodes_[it->second].get();
}

std::vector<std::string> ServiceSet::Names() const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) out.push_back(n->svc.name);
  return out;
}

ChildProcessSpec ServiceSet::ProcessSpec(const ServiceNode& n) const {
  const ServiceCommand& c = n.command;
  const bool grpc = !c.grpc_listen_flag.empty();
  ChildProcessSpec spec;
  spec.name = n.svc.name;
  spec.binary = grpc ? absl::StrCat(options_.binaries_dir, "/", c.binary) : c.binary;
  if (grpc) {
    spec.args.push_back(absl::StrCat("--", c.grpc_listen_flag, "=", n.host, ":", n.grpc_port));
    if (!c.http_listen_flag.empty()) {
      spec.args.push_back(absl::StrCat("--", c.http_listen_flag, "=", n.host, ":", n.http_port));
    }
    spec.args.push_back("--source_address=" + n.host);
  }
  spec.args.insert(spec.args.end(), c.args.begin(), c.args.end());
  if (grpc && options_.sim_control) {
    spec.args.push_back("--actor_id=" + n.svc.name);
    spec.args.push_back("--sim_control");
  }
  spec.args.insert(spec.args.end(), c.extra_flags.begin(), c.extra_flags.end());
  spec.stderr_path = dir_.Log(n.svc.name, "stderr");
  spec.stdout_path = dir_.Log(n.svc.name, "stdout");
  spec.wait_for_listening_line = grpc;
  spec.start_timeout = options_.start_timeout;
  return spec;
}

absl::Status ServiceSet::StartNode(ServiceNode& n) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return ShutDownError();
  }
  // A restarted process gets fresh channels (the old ones may sit in a
  // reconnect backoff).
  ForgetChannels(n.svc.name);
  const ChildProcessSpec spec = ProcessSpec(n);
  if (n.starts > 0 && FileExists(spec.stderr_path)) {
    // Keep the previous run's log (e.g. what a crash left behind).
    std::rename(spec.stderr_path.c_str(), absl::StrCat(spec.stderr_path, ".", n.starts).c_str());
  }
  const absl::Time deadline = absl::Now() + options_.start_timeout;
  ++n.starts;
  n.svc.stderr_path = spec.stderr_path;
  ASSIGN_OR_RETURN(std::unique_ptr<ChildProcess> started, ChildProcess::Start(spec));
  std::shared_ptr<ChildProcess> proc = std::move(started);
  std::string grpc_address;
  if (spec.wait_for_listening_line) {
    auto grpc_it = proc->listening().find("grpc");
    if (grpc_it == proc->listening().end()) {
      proc->Terminate();
      return absl::UnavailableError(absl::StrCat(n.svc.name, ": listening line without grpc="));
    }
    grpc_address = grpc_it->second;
  }
  if (!Adopt(n, proc, grpc_address)) {
    proc->Terminate();
    return ShutDownError();
  }
  absl::Status healthy =
      spec.wait_for_listening_line ? HealthCheck(n, deadline) : AwaitProbe(n, deadline);
  if (healthy.ok()) healthy = RestoreClockOffset(n);
  if (healthy.ok() && n.after_start) healthy = n.after_start();
  if (!healthy.ok()) {
    absl::Status error = WithStderr(n, healthy);
    proc->Terminate();
    MarkStopped(n);
    return error;
  }
  return absl::OkStatus();
}

absl::Status ServiceSet::AwaitProbe(ServiceNode& n, absl::Time deadline) {
  absl::Status last = absl::UnavailableError("no readiness probe");
  if (n.probe == nullptr) return last;
  do {
    last = n.probe();
    if (last.ok()) return last;
    if (n.proc != nullptr && !n.proc->Running()) {
      return absl::UnavailableError(
          absl::StrCat("exited before it was ready (", DescribeExit(n.proc->exit_code()), ")"));
    }
    absl::SleepFor(absl::Milliseconds(20));
  } while (absl::Now() < deadline);
  return absl::Status(last.code(), absl::StrCat("not ready in time: ", last.message()));
}

bool ServiceSet::Adopt(ServiceNode& n, const std::shared_ptr<ChildProcess>& proc,
                       const std::string& grpc_address) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return false;
  n.proc = proc;
  n.svc.pid = proc->pid();
  n.svc.running = true;
  if (n.command.grpc_listen_flag.empty()) {
    n.svc.sim = false;
    n.svc.address = n.command.address;
    return true;
  }
  n.svc.sim = options_.sim_control;
  n.svc.grpc_address = grpc_address;
  n.grpc_port = PortOf(grpc_address);
  auto http_it = proc->listening().find("http");
  if (http_it != proc->listening().end()) {
    n.svc.http_url = "https://" + http_it->second;
    n.http_port = PortOf(http_it->second);
  }
  return true;
}

void ServiceSet::MarkStopped(ServiceNode& n) {
  std::lock_guard<std::mutex> lock(mu_);
  n.svc.running = false;
  n.svc.pid = -1;
  n.proc.reset();
}

void ServiceSet::SaveClockOffset(ServiceNode& n) {
  if (!n.svc.sim) return;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ChannelAs(n.svc.name, "admin");
  if (!channel.ok()) return;
  auto stub = ::common::v1::SimControl::NewStub(*channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  ::common::v1::SetClockResponse resp;
  if (!stub->SetClock(&ctx, {}, &resp).ok()) return;
  absl::StatusOr<absl::Time> now = FromProto(resp.now(), "now");
  if (now.ok()) n.clock_offset = *now - absl::Now();
}

absl::Status ServiceSet::RestoreClockOffset(ServiceNode& n) {
  if (!n.svc.sim || n.clock_offset == absl::ZeroDuration()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto channel, ChannelAs(n.svc.name, "admin"));
  auto stub = ::common::v1::SimControl::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  ::common::v1::SetClockRequest req;
  *req.mutable_offset() = ToProtoDuration(n.clock_offset);
  ::common::v1::SetClockResponse resp;
  const absl::Status st = FromGrpcStatus(stub->SetClock(&ctx, req, &resp));
  if (st.ok()) return st;
  return absl::Status(st.code(), absl::StrCat("restoring the clock offset: ", st.message()));
}

absl::Status ServiceSet::HealthCheck(ServiceNode& n, absl::Time deadline) {
  // The admin channel that the set-up calls after it reuse (one handshake).
  ASSIGN_OR_RETURN(auto channel, ChannelAs(n.svc.name, "admin"));
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::Status last;
  do {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    grpc::health::v1::HealthCheckResponse resp;
    last = stub->Check(&ctx, {}, &resp);
    if (last.ok() && resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::OkStatus();
    }
    if (n.proc != nullptr && !n.proc->Running()) {
      return absl::UnavailableError(
          absl::StrCat("exited during the health check (", DescribeExit(n.proc->exit_code()), ")"));
    }
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < deadline);
  const absl::Status st = FromGrpcStatus(last);
  return absl::Status(st.code(), absl::StrCat("health check: ", st.message()));
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ServiceSet::CredentialsFor(
    const ServiceNode& n, absl::string_view identity) {
  if (!n.tls) return grpc::InsecureChannelCredentials();
  if (n.foreign_pki) return LoadClientCredentials({n.trust_file, "", ""});
  ASSIGN_OR_RETURN(PkiIdentity id, pki_->Identity(identity));
  return LoadClientCredentials({n.trust_file, id.cert_file, id.key_file});
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ServiceSet::ChannelAs(absl::string_view name,
                                                                     absl::string_view identity) {
  ServiceNode* n = Find(name);
  if (n == nullptr) return UnknownService(name);
  const auto key = std::make_pair(std::string(name), std::string(identity));
  std::string address;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = channels_.find(key);
    if (it != channels_.end()) return it->second;
    address = n->svc.grpc_address;
  }
  ASSIGN_OR_RETURN(auto creds, CredentialsFor(*n, identity));
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(address, creds);
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return ShutDownError();
  // A concurrent caller may have made one meanwhile: keep the first.
  return channels_.emplace(key, std::move(channel)).first->second;
}

void ServiceSet::ForgetChannels(absl::string_view name) {
  std::vector<std::shared_ptr<grpc::Channel>> dropped;  // released unlocked
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = channels_.begin(); it != channels_.end();) {
    if (it->first.first == name) {
      dropped.push_back(std::move(it->second));
      it = channels_.erase(it);
    } else {
      ++it;
    }
  }
}

absl::Status ServiceSet::Kill(absl::string_view name) {
  ServiceNode* n = Find(name);
  if (n == nullptr) return UnknownService(name);
  if (n->svc.attached) return AttachedError(*n);
  std::shared_ptr<ChildProcess> proc;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!n->svc.running || n->proc == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(n->svc.name, " is not running"));
    }
    proc = n->proc;
  }
  SaveClockOffset(*n);
  proc->Kill();
  MarkStopped(*n);
  ForgetChannels(n->svc.name);
  return absl::OkStatus();
}

absl::Status ServiceSet::Start(absl::string_view name) {
  ServiceNode* n = Find(name);
  if (n == nullptr) return UnknownService(name);
  if (n->svc.attached) return AttachedError(*n);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (n->svc.running && n->proc != nullptr && n->proc->Running()) {
      return absl::FailedPreconditionError(absl::StrCat(n->svc.name, " is already running"));
    }
  }
  return StartNode(*n);
}

absl::Status ServiceSet::Restart(absl::string_view name) {
  ServiceNode* n = Find(name);
  if (n == nullptr) return UnknownService(name);
  if (n->svc.attached) return AttachedError(*n);
  if (n->svc.running) RETURN_IF_ERROR(Kill(name));
  return Start(name);
}

std::map<std::string, std::string> ServiceSet::Endpoints() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::string> out;
  for (const auto& n : nodes_) {
    std::vector<std::string> parts;
    if (n->svc.kind == ServiceKind::kRedis) {
      parts.push_back(absl::StrCat("redis=", n->svc.address));
    } else if (!n->svc.grpc_address.empty() || n->svc.http_url.empty()) {
      parts.push_back(absl::StrCat("grpc=", n->svc.grpc_address));
    }
    if (!n->svc.http_url.empty()) parts.push_back(absl::StrCat("http=", n->svc.http_url));
    std::string e = absl::StrJoin(parts, " ");
    if (n->svc.attached) {
      absl::StrAppend(&e, " (attached)");
    } else if (!n->svc.running) {
      absl::StrAppend(&e, " (stopped)");
    }
    out[n->svc.name] = e;
  }
  return out;
}

void ServiceSet::Shutdown() {
  std::lock_guard<std::mutex> whole(shutdown_mu_);
  struct Stopping {
    std::string name;
    std::string stderr_path;
    std::shared_ptr<ChildProcess> proc;
    bool died_before = false;  // had exited before the SIGTERM
  };
  std::vector<Stopping> procs;
  // The cached channels close before the SIGTERM: a gRPC server waits its
  // whole shutdown grace for a client connection that stays open, and this
  // process would not read the server's GOAWAY on an idle one (no call in
  // progress polls it), so the services would take their grace.
  std::map<std::pair<std::string, std::string>, std::shared_ptr<grpc::Channel>> channels;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
    channels.swap(channels_);
    for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
      if ((*it)->proc == nullptr || !(*it)->svc.running) continue;
      procs.push_back({(*it)->svc.name, (*it)->svc.stderr_path, (*it)->proc, false});
    }
  }
  channels.clear();
  for (Stopping& p : procs) p.died_before = !p.proc->Running();
  // SIGTERM to all (reverse start order), then one shared grace (2 s by
  // default; LaunchOptions::stop_grace): a gRPC
  // server with a connected client (e.g. the engine's channel) uses its whole
  // shutdown grace, so stopping them one by one could take a minute. Every
  // service makes its acknowledged writes durable before answering, so the
  // SIGKILL after the grace loses nothing a scenario relied on.
  const absl::Time term_sent = absl::Now();
  for (const Stopping& p : procs) p.proc->SendTerm();
  const absl::Time deadline = term_sent + options_.stop_grace;
  // Reaped in whatever order they exit, so each one's stop time is its own.
  std::vector<absl::Time> ended(procs.size(), absl::InfiniteFuture());
  for (size_t left = procs.size(); left > 0;) {
    left = 0;
    for (size_t i = 0; i < procs.size(); ++i) {
      if (ended[i] != absl::InfiniteFuture()) continue;
      if (procs[i].proc->Running()) {
        ++left;
      } else {
        ended[i] = absl::Now();
      }
    }
    if (left == 0 || absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(2));  // polling the children's exits
  }
  std::vector<scenario::v1::ServiceExit> exits;
  for (size_t i = 0; i < procs.size(); ++i) {
    const Stopping& p = procs[i];
    const int status = p.proc->AwaitExit(deadline);
    if (ended[i] == absl::InfiniteFuture()) ended[i] = absl::Now();
    exits.push_back(ClassifyExit(p.name, status, p.died_before, p.stderr_path));
    if (!p.died_before) *exits.back().mutable_stop_duration() = ToProtoDuration(ended[i] - term_sent);
  }
  std::lock_guard<std::mutex> lock(mu_);
  exits_ = std::move(exits);
  for (auto& n : nodes_) {
    n->proc.reset();
    n->svc.running = false;
    n->svc.pid = -1;
  }
}

std::vector<scenario::v1::ServiceExit> ServiceSet::Exits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return exits_;
}

absl::Status ServiceSet::WithStderr(const ServiceNode& n, const absl::Status& s) const {
  if (n.svc.attached) {
    return absl::Status(s.code(), absl::StrCat(n.svc.name, ": ", s.message()));
  }
  const std::string said = StderrExcerpt(n.svc.stderr_path);
  return absl::Status(
      s.code(), absl::StrCat(n.svc.name, ": ", s.message(), "; stderr (", n.svc.stderr_path, "):\n",
                             said.empty() ? "(empty)" : said));
}

}  // namespace sct::scenarios
