// Launch(): starts a scenario topology as separate processes on 127.0.0.1
// with a development PKI (see ecosystem.h for the contract and
// docs/launcher.md for what starts, in what order, with which flags).
#include "scenarios/launcher/launcher.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "runtime/health.grpc.pb.h"
#include "common/status_macros.h"
#include "common/status_mapping.h"
#include "runtime/tls.h"
#include "common/uuid.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "grpcpp/grpcpp.h"
#include "proto/access_point/v1/access_point.grpc.pb.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "runtime/child_process.h"
#include "scenarios/launcher/dev_pki.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;
namespace cav1 = ::credential_authority::v1;
namespace chv1 = ::channel::v1;
namespace dv1 = ::device::v1;
namespace apv1 = ::access_point::v1;

constexpr absl::Duration kRpcTimeout = absl::Seconds(30);

// ---------------------------------------------------------------------------
// Process-wide registry of live ecosystems (for signal teardown).
// ---------------------------------------------------------------------------

std::mutex& RegistryMu() {
  static auto* mu = new std::mutex();
  return *mu;
}
std::set<Ecosystem*>& Registry() {
  static auto* set = new std::set<Ecosystem*>();
  return *set;
}

std::chrono::system_clock::time_point RpcDeadline() {
  return std::chrono::system_clock::now() +
         std::chrono::milliseconds(absl::ToInt64Milliseconds(kRpcTimeout));
}

