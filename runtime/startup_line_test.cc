#include "runtime/startup_line.h"

#include <cstdio>
#include <string>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct {
namespace {

using ::testing::HasSubstr;

TEST(StartupLineTest, FormatsEndpointsInTheGivenOrder) {
  EXPECT_EQ(FormatListeningLine({{"grpc", "127.0.0.1:4001"}}), "listening grpc=127.0.0.1:4001");
  // The relay's order: Python tools take the first field as the http address.
  EXPECT_EQ(FormatListeningLine({{"http", "127.0.0.1:8443"}, {"grpc", "127.0.0.1:4002"}}),
            "listening http=127.0.0.1:8443 grpc=127.0.0.1:4002");
}

TEST(StartupLineTest, PrintWritesOneFlushedLineToStdout) {
  testing::internal::CaptureStdout();
  PrintListeningLine({{"grpc", "[::1]:5000"}});
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "listening grpc=[::1]:5000\n");
}

TEST(StartupLineTest, ParsesWhatItFormats) {
  const std::string line =
      FormatListeningLine({{"http", "127.0.0.1:2"}, {"grpc", "localhost:1"}}) + "\n";
  EXPECT_TRUE(IsListeningLine(line));
  auto fields = ParseListeningLine(line);
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_EQ(fields->size(), 2u);
  EXPECT_EQ(fields->at("grpc"), "localhost:1");
  EXPECT_EQ(fields->at("http"), "127.0.0.1:2");
}

TEST(StartupLineTest, ParseListeningLine) {
  EXPECT_FALSE(ParseListeningLine("hello").ok());
  EXPECT_FALSE(ParseListeningLine("listening grpc").ok());
  auto ok = ParseListeningLine("listening grpc=127.0.0.1:5\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->at("grpc"), "127.0.0.1:5");
}

TEST(StartupLineTest, RejectsMalformedLinesNamingTheProblem) {
  struct Case {
    const char* line;
    const char* problem;
  };
  for (const Case& c : {
           Case{"hello", "does not start with"},
           Case{"listeningx grpc=127.0.0.1:1", "does not start with"},
           Case{"listening", "no endpoint"},
           Case{"listening  \n", "no endpoint"},
           Case{"listening grpc", "\"grpc\" is not NAME=ADDRESS"},
           Case{"listening =127.0.0.1:1", "is not NAME=ADDRESS"},
           Case{"listening grpc=", "is not NAME=ADDRESS"},
           Case{"listening grpc=127.0.0.1", "listening line grpc"},
           Case{"listening grpc=127.0.0.1:70000", "out of range"},
           Case{"listening grpc=127.0.0.1:1 grpc=127.0.0.1:2", "\"grpc\" appears twice"},
       }) {
    auto parsed = ParseListeningLine(c.line);
    ASSERT_FALSE(parsed.ok()) << c.line;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.line;
    EXPECT_EQ(ReasonOf(parsed.status()), "invalid_field") << c.line;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.problem)) << c.line;
  }
  EXPECT_FALSE(IsListeningLine("starting relay"));
}

}  // namespace
}  // namespace sct
