// channel_server: the SMS, e-mail and messenger channels (channel.v1.Channel)
// as one process. Flags, wiring, start, wait for SIGTERM/SIGINT, shut down
// cleanly (streams end, scheduler stops, server drains). No logic lives here.
// See docs/channel.md.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "channel/channel_grpc.h"
#include "channel/channel_service.h"
#include "channel/httplib_fetcher.h"
#include "channel/scheduler.h"
#include "common/clock.h"
#include "runtime/grpc_server.h"
#include "runtime/startup_line.h"
#include "common/host_port.h"
#include "sim/flags.h"
#include "sim/sim.h"
#include "runtime/tls.h"

ABSL_FLAG(sct::HostPort, listen, (sct::HostPort{"127.0.0.1", 9400}),
          "HOST:PORT of the gRPC listener (port 0 picks a free port)");
ABSL_FLAG(uint32_t, sms_max_chars, 160,
          "SMS length limit in GSM-7 characters (160 = one segment; up to 39015)");
ABSL_FLAG(uint64_t, seed, 1, "seed of the loss/duplication/jitter choices (reproducible runs)");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain for the listener (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for the listener (with --tls_cert)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: client certificates presented to the listener are verified against "
          "it (not required); with TLS, Audit/SimControl need the admin certificate");
ABSL_FLAG(std::string, preview_bot_ca, "",
          "PEM CA file the preview bot trusts for https previews (empty: system roots)");
ABSL_FLAG(bool, preview_bot, true, "messenger preview bot on at start (Configure can change it)");
ABSL_FLAG(absl::Duration, preview_timeout, absl::Seconds(5), "preview fetch timeout");
ABSL_FLAG(absl::Duration, message_retention, absl::Hours(1),
          "inbox messages, delivery records and preview fetches older than this are dropped "
          "(0: kept until a cap drops them; docs/channel.md \"Retention\")");
ABSL_FLAG(int64_t, inbox_max_messages, 10000,
          "messages one inbox keeps; beyond it the oldest is dropped (0: no cap; up to 1000000)");
ABSL_FLAG(int64_t, delivery_log_max_records, 10000,
          "delivery records, and preview fetches, kept per channel kind; beyond it the oldest "
          "is dropped (0: no cap; up to 1000000)");

namespace sct::channel {
namespace {

[[noreturn]] void Fail(int code, const std::string& message) {
  std::cerr << "channel_server: " << message << std::endl;
  std::exit(code);
}

// The logic's flags (the retention ones: docs/channel.md "Retention"),
// checked: exit 2 naming the flag.
ChannelServiceOptions OptionsFromFlags() {
  ChannelServiceOptions options;
  options.sms_max_chars = absl::GetFlag(FLAGS_sms_max_chars);
  if (options.sms_max_chars < 1 || options.sms_max_chars > 255 * 153) {
    Fail(2, "--sms_max_chars: must be between 1 and 39015");
  }
  options.seed = absl::GetFlag(FLAGS_seed);
  options.messenger_preview_bot = absl::GetFlag(FLAGS_preview_bot);
  const absl::Duration retention = absl::GetFlag(FLAGS_message_retention);
  if (retention < absl::ZeroDuration()) Fail(2, "--message_retention: must not be negative");
  const int64_t inbox_max = absl::GetFlag(FLAGS_inbox_max_messages);
  if (inbox_max < 0 || inbox_max > 1000000) {
    Fail(2, "--inbox_max_messages: must be between 0 and 1000000");
  }
  const int64_t log_max = absl::GetFlag(FLAGS_delivery_log_max_records);
  if (log_max < 0 || log_max > 1000000) {
    Fail(2, "--delivery_log_max_records: must be between 0 and 1000000");
  }
  options.retention = retention;
  options.max_inbox_messages = static_cast<size_t>(inbox_max);
  options.max_delivery_records = static_cast<size_t>(log_max);
  return options;
}

// SimControl.GetMemory's sizes (docs/sim.md "Memory"); `service` outlives
// the server that answers GetMemory.
void ReportSizes(sim::SimState* sim_state, ChannelService* service) {
  if (sim_state == nullptr) return;
  sim_state->AddSizeReporter([service] {
    const ChannelSizes s = service->Sizes();
    return std::vector<std::pair<std::string, uint64_t>>{
        {"inboxes", s.inboxes},
        {"inbox_messages", s.inbox_messages},
        {"deliveries", s.deliveries},
        {"preview_fetches", s.preview_fetches},
        {"inbox_messages_dropped", s.inbox_messages_dropped},
        {"deliveries_dropped", s.deliveries_dropped}};
  });
}

int Main(int argc, char** argv) {
  BlockTerminationSignals();  // before any thread starts
  absl::SetProgramUsageMessage(
      "SCT Lab channel server (SMS, e-mail, messenger). See docs/channel.md.");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) Fail(2, absl::StrCat("unexpected argument \"", rest[1], "\""));