// A failed RPC as "<what>: <status>" with the original code.
absl::Status RpcError(absl::string_view what, const grpc::Status& s) {
  absl::Status st = FromGrpcStatus(s);
  return absl::Status(st.code(), absl::StrCat(what, ": ", st.message()));
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

absl::Duration MustDuration(const std::string& text, absl::Duration dflt) {
  absl::Duration d;
  if (text.empty() || !absl::ParseDuration(text, &d)) return dflt;
  return d;
}

void ToProto(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t ns = absl::ToInt64Nanoseconds(d);
  out->set_seconds(ns / 1000000000);
  out->set_nanos(static_cast<int32_t>(ns % 1000000000));
}

std::string PortOf(const std::string& host_port) {
  size_t colon = host_port.rfind(':');
  return colon == std::string::npos ? "0" : host_port.substr(colon + 1);
}

const char* ApKindFlag(cv1::AccessPointKind kind) {
  switch (kind) {
    case cv1::DOOR:
      return "door";
    case cv1::HOTEL_LOCK:
      return "hotel_lock";
    default:
      return "car";
  }
}

// One service of the topology and how to (re)start it.
struct Node {
  Service svc;
  std::string binary;                    // path under binaries_dir
  std::vector<std::string> args;         // without listen/sim/extra flags
  std::vector<std::string> extra_flags;  // spec.flags, appended last
  std::string grpc_listen_flag = "listen";
  std::string http_listen_flag;  // relay only
  std::string grpc_port = "0";
  std::string http_port = "0";
  std::string trust_file;  // PEM roots its TLS certificate chains to
  bool tls = true;         // device agents serve plaintext
  int starts = 0;
  std::shared_ptr<ChildProcess> proc;
  std::function<absl::Status()> after_start;  // e.g. channel Configure
};

class EcosystemImpl : public Ecosystem {
 public:
  explicit EcosystemImpl(LaunchOptions options) : options_(std::move(options)) {
    std::lock_guard<std::mutex> lock(RegistryMu());
    Registry().insert(this);
  }
  ~EcosystemImpl() override {
    {
      // Waits while a signal thread is stopping this ecosystem.
      std::lock_guard<std::mutex> lock(RegistryMu());
      Registry().erase(this);
    }
    Shutdown();
  }

  absl::Status Build(const sv1::Topology& topology);

  // ---- Ecosystem ----
  const Service* Find(absl::string_view name) const override {
    const Node* n = FindNode(name);
    return n == nullptr ? nullptr : &n->svc;
  }
  std::vector<std::string> Names() const override {
    std::vector<std::string> out;
    for (const auto& n : nodes_) out.push_back(n->svc.name);
    return out;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(
      absl::string_view name) override {
    return ChannelWith(name, "admin");
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(
      absl::string_view name, absl::string_view identity) override {
    return ChannelWith(name, identity);
  }
  absl::Status Kill(absl::string_view name) override;
  absl::Status Start(absl::string_view name) override;
  absl::Status Restart(absl::string_view name) override {
    Node* n = FindNode(name);
    if (n == nullptr) return UnknownService(name);
    if (n->svc.attached) return AttachedError(*n);
    if (n->svc.running) RETURN_IF_ERROR(Kill(name));
    return Start(name);
  }
  std::string OwnerCredentialId(absl::string_view spec_id) const override {
    return Lookup(owner_credentials_, spec_id);
  }
  std::string DeviceId(absl::string_view device) const override {
    return Lookup(device_ids_, device);
  }
  std::string AuthorityId(absl::string_view authority) const override {
    return Lookup(authority_ids_, authority);
  }
  const DevPkiFiles& pki() const override { return files_; }
  std::map<std::string, std::string> Endpoints() const override;
  void Shutdown() override;

 private:
  static std::string Lookup(const std::map<std::string, std::string>& m,
                            absl::string_view key) {
    auto it = m.find(std::string(key));
    return it == m.end() ? "" : it->second;
  }
  static absl::Status UnknownService(absl::string_view name) {
    return absl::NotFoundError(absl::StrCat("unknown service \"", name, "\""));
  }
  static absl::Status AttachedError(const Node& n) {
    return absl::FailedPreconditionError(
        absl::StrCat(n.svc.name, " is attached (", n.svc.grpc_address,
                     "), not launched by this ecosystem"));
  }
  Node* FindNode(absl::string_view name) const {
    auto it = index_.find(std::string(name));
    return it == index_.end() ? nullptr : nodes_[it->second].get();
  }
  Node& AddNode(const std::string& name, ServiceKind kind) {
    auto node = std::make_unique<Node>();
    node->svc.name = name;
    node->svc.kind = kind;
    node->trust_file = pki_->root_cert_file();
    // A signal thread may be iterating nodes_ in Shutdown().
    std::lock_guard<std::mutex> lock(mu_);
    index_[name] = nodes_.size();
    nodes_.push_back(std::move(node));
    return *nodes_.back();
  }
  // Marks `n` attached to `e`.
  void Attach(Node& n, const sv1::Endpoint& e) {
    n.svc.attached = true;
    n.svc.grpc_address = e.grpc_address();
    n.svc.http_url = e.http_url();
    n.svc.sim = e.has_sim_services();
    if (!e.ca_cert_file().empty()) n.trust_file = e.ca_cert_file();
  }
  std::string Log(const std::string& name, const std::string& ext) const {
    return absl::StrCat(options_.work_dir, "/logs/", name, ".", ext);
  }
  std::string Data(const std::string& file) const {
    return absl::StrCat(options_.work_dir, "/data/", file);
  }
  // Starts (or restarts) a launched node and waits for health.
  absl::Status StartNode(Node& n);
  absl::Status HealthCheck(Node& n, absl::Time deadline);
  // The error for a failure of `n` after it started: names it, quotes stderr.
  absl::Status WithStderr(const Node& n, const absl::Status& s) const {
    if (n.svc.attached) {
      return absl::Status(s.code(),
                          absl::StrCat(n.svc.name, ": ", s.message()));
    }
    const std::string tail = TailOfFile(n.svc.stderr_path);
    return absl::Status(
        s.code(), absl::StrCat(n.svc.name, ": ", s.message(), "; stderr (",
                               n.svc.stderr_path, "):\n",
                               tail.empty() ? "(empty)" : tail));
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> CredentialsFor(
      const Node& n, absl::string_view identity);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelWith(
      absl::string_view name, absl::string_view identity);

  // Steps of Build.
  absl::Status StartAuthority(const sv1::AuthoritySpec& spec,
                              const std::vector<std::string>& oem_roots);
  absl::Status StartOem(const sv1::OemSpec& spec);
  absl::Status StartRelay(const sv1::RelaySpec& spec,
                          const sv1::Topology& topology);
  absl::Status StartChannel(const sv1::Topology& topology);
  absl::Status StartAccessPoint(const sv1::AccessPointSpec& spec);
  absl::Status StartDevice(const sv1::DeviceSpec& spec);
  absl::Status BootstrapOwner(const sv1::OwnerCredentialSpec& spec,
                              const sv1::Topology& topology);

  const LaunchOptions options_;
  std::unique_ptr<DevPki> pki_;
  DevPkiFiles files_;
  std::string device_trust_file_;  // dev root + every attach CA
  // Start order; appended under mu_ (Build), read freely by the engine.
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> owner_credentials_;
  std::map<std::string, std::string> device_ids_;
  std::map<std::string, std::string> authority_ids_;
  std::map<std::string, std::string> authority_root_files_;
  std::map<std::string, std::string> oem_of_;  // OEM id -> authority id

  std::mutex shutdown_mu_;  // held for a whole Shutdown()
  mutable std::mutex mu_;   // guards procs and svc state below
  bool shut_down_ = false;  // guarded by mu_
};

// ---------------------------------------------------------------------------
// Starting and stopping nodes.
// ---------------------------------------------------------------------------

absl::Status EcosystemImpl::StartNode(Node& n) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return absl::CancelledError("the ecosystem is shut down");
  }
  ChildProcessSpec spec;
  spec.name = n.svc.name;
  spec.binary = absl::StrCat(options_.binaries_dir, "/", n.binary);
  spec.args.push_back(
      absl::StrCat("--", n.grpc_listen_flag, "=127.0.0.1:", n.grpc_port));
  if (!n.http_listen_flag.empty()) {
    spec.args.push_back(
        absl::StrCat("--", n.http_listen_flag, "=127.0.0.1:", n.http_port));
  }
  spec.args.insert(spec.args.end(), n.args.begin(), n.args.end());
  if (options_.sim_control) {
    spec.args.push_back("--actor_id=" + n.svc.name);
    spec.args.push_back("--sim_control");
  }
  spec.args.insert(spec.args.end(), n.extra_flags.begin(), n.extra_flags.end());
  spec.stderr_path = Log(n.svc.name, "stderr");
  spec.stdout_path = Log(n.svc.name, "stdout");
  if (n.starts > 0 && FileExists(spec.stderr_path)) {
    // Keep the previous run's log (e.g. what a crash left behind).
    std::rename(spec.stderr_path.c_str(),
                absl::StrCat(spec.stderr_path, ".", n.starts).c_str());
  }
  spec.start_timeout = options_.start_timeout;
  const absl::Time deadline = absl::Now() + options_.start_timeout;
  ++n.starts;
  n.svc.stderr_path = spec.stderr_path;
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(spec);
  if (!started.ok()) return started.status();
  std::shared_ptr<ChildProcess> proc = *std::move(started);
  auto grpc_it = proc->listening().find("grpc");
  if (grpc_it == proc->listening().end()) {
    proc->Terminate();
    return absl::UnavailableError(
        absl::StrCat(n.svc.name, ": listening line without grpc="));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) {
      proc->Terminate();
      return absl::CancelledError("the ecosystem is shut down");
    }
    n.proc = proc;
    n.svc.pid = proc->pid();
    n.svc.running = true;
    n.svc.sim = options_.sim_control;
    n.svc.grpc_address = grpc_it->second;
    n.grpc_port = PortOf(grpc_it->second);
    auto http_it = proc->listening().find("http");
    if (http_it != proc->listening().end()) {
      n.svc.http_url = "https://" + http_it->second;
      n.http_port = PortOf(http_it->second);
    }
  }
  absl::Status healthy = HealthCheck(n, deadline);
  if (healthy.ok() && n.after_start) healthy = n.after_start();
  if (!healthy.ok()) {
    absl::Status error = WithStderr(n, healthy);
    proc->Terminate();
    std::lock_guard<std::mutex> lock(mu_);
    n.svc.running = false;
    n.svc.pid = -1;
    n.proc.reset();
    return error;
  }
  return absl::OkStatus();
}

absl::Status EcosystemImpl::HealthCheck(Node& n, absl::Time deadline) {
  ASSIGN_OR_RETURN(auto creds, CredentialsFor(n, "admin"));
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(n.svc.grpc_address, creds));
  grpc::Status last;
  do {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(2));
    grpc::health::v1::HealthCheckResponse resp;
    last = stub->Check(&ctx, {}, &resp);
    if (last.ok() &&
        resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::OkStatus();
    }
    if (n.proc != nullptr && !n.proc->Running()) {
      return absl::UnavailableError(
          absl::StrCat("exited during the health check (",
                       DescribeExit(n.proc->exit_code()), ")"));
    }
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < deadline);
  return RpcError("health check", last);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
