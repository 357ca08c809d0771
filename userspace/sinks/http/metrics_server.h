// The HTTP side of `submitwatch serve`: GET /metrics answered by a handler,
// on libmicrohttpd's own thread (one thread polls every connection), so a
// slow or stalled scraper never holds up the collector. Bounded: a few
// connections at once, each with a small memory budget and an idle timeout.
// libmicrohttpd is opened by Start (sinks/http/microhttpd_library.h).
#ifndef SUBMITWATCH_SINKS_HTTP_METRICS_SERVER_H_
#define SUBMITWATCH_SINKS_HTTP_METRICS_SERVER_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

struct MHD_Daemon;

namespace submitwatch {

struct MicrohttpdApi;  // sinks/http/microhttpd_library.h

// Where to listen: a numeric IPv4 or IPv6 address and a port.
struct ListenAddress {
  sockaddr_storage address{};
  std::string host;   // as given: "127.0.0.1", "::1"
  uint16_t port = 0;  // 0: any free port (tests)
  bool loopback = false;

  // "127.0.0.1:9867", "[::1]:9867".
  std::string ToString() const;
};

// "ADDR:PORT" or "[ADDR6]:PORT", numeric only (no name lookup). The address
// must be written out: ":9867" or a bare port is refused, so that listening
// beyond this host is always asked for in so many words.
absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view text);

class MetricsServer {
 public:
  struct Response {
    std::string content_type;
    std::string body;
  };
  // Called on the server's thread for each GET (or HEAD) of /metrics, with
  // the request's Accept header ("" when absent).
  using Handler = std::function<Response(std::string_view accept)>;

  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const ListenAddress& listen,
                                                              Handler handler);
  // Stops accepting, closes every connection and joins the server's thread.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The address actually bound (the port the kernel chose for port 0).
  const ListenAddress& bound() const { return bound_; }

 private:
  MetricsServer(std::shared_ptr<const MicrohttpdApi> mhd, Handler handler)
      : mhd_(std::move(mhd)), handler_(std::move(handler)) {}

  std::shared_ptr<const MicrohttpdApi> mhd_;  // opened by Start (dlopen)
  Handler handler_;
  MHD_Daemon* daemon_ = nullptr;
  ListenAddress bound_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_HTTP_METRICS_SERVER_H_