  const absl::Duration preview_timeout = absl::GetFlag(FLAGS_preview_timeout);
  if (preview_timeout <= absl::ZeroDuration()) Fail(2, "--preview_timeout: must be positive");
  const ChannelServiceOptions options = OptionsFromFlags();
  const std::string tls_cert = absl::GetFlag(FLAGS_tls_cert);
  const std::string tls_key = absl::GetFlag(FLAGS_tls_key);
  const std::string tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  if (tls_cert.empty() != tls_key.empty()) Fail(2, "--tls_cert/--tls_key: set both or neither");
  if (tls_cert.empty() && !tls_client_ca.empty()) Fail(2, "--tls_client_ca: needs --tls_cert");
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (!tls_cert.empty()) {
    auto creds = LoadServerCredentials(TlsServerFiles{tls_cert, tls_key, tls_client_ca, false});
    if (!creds.ok()) Fail(2, std::string(creds.status().message()));
    credentials = *creds;
  }
  const std::string preview_ca = absl::GetFlag(FLAGS_preview_bot_ca);
  if (!preview_ca.empty()) {
    auto pem = ReadPemCertificates(preview_ca, "--preview_bot_ca");
    if (!pem.ok()) Fail(2, std::string(pem.status().message()));
  }

  HttplibFetcherOptions fetcher_options;
  fetcher_options.ca_file = preview_ca;
  fetcher_options.timeout = preview_timeout;
  HttplibFetcher fetcher(fetcher_options);
  // --sim_control: SimClock, trace, Audit/SimControl (docs/sim.md); else null.
  std::unique_ptr<sim::SimState> sim_state = sim::StateFromFlags("channel");
  Clock& clock = sim::ClockOr(sim_state.get());
  Scheduler scheduler(&clock);
  ChannelService service(&clock, &scheduler, &fetcher, options);
  ChannelGrpcService grpc_service(&service);
  ReportSizes(sim_state.get(), &service);

  GrpcServerOptions server_options;
  server_options.address = absl::GetFlag(FLAGS_listen).ToString();
  server_options.credentials = credentials;
  server_options.services = {&grpc_service};
  // With TLS only the admin certificate may use the simulation controls;
  // plaintext: loopback callers only.
  sim::AdminAuth admin_auth;
  admin_auth.client_certs = credentials != nullptr;
  auto sim_hooks = sim::ServerHooks::Attach(sim_state.get(), admin_auth, &server_options);
  if (!sim_hooks.ok()) Fail(1, std::string(sim_hooks.status().message()));
  auto server = GrpcServer::Start(server_options);
  if (!server.ok()) Fail(1, std::string(server.status().message()));
  scheduler.Start();

  const HostPort bound{absl::GetFlag(FLAGS_listen).host, (*server)->port()};
  std::cerr << "channel_server: tls=" << (credentials ? "on" : "off")
            << " tls_client_ca=" << (tls_client_ca.empty() ? "none" : "set")
            << " sms_max_chars=" << options.sms_max_chars << " seed=" << options.seed
            << " preview_bot=" << (options.messenger_preview_bot ? "on" : "off")
            << " preview_bot_ca=" << (preview_ca.empty() ? "(system)" : preview_ca)
            << " message_retention=" << absl::FormatDuration(options.retention)
            << " inbox_max_messages=" << options.max_inbox_messages
            << " delivery_log_max_records=" << options.max_delivery_records
            << std::endl;
  sct::PrintListeningLine({{"grpc", bound.ToString()}});

  const int signal = WaitForTerminationSignal();
  std::cerr << "channel_server: signal " << signal << ", shutting down" << std::endl;
  service.Shutdown();  // ends WatchInbox/Tap streams with OK
  (*server)->Shutdown(absl::Seconds(5));
  scheduler.Stop();
  std::cerr << "channel_server: stopped" << std::endl;
  return 0;
}

}  // namespace
}  // namespace sct::channel

int main(int argc, char** argv) { return sct::channel::Main(argc, argv); }