EcosystemImpl::CredentialsFor(const Node& n, absl::string_view identity) {
  if (!n.tls) return grpc::InsecureChannelCredentials();
  ASSIGN_OR_RETURN(PkiIdentity id, pki_->Identity(identity));
  return LoadClientCredentials({n.trust_file, id.cert_file, id.key_file});
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> EcosystemImpl::ChannelWith(
    absl::string_view name, absl::string_view identity) {
  Node* n = FindNode(name);
  if (n == nullptr) return UnknownService(name);
  ASSIGN_OR_RETURN(auto creds, CredentialsFor(*n, identity));
  return grpc::CreateChannel(n->svc.grpc_address, creds);
}

absl::Status EcosystemImpl::Kill(absl::string_view name) {
  Node* n = FindNode(name);
  if (n == nullptr) return UnknownService(name);
  if (n->svc.attached) return AttachedError(*n);
  std::shared_ptr<ChildProcess> proc;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!n->svc.running || n->proc == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat(n->svc.name, " is not running"));
    }
    proc = n->proc;
  }
  proc->Kill();
  std::lock_guard<std::mutex> lock(mu_);
  n->svc.running = false;
  n->svc.pid = -1;
  n->proc.reset();
  return absl::OkStatus();
}

absl::Status EcosystemImpl::Start(absl::string_view name) {
  Node* n = FindNode(name);
  if (n == nullptr) return UnknownService(name);
  if (n->svc.attached) return AttachedError(*n);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (n->svc.running && n->proc != nullptr && n->proc->Running()) {
      return absl::FailedPreconditionError(
          absl::StrCat(n->svc.name, " is already running"));
    }
  }
  return StartNode(*n);
}

