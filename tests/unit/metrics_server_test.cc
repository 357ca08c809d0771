#include "sinks/http/metrics_server.h"

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "http_get.h"

namespace submitwatch {
namespace {

using testing::HttpExchange;

TEST(ParseListenAddressTest, NumericAddressesAndPorts) {
  absl::StatusOr<ListenAddress> a = ParseListenAddress("127.0.0.1:9867");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->port, 9867);
  EXPECT_TRUE(a->loopback);
  EXPECT_EQ(a->address.ss_family, AF_INET);
  EXPECT_EQ(a->ToString(), "127.0.0.1:9867");

  a = ParseListenAddress("127.8.9.10:0");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->loopback);

  a = ParseListenAddress("[::1]:80");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->address.ss_family, AF_INET6);
  EXPECT_TRUE(a->loopback);
  EXPECT_EQ(a->ToString(), "[::1]:80");

  a = ParseListenAddress("0.0.0.0:9867");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(a->loopback);
  a = ParseListenAddress("[::]:9867");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(a->loopback);
  a = ParseListenAddress("192.0.2.7:9867");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(a->loopback);
}

TEST(ParseListenAddressTest, RefusesWhatIsNotWrittenOut) {
  for (const char* bad : {":9867", "9867", "localhost:9867", "127.0.0.1", "127.0.0.1:",
                          "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:9x", "::1:9867",
                          "[::1]9867", "[::1:9867", "", "[]:1"}) {
    absl::StatusOr<ListenAddress> a = ParseListenAddress(bad);
    EXPECT_FALSE(a.ok()) << bad;
    if (!a.ok()) {
      EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument) << bad;
      EXPECT_TRUE(absl::StartsWith(a.status().message(), "--listen: ")) << a.status();
    }
  }
}

TEST(MetricsServerTest, AnswersMetricsWithTheHandlersBodyAndType) {
  absl::StatusOr<ListenAddress> listen = ParseListenAddress("127.0.0.1:0");
  ASSERT_TRUE(listen.ok());
  std::atomic<int> calls{0};
  std::string last_accept;
  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start(*listen, [&](std::string_view accept) {
        ++calls;
        last_accept = std::string(accept);
        return MetricsServer::Response{"text/plain; version=0.0.4; charset=utf-8",
                                       std::string(100000, 'x') + "\n"};
      });
  ASSERT_TRUE(server.ok()) << server.status();
  const uint16_t port = (*server)->bound().port;
  ASSERT_NE(port, 0);

  testing::HttpResponse r =
      HttpExchange(port, "GET /metrics HTTP/1.0\r\nAccept: text/plain;version=0.0.4\r\n\r\n");
  EXPECT_EQ(r.status, 200) << r.headers;
  EXPECT_TRUE(absl::StrContains(r.headers, "Content-Type: text/plain; version=0.0.4; charset=utf-8"))
      << r.headers;
  EXPECT_EQ(r.body, std::string(100000, 'x') + "\n");
  EXPECT_EQ(last_accept, "text/plain;version=0.0.4");

  r = HttpExchange(port, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.status, 200) << r.headers;
  EXPECT_EQ(last_accept, "");

  r = HttpExchange(port, "HEAD /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.status, 200) << r.headers;
  EXPECT_EQ(r.body, "");

  r = HttpExchange(port, "GET /other HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.status, 404) << r.headers;
  r = HttpExchange(port, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.status, 200) << r.headers;
  EXPECT_TRUE(absl::StrContains(r.body, "/metrics")) << r.body;
  r = HttpExchange(port, "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(r.status, 405) << r.headers;
  EXPECT_TRUE(absl::StrContains(r.headers, "Allow: GET, HEAD")) << r.headers;
  EXPECT_EQ(calls.load(), 3);  // GET, GET, HEAD of /metrics
}

TEST(MetricsServerTest, APortInUseIsAnErrorThatSaysSo) {
  absl::StatusOr<ListenAddress> listen = ParseListenAddress("127.0.0.1:0");
  ASSERT_TRUE(listen.ok());
  const auto handler = [](std::string_view) { return MetricsServer::Response{"text/plain", ""}; };
  absl::StatusOr<std::unique_ptr<MetricsServer>> first = MetricsServer::Start(*listen, handler);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<ListenAddress> taken =
      ParseListenAddress(absl::StrCat("127.0.0.1:", (*first)->bound().port));
  ASSERT_TRUE(taken.ok());
  absl::StatusOr<std::unique_ptr<MetricsServer>> second = MetricsServer::Start(*taken, handler);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::StrContains(second.status().message(), "cannot listen on 127.0.0.1:"))
      << second.status();
}

}  // namespace
}  // namespace submitwatch
