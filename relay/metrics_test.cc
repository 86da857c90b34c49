#include "relay/metrics.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::relay {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RelayMetricsTest, CountsRequestsByOperationAndStatus) {
  RelayMetrics m;
  m.RecordRequest("http", "create_mailbox", "200", absl::Milliseconds(1));
  m.RecordRequest("http", "create_mailbox", "200", absl::Milliseconds(2));
  m.RecordRequest("http", "create_mailbox", "400", absl::Milliseconds(2));
  EXPECT_EQ(m.RequestCount("http", "create_mailbox", "200"), 2);
  EXPECT_EQ(m.RequestCount("http", "create_mailbox", "400"), 1);
  EXPECT_EQ(m.RequestCount("grpc", "create_mailbox", "200"), 0);
  std::string text = m.Render(RelayStats{}, 7);
  EXPECT_THAT(text, HasSubstr(
      R"(relay_requests_total{transport="http",operation="create_mailbox",status="200"} 2)"));
  EXPECT_THAT(text, HasSubstr("relay_mailboxes_live 7"));
}

TEST(RelayMetricsTest, HistogramIsCumulative) {
  RelayMetrics m;
  m.RecordRequest("grpc", "read_secure_content", "OK", absl::Microseconds(50));
  m.RecordRequest("grpc", "read_secure_content", "OK", absl::Milliseconds(3));
  m.RecordRequest("grpc", "read_secure_content", "OK", absl::Seconds(10));
  std::string text = m.Render(RelayStats{}, 0);
  const std::string l = R"(transport="grpc",operation="read_secure_content")";
  EXPECT_THAT(text, HasSubstr("relay_request_duration_seconds_bucket{" + l + R"(,le="0.0001"} 1)"));
  EXPECT_THAT(text, HasSubstr("relay_request_duration_seconds_bucket{" + l + R"(,le="0.005"} 2)"));
  EXPECT_THAT(text, HasSubstr("relay_request_duration_seconds_bucket{" + l + R"(,le="2.5"} 2)"));
  EXPECT_THAT(text, HasSubstr("relay_request_duration_seconds_bucket{" + l + R"(,le="+Inf"} 3)"));
  EXPECT_THAT(text, HasSubstr("relay_request_duration_seconds_count{" + l + "} 3"));
}

TEST(RelayMetricsTest, RendersServiceCounters) {
  RelayMetrics m;
  RelayStats s;
  s.mailboxes_swept = 4;
  s.push_sent = 5;
  s.push_failed = 6;
  s.rate_limited = 8;
  std::string text = m.Render(s, -1);
  EXPECT_THAT(text, HasSubstr("relay_mailboxes_swept_total 4"));
  EXPECT_THAT(text, HasSubstr("relay_push_sent_total 5"));
  EXPECT_THAT(text, HasSubstr("relay_push_failed_total 6"));
  EXPECT_THAT(text, HasSubstr("relay_rate_limited_total 8"));
  EXPECT_THAT(text, Not(HasSubstr("relay_mailboxes_live ")));  // could not count
}

}  // namespace
}  // namespace sct::relay