std::map<std::string, std::string> EcosystemImpl::Endpoints() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::string> out;
  for (const auto& n : nodes_) {
    std::string e = absl::StrCat("grpc=", n->svc.grpc_address);
    if (!n->svc.http_url.empty())
      absl::StrAppend(&e, " http=", n->svc.http_url);
    if (n->svc.attached) {
      absl::StrAppend(&e, " (attached)");
    } else if (!n->svc.running) {
      absl::StrAppend(&e, " (stopped)");
    }
    out[n->svc.name] = e;
  }
  return out;
}

void EcosystemImpl::Shutdown() {
  std::lock_guard<std::mutex> whole(shutdown_mu_);
  std::vector<std::shared_ptr<ChildProcess>> procs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shut_down_ = true;
    for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
      if ((*it)->proc != nullptr) procs.push_back((*it)->proc);
    }
  }
  // SIGTERM to all (reverse start order), then one shared 2 s grace: a gRPC
  // server with a connected client (e.g. the engine's channel) uses its whole
  // shutdown grace, so stopping them one by one could take a minute. Every
  // service makes its acknowledged writes durable before answering, so the
  // SIGKILL after the grace loses nothing a scenario relied on.
  for (const auto& p : procs) p->SendTerm();
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  for (const auto& p : procs) p->AwaitExit(deadline);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& n : nodes_) {
    n->proc.reset();
    n->svc.running = false;
    n->svc.pid = -1;
  }
}

// ---------------------------------------------------------------------------
// Build: PKI, authorities, OEMs, relay, channel, access points, devices,
// owner credentials.
// ---------------------------------------------------------------------------

absl::Status EcosystemImpl::Build(const sv1::Topology& t) {
  const std::string& wd = options_.work_dir;
  for (const char* sub : {"", "/logs", "/data"}) {
    RETURN_IF_ERROR(MakeDirs(wd + sub, 0700));
  }
  ASSIGN_OR_RETURN(pki_, DevPki::Create(wd + "/pki", absl::Now()));
  ASSIGN_OR_RETURN(PkiIdentity admin, pki_->Identity("admin"));
  files_.root_cert = pki_->root_cert_file();
  files_.admin_cert = admin.cert_file;
  files_.admin_key = admin.key_file;
  files_.dir = pki_->dir();

  // Devices trust the dev root and every attached endpoint's CA.
  std::string bundle = ReadAll(files_.root_cert);
  std::set<std::string> extra_cas;
  auto note_ca = [&](const sv1::Endpoint& e) {
    if (!e.ca_cert_file().empty()) extra_cas.insert(e.ca_cert_file());
  };
  if (t.relay().has_attach()) note_ca(t.relay().attach());
  for (const auto& o : t.oems()) note_ca(o.attach());
  for (const auto& a : t.access_points()) note_ca(a.attach());
  for (const std::string& f : extra_cas) {
    auto pem = ReadPemCertificates(f, "attach.ca_cert_file");
    if (!pem.ok()) return pem.status();
    absl::StrAppend(&bundle, "\n", *pem);
  }
  device_trust_file_ = pki_->dir() + "/device-trust.pem";
  RETURN_IF_ERROR(WriteFileWithMode(device_trust_file_, bundle, 0644));

  // OEM attestation roots (made here so the authority trusts them at start).
  std::vector<std::string> oem_roots;
  for (const auto& o : t.oems()) {
    oem_of_[o.id()] = o.authority();
    if (o.has_attach()) continue;
    const std::string key = Data(o.id() + "-attestation.key");
    const std::string cert = Data(o.id() + "-attestation.pem");
    absl::Status root = EnsureOemAttestationRoot(o.id(), key, cert, absl::Now());
    if (!root.ok()) {
      return absl::Status(
          root.code(),
          absl::StrCat(o.id(), ": attestation CA: ", root.message()));
    }
    oem_roots.push_back(absl::StrCat(o.id(), "=", cert));
  }

  for (const auto& a : t.authorities())
    RETURN_IF_ERROR(StartAuthority(a, oem_roots));
  for (const auto& o : t.oems()) RETURN_IF_ERROR(StartOem(o));
  RETURN_IF_ERROR(StartRelay(t.relay(), t));
  RETURN_IF_ERROR(StartChannel(t));
  for (const auto& ap : t.access_points())
    RETURN_IF_ERROR(StartAccessPoint(ap));
  for (const auto& d : t.devices()) RETURN_IF_ERROR(StartDevice(d));
  for (const auto& c : t.owner_credentials())
    RETURN_IF_ERROR(BootstrapOwner(c, t));
  return absl::OkStatus();
}

