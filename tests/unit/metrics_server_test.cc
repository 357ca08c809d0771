#include "sinks/http/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace submitwatch {
namespace {

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

// One HTTP/1.0 exchange with the server; the whole response.
std::string Exchange(uint16_t port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) response.append(buf, n);
  }
  close(fd);
  return response;
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

  std::string r = Exchange(port, "GET /metrics HTTP/1.0\r\nAccept: text/plain;version=0.0.4\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.0 200") || absl::StartsWith(r, "HTTP/1.1 200")) << r.substr(0, 200);
  EXPECT_TRUE(absl::StrContains(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  EXPECT_TRUE(absl::EndsWith(r, "\r\n\r\n" + std::string(100000, 'x') + "\n"));
  EXPECT_EQ(last_accept, "text/plain;version=0.0.4");

  r = Exchange(port, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(absl::StrContains(r, " 200 ")) << r.substr(0, 200);
  EXPECT_EQ(last_accept, "");

  r = Exchange(port, "HEAD /metrics HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(absl::StrContains(r, " 200 ")) << r;
  EXPECT_FALSE(absl::StrContains(r, "xxx"));

  r = Exchange(port, "GET /other HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(absl::StrContains(r, " 404 ")) << r;
  r = Exchange(port, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(absl::StrContains(r, " 200 ")) << r;
  EXPECT_TRUE(absl::StrContains(r, "/metrics"));
  r = Exchange(port, "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_TRUE(absl::StrContains(r, " 405 ")) << r;
  EXPECT_TRUE(absl::StrContains(r, "Allow: GET, HEAD\r\n")) << r;
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
