#include "relay/metrics.h"

#include <string>
#include <thread>
#include <vector>

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


// The gRPC face records on series (atomics, no lock): the page must read the
// same as if every call had gone through RecordRequest.
TEST(RelayMetricsTest, ASeriesRendersLikeRecordRequest) {
  RelayMetrics by_name, by_series;
  RelayMetrics::CodeSeries* read = by_series.Series("grpc", "read_secure_content");
  RelayMetrics::CodeSeries* create = by_series.Series("grpc", "create_mailbox");
  EXPECT_EQ(by_series.Series("grpc", "read_secure_content"), read);  // one per pair
  const struct {
    RelayMetrics::CodeSeries* series;
    const char* operation;
    absl::StatusCode code;
    absl::Duration latency;
  } calls[] = {
      {read, "read_secure_content", absl::StatusCode::kOk, absl::Microseconds(50)},
      {read, "read_secure_content", absl::StatusCode::kNotFound, absl::Milliseconds(3)},
      {read, "read_secure_content", absl::StatusCode::kOk, absl::Seconds(10)},
      {create, "create_mailbox", absl::StatusCode::kResourceExhausted, absl::Microseconds(120)},
  };
  for (const auto& c : calls) {
    by_name.RecordRequest("grpc", c.operation, absl::StatusCodeToString(c.code), c.latency);
    c.series->Record(static_cast<int>(c.code), c.latency);
  }
  by_name.RecordRequest("http", "create_mailbox", "201", absl::Milliseconds(1));
  by_series.RecordRequest("http", "create_mailbox", "201", absl::Milliseconds(1));
  EXPECT_EQ(by_series.Render(RelayStats{}, 3), by_name.Render(RelayStats{}, 3));
  EXPECT_EQ(by_series.RequestCount("grpc", "read_secure_content", "OK"), 2);
  EXPECT_EQ(by_series.RequestCount("grpc", "read_secure_content", "NOT_FOUND"), 1);
  EXPECT_EQ(by_series.RequestCount("grpc", "create_mailbox", "RESOURCE_EXHAUSTED"), 1);
  EXPECT_EQ(by_series.RequestCount("http", "create_mailbox", "201"), 1);
  // A series nothing was recorded on adds no line.
  RelayMetrics idle;
  idle.Series("grpc", "delete_mailbox");
  EXPECT_THAT(idle.Render(RelayStats{}, 0), Not(HasSubstr("delete_mailbox")));
}

TEST(RelayMetricsTest, ConcurrentCallsOnASeriesAreAllCounted) {
  RelayMetrics m;
  RelayMetrics::CodeSeries* s = m.Series("grpc", "update_mailbox");
  constexpr int kThreads = 4, kCalls = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([s] {
      for (int i = 0; i < kCalls; ++i) s->Record(0, absl::Microseconds(200));
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(m.RequestCount("grpc", "update_mailbox", "OK"), kThreads * kCalls);
  const std::string l = R"(transport="grpc",operation="update_mailbox")";
  EXPECT_THAT(m.Render(RelayStats{}, 0),
              HasSubstr("relay_request_duration_seconds_bucket{" + l + R"(,le="0.00025"} )" +
                        std::to_string(kThreads * kCalls)));
}

}  // namespace
}  // namespace sct::relay