absl::Status EcosystemImpl::StartAuthority(
    const sv1::AuthoritySpec& spec, const std::vector<std::string>& oem_roots) {
  Node& n = AddNode(spec.id(), ServiceKind::kAuthority);
  if (spec.has_attach()) {
    Attach(n, spec.attach());
  } else {
    ASSIGN_OR_RETURN(PkiIdentity id, pki_->Identity(spec.id()));
    const std::string db =
        spec.store() == sv1::MEMORY ? ":memory:" : Data(spec.id() + ".db");
    n.binary = "credential_authority/ca_server";
    n.args = {"--db_path=" + db,
              "--signing_key=" + Data(spec.id() + "-signing.pem"),
              "--tls_cert=" + id.cert_file,
              "--tls_key=" + id.key_file,
              "--tls_client_ca=" + pki_->root_cert_file(),
              "--oem_roots=" + absl::StrJoin(oem_roots, ","),
              "--admin_cn=admin",
              "--authority_id=" + spec.id()};
    n.extra_flags.assign(spec.flags().begin(), spec.flags().end());
    if (spec.store() != sv1::MEMORY) n.svc.data_files = {db};
    RETURN_IF_ERROR(StartNode(n));
  }
  // Its identity and root (the access points' trust anchor).
  ASSIGN_OR_RETURN(auto channel, Channel(spec.id()));
  auto stub = cav1::CredentialAuthority::NewStub(channel);
  cav1::GetAuthorityInfoResponse info;
  grpc::ClientContext ctx;
  ctx.set_deadline(RpcDeadline());
  grpc::Status s = stub->GetAuthorityInfo(&ctx, {}, &info);
  if (!s.ok()) return WithStderr(n, RpcError("GetAuthorityInfo", s));
  auto root = crypto::Certificate::FromDer(info.root_certificate_der());
  if (!root.ok()) return WithStderr(n, root.status());
  ASSIGN_OR_RETURN(std::string pem, root->ToPem());
  const std::string root_file = Data(spec.id() + "-authority-root.pem");
  RETURN_IF_ERROR(WriteFileWithMode(root_file, pem, 0644));
  authority_ids_[spec.id()] = info.authority_id();
  authority_root_files_[spec.id()] = root_file;
  return absl::OkStatus();
}

absl::Status EcosystemImpl::StartOem(const sv1::OemSpec& spec) {
  Node& n = AddNode(spec.id(), ServiceKind::kOem);
  if (spec.has_attach()) {
    Attach(n, spec.attach());
    return absl::OkStatus();
  }
  const Node* authority = FindNode(spec.authority());
  ASSIGN_OR_RETURN(PkiIdentity id, pki_->Identity(spec.id()));
  const std::string db = Data(spec.id() + ".db");
  n.binary = "oem_server/oem_server";
  n.args = {"--oem_id=" + spec.id(),
            "--db_path=" + db,
            "--attestation_ca_key=" + Data(spec.id() + "-attestation.key"),
            "--attestation_ca_cert=" + Data(spec.id() + "-attestation.pem"),
            "--ca_target=" + authority->svc.grpc_address,
            "--ca_tls_cert=" + id.cert_file,
            "--ca_tls_key=" + id.key_file,
            "--ca_tls_root=" + authority->trust_file,
            "--tls_cert=" + id.cert_file,
            "--tls_key=" + id.key_file,
            "--tls_client_ca=" + pki_->root_cert_file(),
            "--relay_cn=relay"};
  n.extra_flags.assign(spec.flags().begin(), spec.flags().end());
  n.svc.data_files = {db};
  return StartNode(n);
}

