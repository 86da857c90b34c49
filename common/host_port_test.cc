#include "common/host_port.h"

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "common/errors.h"
#include "gtest/gtest.h"

ABSL_FLAG(sct::HostPort, test_listen, (sct::HostPort{"127.0.0.1", 8080}),
          "a HOST:PORT flag, to check HostPort works as an absl flag type");

namespace sct {
namespace {

TEST(ParseHostPortTest, AcceptsValidAddresses) {
  struct Case {
    std::string in;
    std::string host;
    int port;
  };
  const std::vector<Case> cases = {
      {"127.0.0.1:0", "127.0.0.1", 0},
      {"0.0.0.0:8080", "0.0.0.0", 8080},
      {"localhost:50051", "localhost", 50051},
      {"relay.example.com:443", "relay.example.com", 443},
      {"relay-1.internal:65535", "relay-1.internal", 65535},
      {"a:1", "a", 1},
      {"[::1]:50051", "::1", 50051},
      {"[::]:0", "::", 0},
      {"[2001:db8::1]:443", "2001:db8::1", 443},
      {"[::ffff:127.0.0.1]:80", "::ffff:127.0.0.1", 80},
      {"255.255.255.255:1", "255.255.255.255", 1},
  };
  for (const Case& c : cases) {
    auto hp = ParseHostPort(c.in);
    ASSERT_TRUE(hp.ok()) << c.in << ": " << hp.status();
    EXPECT_EQ(hp->host, c.host) << c.in;
    EXPECT_EQ(hp->port, c.port) << c.in;
    EXPECT_EQ(hp->ToString(), c.in);  // canonical inputs round-trip
  }
}

TEST(ParseHostPortTest, RejectsBadInput) {
  struct Case {
    std::string in;
    std::string problem;
  };
  const std::vector<Case> bad = {
      {"", "empty"},
      {"localhost", "missing ':PORT'"},
      {"8080", "missing ':PORT'"},
      {":8080", "empty host"},
      {"localhost:", "empty port"},
      {"localhost:http", "decimal number"},
      {"localhost:-1", "decimal number"},
      {"localhost:+80", "decimal number"},
      {"localhost:65536", "port 65536 out of range"},
      {"localhost:70000", "port 70000 out of range"},
      {"localhost:99999999999999999999", "out of range"},
      {"localhost:80:80", "IPv6 host must be in brackets"},
      {"::1:50051", "IPv6 host must be in brackets"},
      {"[::1]", "expected ':PORT' after ']'"},
      {"[::1]50051", "expected ':PORT' after ']'"},
      {"[::1:50051", "missing ']'"},
      {"[]:80", "not a valid IPv6 address"},
      {"[1.2.3.4]:80", "not a valid IPv6 address"},
      {"[::g]:80", "not a valid IPv6 address"},
      {"[fe80::1%eth0]:80", "zone ids"},
      {"::1]:80", "IPv6 host must be in brackets"},
      {"host]:80", "unbalanced"},
      {"256.0.0.1:80", "not a valid IPv4 address"},
      {"1.2.3:80", "not a valid IPv4 address"},
      {"1.2.3.4.5:80", "not a valid IPv4 address"},
      {"127.0.0.01:80", "not a valid IPv4 address"},
      {"host_name:80", "only letters, digits"},
      {"-host:80", "starts or ends with '-'"},
      {"host-.example:80", "starts or ends with '-'"},
      {"host..example:80", "empty hostname label"},
      {".example:80", "empty hostname label"},
      {"example.:80", "empty hostname label"},
      {std::string(64, 'a') + ":80", "longer than 63"},
      {"h\xc3\xa9st:80", "non-ASCII"},
      {"http://localhost:80", "IPv6 host must be in brackets"},
      {"localhost/x:80", "only letters, digits"},
      {" localhost:80", "whitespace"},
      {"localhost:80 ", "whitespace"},
      {"localhost :80", "whitespace"},
      {"local\nhost:80", "whitespace"},
      {std::string("localhost:8\0", 12), "control"},
  };
  for (const Case& c : bad) {
    auto hp = ParseHostPort(c.in, "--http_listen");
    ASSERT_FALSE(hp.ok()) << "accepted: " << c.in;
    EXPECT_EQ(hp.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ReasonOf(hp.status()), "invalid_field");
    EXPECT_EQ(hp.status().message().rfind("--http_listen: ", 0), 0u)
        << hp.status();
    EXPECT_NE(hp.status().message().find(c.problem), std::string::npos)
        << c.in << " gave: " << hp.status();
  }
}

TEST(ParseHostPortTest, LongHostnameRejected) {
  std::string host;
  for (int i = 0; i < 30; ++i) host += "abcdefghi.";
  host += "com";
  auto hp = ParseHostPort(host + ":80");
  ASSERT_FALSE(hp.ok());
  EXPECT_NE(hp.status().message().find("longer than 253"), std::string::npos);
}

TEST(HostPortFlagTest, ParsesAndUnparses) {
  HostPort hp;
  std::string error;
  ASSERT_TRUE(AbslParseFlag("[::1]:9000", &hp, &error)) << error;
  EXPECT_EQ(hp, (HostPort{"::1", 9000}));
  EXPECT_EQ(AbslUnparseFlag(hp), "[::1]:9000");
  EXPECT_FALSE(AbslParseFlag("nope", &hp, &error));
  EXPECT_NE(error.find("missing ':PORT'"), std::string::npos) << error;
  EXPECT_EQ(hp, (HostPort{"::1", 9000}));  // unchanged on error
}

TEST(HostPortFlagTest, WorksAsAbslFlag) {
  EXPECT_EQ(absl::GetFlag(FLAGS_test_listen), (HostPort{"127.0.0.1", 8080}));
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag("test_listen");
  ASSERT_NE(flag, nullptr);
  EXPECT_EQ(flag->DefaultValue(), "127.0.0.1:8080");
  std::string error;
  EXPECT_TRUE(flag->ParseFrom("[::1]:0", &error)) << error;
  EXPECT_EQ(absl::GetFlag(FLAGS_test_listen), (HostPort{"::1", 0}));
  EXPECT_FALSE(flag->ParseFrom("0.0.0.0:http", &error));
  EXPECT_NE(error.find("decimal"), std::string::npos) << error;
}

}  // namespace
}  // namespace sct
