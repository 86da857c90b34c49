#include "oem_server/server.h"

#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/host_port.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "runtime/files.h"

namespace sct::oem {
namespace {

absl::Status Required(absl::string_view flag, const std::string& value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " is required"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateConfig(const OemServerConfig& config) {
  for (auto [flag, value] : {std::pair<const char*, std::string>{"oem_id", config.service.oem_id},
                             {"db_path", config.db_path},
                             {"attestation_ca_key", config.attestation_ca_key},
                             {"attestation_ca_cert", config.attestation_ca_cert},
                             {"ca_target", config.ca_target}}) {
    RETURN_IF_ERROR(Required(flag, value));
  }
  if (!config.insecure) {
    for (auto [flag, value] :
         {std::pair<const char*, std::string>{"tls_cert", config.server_tls.cert_file},
          {"tls_key", config.server_tls.key_file},
          {"tls_client_ca", config.server_tls.client_ca_file},
          {"relay_cn", config.service.relay_cn},
          {"ca_tls_cert", config.authority_tls.cert_file},
          {"ca_tls_key", config.authority_tls.key_file},
          {"ca_tls_root", config.authority_tls.ca_file}}) {
      RETURN_IF_ERROR(Required(flag, value));
    }
  }
  if (config.service.push_queue_limit < 1) {
    return absl::InvalidArgumentError("--push_queue_limit must be >= 1");
  }
  if (config.service.max_streams_per_device < 1) {
    return absl::InvalidArgumentError("--max_streams_per_device must be >= 1");
  }
  if (!config.vendor_format && !config.agreement_roots.empty()) {
    return absl::InvalidArgumentError(
        "--provisioning_agreements needs --token_model=per_oem_format");
  }
  return ParseHostPort(config.ca_target, "--ca_target").status();
}

absl::StatusOr<std::map<std::string, std::string>> ParseAgreementRoots(absl::string_view text) {
  std::map<std::string, std::string> out;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (kv.first.empty() || kv.second.empty()) {
      return InvalidField("--provisioning_agreements",
                          absl::StrCat("\"", item, "\" is not OEM=FILE"));
    }
    if (!out.emplace(std::string(kv.first), std::string(kv.second)).second) {
      return InvalidField("--provisioning_agreements", absl::StrCat(kv.first, " given twice"));
    }
  }
  return out;
}

absl::Status OemServer::LoadProvisioningFormat() {
  if (!config_.vendor_format) return absl::OkStatus();
  std::map<std::string, std::string> pems;
  for (const auto& [oem, file] : config_.agreement_roots) {
    absl::StatusOr<std::string> pem = ReadWholeFile(file);
    if (!pem.ok()) {
      return InvalidField("--provisioning_agreements",
                          absl::StrCat(oem, ": ", pem.status().message()));
    }
    pems[oem] = *std::move(pem);
  }
  ASSIGN_OR_RETURN(ProvisioningFormat format, ProvisioningFormat::Create(ca_.get(), pems));
  format_ = std::make_unique<ProvisioningFormat>(std::move(format));
  std::cerr << "oem_server: " << config_.service.oem_id
            << " issues its own provisioning format; redeems the formats of: "
            << absl::StrJoin(format_->partners(), ",") << "\n";
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<OemServer>> OemServer::Start(const OemServerConfig& config,
                                                            sim::SimState* sim) {
  std::unique_ptr<OemServer> server(new OemServer(config));
  Clock& clock = sim::ClockOr(sim);
  ASSIGN_OR_RETURN(AttestationCa ca,
                   AttestationCa::LoadOrCreate(config.service.oem_id, config.attestation_ca_key,
                                               config.attestation_ca_cert, clock.Now()));
  server->ca_ = std::make_unique<AttestationCa>(std::move(ca));
  ASSIGN_OR_RETURN(server->registry_, SqliteDeviceRegistry::Open(config.db_path));
  RETURN_IF_ERROR(server->LoadProvisioningFormat());
  RETURN_IF_ERROR(server->ConnectToAuthority(sim));
  server->service_ = std::make_unique<OemService>(config.service, clock, server->registry_.get(),
                                                  server->ca_.get(), server->authority_.get(),
                                                  server->format_.get());
  server->grpc_service_ = std::make_unique<OemGrpcService>(server->service_.get());
  RETURN_IF_ERROR(server->StartGrpcServer(sim));
  return server;
}

OemServer::~OemServer() { Shutdown(); }

// Outbound: mutual TLS to the authority, as this OEM (plaintext when insecure).
absl::Status OemServer::ConnectToAuthority(sim::SimState* sim) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  grpc::ChannelArguments channel_args;
  if (!config_.insecure) {
    ASSIGN_OR_RETURN(credentials, LoadClientCredentials(config_.authority_tls));
    if (!config_.authority_tls_server_name.empty()) {
      channel_args.SetSslTargetNameOverride(config_.authority_tls_server_name);
    }
  }
  authority_stub_ = ::credential_authority::v1::CredentialAuthority::NewStub(
      sim::Channel(config_.ca_target, credentials, "ca", sim, channel_args));
  authority_ =
      std::make_unique<GrpcAuthorityClient>(authority_stub_.get(), config_.authority_timeout);
  return absl::OkStatus();
}

absl::Status OemServer::StartGrpcServer(sim::SimState* sim) {
  GrpcServerOptions options;
  options.address = config_.listen;
  options.services = {grpc_service_.get()};
  if (!config_.insecure) {
    ASSIGN_OR_RETURN(options.credentials, LoadServerCredentials(config_.server_tls));
  } else {
    std::cerr << "oem_server: WARNING --insecure: plaintext gRPC"
              << (config_.service.relay_cn.empty() ? ", Notify open to anyone" : "") << "\n";
  }
  // With TLS the OEM verifies client certificates: only the admin
  // certificate may use the simulation controls; --insecure: loopback only.
  ASSIGN_OR_RETURN(sim_hooks_, sim::ServerHooks::Attach(
                                   sim, sim::AdminAuth{!config_.insecure, "admin"}, &options));
  ASSIGN_OR_RETURN(server_, GrpcServer::Start(options));
  return absl::OkStatus();
}

void OemServer::Shutdown() {
  if (stopped_ || server_ == nullptr) return;
  stopped_ = true;
  service_->Shutdown();  // ends notification streams first
  server_->Shutdown(absl::Seconds(2));
  server_->Wait();
}

}  // namespace sct::oem