absl::Status EcosystemImpl::StartRelay(const sv1::RelaySpec& spec,
                                       const sv1::Topology& t) {
  Node& n = AddNode("relay", ServiceKind::kRelay);
  if (spec.has_attach()) {
    Attach(n, spec.attach());
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(PkiIdentity id, pki_->Identity("relay"));
  n.binary = "relay/relay_server";
  n.grpc_listen_flag = "grpc_listen";
  n.http_listen_flag = "http_listen";
  switch (spec.store()) {
    case sv1::MEMORY:
      n.args.push_back("--store=memory");
      break;
    case sv1::REDIS:
      n.args.push_back("--store=redis");
      n.args.push_back("--redis=" + spec.redis_address());
      break;
    default: {
      const std::string db = Data("relay.db");
      n.args.push_back("--store=sqlite");
      n.args.push_back("--sqlite_path=" + db);
      n.svc.data_files = {db, db + "-wal", db + "-shm"};
    }
  }
  n.args.push_back("--tls_cert=" + id.cert_file);
  n.args.push_back("--tls_key=" + id.key_file);
  if (!spec.default_ttl().empty()) {
    n.args.push_back("--default_ttl=" + spec.default_ttl());
  }
  if (!spec.max_ttl().empty()) n.args.push_back("--max_ttl=" + spec.max_ttl());
  std::vector<std::string> routes;
  for (const auto& o : t.oems()) {
    const Node* oem = FindNode(o.id());
    routes.push_back(
        absl::StrCat("sct-push/", o.id(), "=", oem->svc.grpc_address));
  }
  if (!routes.empty()) {
    n.args.push_back("--push_route=" + absl::StrJoin(routes, ","));
    n.args.push_back("--push_ca_cert=" + device_trust_file_);
    n.args.push_back("--push_client_cert=" + id.cert_file);
    n.args.push_back("--push_client_key=" + id.key_file);
  }
  n.extra_flags.assign(spec.flags().begin(), spec.flags().end());
  return StartNode(n);
}

absl::Status EcosystemImpl::StartChannel(const sv1::Topology& t) {
  Node& n = AddNode("channel", ServiceKind::kChannel);
  ASSIGN_OR_RETURN(PkiIdentity id, pki_->Identity("channel"));
  bool preview_bot = false;
  for (const auto& c : t.channels()) {
    if (c.kind() == cv1::MESSENGER) preview_bot = c.preview_bot();
  }
  n.binary = "channel/channel_server";
  n.args = {"--tls_cert=" + id.cert_file, "--tls_key=" + id.key_file,
            // The preview bot fetches relay pages: trust what devices trust.
            "--preview_bot_ca=" + device_trust_file_,
            absl::StrCat("--preview_bot=", preview_bot ? "true" : "false")};
  std::vector<chv1::ConfigureRequest> configs;
  for (const auto& c : t.channels()) {
    chv1::ConfigureRequest req;
    req.set_kind(c.kind());
    chv1::ChannelConfig* cfg = req.mutable_config();
    ToProto(MustDuration(c.delay(), absl::ZeroDuration()),
            cfg->mutable_delay());
    ToProto(MustDuration(c.jitter(), absl::ZeroDuration()),
            cfg->mutable_jitter());
    cfg->set_loss_probability(c.loss());
    cfg->set_duplicate_probability(c.duplicate());
    cfg->set_max_body_length(c.max_body_length());
    cfg->set_preview_bot(c.preview_bot());
    ToProto(MustDuration(c.preview_delay(), absl::ZeroDuration()),
            cfg->mutable_preview_delay());
    configs.push_back(req);
  }
  // Applied after every (re)start: the channel keeps its settings in memory.
  n.after_start = [this, configs]() -> absl::Status {
    ASSIGN_OR_RETURN(auto channel, Channel("channel"));
    auto stub = chv1::Channel::NewStub(channel);
    for (const auto& req : configs) {
      chv1::ConfigureResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(RpcDeadline());
      grpc::Status s = stub->Configure(&ctx, req, &resp);
      if (!s.ok()) {
        return RpcError(
            absl::StrCat("Configure ", cv1::ChannelKind_Name(req.kind())), s);
      }
    }
    return absl::OkStatus();
  };
  return StartNode(n);
}

absl::Status EcosystemImpl::StartAccessPoint(const sv1::AccessPointSpec& spec) {
  Node& n = AddNode(spec.id(), ServiceKind::kAccessPoint);
  if (spec.has_attach()) {
    Attach(n, spec.attach());
    return absl::OkStatus();
  }
  Node* authority = FindNode(spec.authority());
  // Its HPKE key (symmetric credential keys are sealed to it), registered
  // with the authority before the access point starts.
  // A reused work_dir keeps the key the authority's ledger already holds.
  const std::string key_file = Data(spec.id() + "-hpke.key");
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key, LoadOrCreateKey(key_file));
  {
    ASSIGN_OR_RETURN(auto channel, Channel(spec.authority()));
    auto admin = cav1::CredentialAuthority::NewStub(channel);
    cav1::RegisterAccessPointRequest req;
    auto* reg = req.mutable_access_point();
    reg->set_access_point_id(spec.id());
    reg->set_kind(spec.kind());
    reg->set_display_name(spec.id());
    for (const auto& e : spec.entitlements())
      reg->add_supported_entitlements(e);
    reg->set_public_key(key.PublicKey().SpkiDer());
    cav1::RegisterAccessPointResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(RpcDeadline());
    grpc::Status s = admin->RegisterAccessPoint(&ctx, req, &resp);
    if (!s.ok()) {
      return WithStderr(*authority,
                        RpcError("RegisterAccessPoint " + spec.id(), s));
    }
  }
  ASSIGN_OR_RETURN(PkiIdentity id, pki_->Identity(spec.id()));
  n.binary = "access_point/access_point";
  n.args = {"--ap_id=" + spec.id(),
            absl::StrCat("--kind=", ApKindFlag(spec.kind())),
            "--actions=" + absl::StrJoin(spec.entitlements(), ","),
            "--ca_target=" + authority->svc.grpc_address,
            "--ca_trust_anchor=" + authority_root_files_[spec.authority()],
            "--authority_id=" + authority_ids_[spec.authority()],
            "--ca_tls_ca=" + authority->trust_file,
            "--ca_tls_cert=" + id.cert_file,
            "--ca_tls_key=" + id.key_file,
            "--tls_cert=" + id.cert_file,
            "--tls_key=" + id.key_file,
            "--ap_key=" + key_file,
            std::string("--revocation_mode=") +
                (spec.revocation() == apv1::POLL ? "poll" : "watch")};
  if (!spec.poll_interval().empty()) {
    n.args.push_back("--poll_interval=" + spec.poll_interval());
  }
  n.extra_flags.assign(spec.flags().begin(), spec.flags().end());
  return StartNode(n);
}

absl::Status EcosystemImpl::StartDevice(const sv1::DeviceSpec& spec) {
  Node& n = AddNode(spec.id(), ServiceKind::kDevice);
  n.tls = false;  // the control API is the phone's local UI
  if (spec.has_attach()) {
    Attach(n, spec.attach());
  } else {
    const Node* oem = FindNode(spec.oem());
    const Node* relay = FindNode("relay");
    const Node* channel = FindNode("channel");
    const std::string state = Data(spec.id() + ".state");
    n.binary = "device/device_agent";
    const absl::Duration poll =
        MustDuration(spec.poll_interval(), absl::Seconds(2));
    n.args = {"--device_id=" + spec.id(),
              "--oem_id=" + spec.oem(),
              "--oem_target=" + oem->svc.grpc_address,
              "--relay_grpc_target=" + relay->svc.grpc_address,
              "--channel_target=" + channel->svc.grpc_address,
              "--state_file=" + state,
              "--address=" + spec.addresses(0).address(),
              "--tls_ca=" + device_trust_file_,
              "--poll_initial=" + absl::FormatDuration(poll),
              "--poll_max=" + absl::FormatDuration(poll * 4)};
    if (spec.no_push()) n.args.push_back("--no_push");
    n.extra_flags.assign(spec.flags().begin(), spec.flags().end());
    n.svc.data_files = {state};
    RETURN_IF_ERROR(StartNode(n));
  }
  ASSIGN_OR_RETURN(auto channel, Channel(spec.id()));
  auto stub = dv1::DeviceAgent::NewStub(channel);
  {
    dv1::EnrolResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(RpcDeadline());
    grpc::Status s = stub->Enrol(&ctx, {}, &resp);
    if (!s.ok()) return WithStderr(n, RpcError("Enrol", s));
    device_ids_[spec.id()] = resp.device_id();
  }
  for (const auto& p : spec.personas()) {
    dv1::AddPersonaRequest req;
    req.set_name(p.name());
    req.set_kind(p.kind());
    dv1::AddPersonaResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(RpcDeadline());
    grpc::Status s = stub->AddPersona(&ctx, req, &resp);
    if (!s.ok()) return WithStderr(n, RpcError("AddPersona " + p.name(), s));
  }
  return absl::OkStatus();
}

absl::Status EcosystemImpl::BootstrapOwner(const sv1::OwnerCredentialSpec& spec,
                                           const sv1::Topology& t) {
  Node* device = FindNode(spec.device());
  Node* ap = FindNode(spec.access_point());
  std::string authority_name;
  for (const auto& a : t.access_points()) {
    if (a.id() == spec.access_point()) authority_name = a.authority();
  }
  Node* authority = FindNode(authority_name);
  const std::string what = "owner credential " + spec.id();

  ASSIGN_OR_RETURN(auto dev_channel, Channel(spec.device()));
  auto dev = dv1::DeviceAgent::NewStub(dev_channel);
  dv1::PrepareKeyResponse key;
  {
    dv1::PrepareKeyRequest req;
    req.set_persona(spec.persona());
    grpc::ClientContext ctx;
    ctx.set_deadline(RpcDeadline());
    grpc::Status s = dev->PrepareKey(&ctx, req, &key);
    if (!s.ok()) return WithStderr(*device, RpcError(what + ": PrepareKey", s));
  }
  cav1::BootstrapOwnerResponse owner;
  {
    const absl::Time now = absl::Now();
    cav1::BootstrapOwnerRequest req;
    req.set_request_id(NewUuidV4());
    req.set_access_point_id(spec.access_point());
    req.set_owner_label(spec.label());
    req.set_oem_id(key.oem_id());
    req.set_holder_public_key(key.public_key());
    *req.mutable_holder_attestation() = key.attestation();
    req.set_kind(spec.kind());
    for (const auto& e : spec.entitlements()) req.add_entitlements(e);
    req.mutable_validity()->mutable_not_before()->set_seconds(
        absl::ToUnixSeconds(now + MustDuration(spec.validity().not_before(),
                                               absl::ZeroDuration())));
    req.mutable_validity()->mutable_not_after()->set_seconds(
        absl::ToUnixSeconds(
            now + MustDuration(spec.validity().not_after(), absl::Hours(720))));
    req.set_resharing_allowed(!spec.no_resharing());
    ASSIGN_OR_RETURN(auto channel, Channel(authority_name));
    auto admin = cav1::CredentialAuthority::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(RpcDeadline());
    grpc::Status s = admin->BootstrapOwner(&ctx, req, &owner);
    if (!s.ok())
      return WithStderr(*authority, RpcError(what + ": BootstrapOwner", s));
  }
  {
    dv1::InstallCredentialRequest req;
    req.set_persona(spec.persona());
    req.set_key_id(key.key_id());
    *req.mutable_credential() = owner.credential();
    req.set_label(spec.label());
    dv1::InstallCredentialResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(RpcDeadline());
    grpc::Status s = dev->InstallCredential(&ctx, req, &resp);
    if (!s.ok()) {
      return WithStderr(*device, RpcError(what + ": InstallCredential", s));
    }
    owner_credentials_[spec.id()] = resp.credential_id();
  }
  if (spec.kind() == cv1::SYMMETRIC && !ap->svc.attached) {
    // The access point pulls its key grants periodically; pull now so the
    // credential works from the first step.
    ASSIGN_OR_RETURN(auto channel, Channel(spec.access_point()));
    auto stub = apv1::AccessPoint::NewStub(channel);
    apv1::RefreshResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(RpcDeadline());
    grpc::Status s = stub->Refresh(&ctx, {}, &resp);
    if (!s.ok()) return WithStderr(*ap, RpcError(what + ": Refresh", s));
  }
  return absl::OkStatus();
}

void SignalThread(sigset_t set) {
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  std::cerr << "launcher: signal " << sig << ", stopping every service\n";
  ShutdownAllEcosystems();
  std::cerr << "launcher: stopped\n";
  std::_Exit(128 + sig);
}

}  // namespace

// ---------------------------------------------------------------------------
// Public functions.
// ---------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Ecosystem>> Launch(
    const sv1::Topology& topology, const LaunchOptions& options) {
  ASSIGN_OR_RETURN(ResolvedTopology resolved, ResolveTopology(topology));
  return Launch(resolved, options);
}

absl::StatusOr<std::unique_ptr<Ecosystem>> Launch(
    const ResolvedTopology& resolved, const LaunchOptions& options) {
  if (options.work_dir.empty()) {
    return InvalidField("options.work_dir", "required");
  }
  if (options.binaries_dir.empty()) {
    return InvalidField("options.binaries_dir", "required");
  }
  auto eco = std::make_unique<EcosystemImpl>(options);
  absl::Status s = eco->Build(resolved.proto());
  if (!s.ok()) {
    eco->Shutdown();
    return s;
  }
  return std::unique_ptr<Ecosystem>(std::move(eco));
}

void ShutdownAllEcosystems() {
  // Held throughout, so no ecosystem is destroyed while being stopped.
  std::lock_guard<std::mutex> lock(RegistryMu());
  for (Ecosystem* e : Registry()) e->Shutdown();
}

void InstallTeardownOnSignal() {
  static std::once_flag once;
  std::call_once(once, [] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread(SignalThread, set).detach();
  });
}

std::string DefaultBinariesDir() {
  auto holds = [](const std::string& dir) {
    return !dir.empty() && FileExists(dir + "/relay/relay_server");
  };
  for (const char* env : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    const char* v = std::getenv(env);
    if (v != nullptr && holds(std::string(v) + "/sct_lab")) {
      return std::string(v) + "/sct_lab";
    }
  }
  char buf[4096];
  ssize_t len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (len <= 0) return "";
  const std::string exe(buf, static_cast<size_t>(len));
  if (holds(exe + ".runfiles/sct_lab")) return exe + ".runfiles/sct_lab";
  // .../bazel-bin/scenarios/launcher/sct_up -> .../bazel-bin
  std::string dir = exe;
  for (int i = 0; i < 3; ++i) {
    size_t slash = dir.rfind('/');
    if (slash == std::string::npos) return "";
    dir = dir.substr(0, slash);
  }
  return holds(dir) ? dir : "";
}

}  // namespace sct::scenarios
