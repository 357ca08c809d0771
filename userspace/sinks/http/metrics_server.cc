#include "sinks/http/metrics_server.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/errno_text.h"
#include "sinks/http/microhttpd_library.h"

namespace submitwatch {
namespace {

// Prometheus scrapes one target with one connection; a few more leave room
// for a person with curl, and no more can tie the exporter up.
constexpr unsigned kMaxConnections = 16;
// A connection idle this long (seconds) is closed: a stalled client holds
// nothing for long.
constexpr unsigned kIdleTimeoutS = 30;
// Per connection, for the request's headers; a scrape's request is tiny.
constexpr size_t kConnectionMemory = 32 * 1024;

constexpr std::string_view kIndexPage =
    "submitwatch exporter: the metrics are at /metrics (man submitwatch, SERVE).\n";

MHD_Result Queue(const MicrohttpdApi& mhd, MHD_Connection* connection, unsigned status,
                 std::string_view content_type, std::string_view body,
                 const char* allow = nullptr) {
  // Copied: the body outlives this call only inside MHD. A copy of even a
  // large exposition costs little next to rendering it.
  MHD_Response* response = mhd.create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  const std::string type(content_type);
  mhd.add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type.c_str());
  if (allow != nullptr) mhd.add_response_header(response, MHD_HTTP_HEADER_ALLOW, allow);
  const MHD_Result result = mhd.queue_response(connection, status, response);
  mhd.destroy_response(response);
  return result;
}

bool ParsePort(absl::string_view text, uint16_t* port) {
  uint32_t value = 0;
  if (text.empty() || text.find_first_not_of("0123456789") != absl::string_view::npos ||
      !absl::SimpleAtoi(text, &value) || value > 65535) {
    return false;
  }
  *port = static_cast<uint16_t>(value);
  return true;
}

}  // namespace

std::string ListenAddress::ToString() const {
  return address.ss_family == AF_INET6 ? absl::StrCat("[", host, "]:", port)
                                       : absl::StrCat(host, ":", port);
}

absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view listen) {
  const absl::string_view text(listen.data(), listen.size());
  ListenAddress out;
  absl::string_view host;
  absl::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find("]:");
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--listen: '", text, "': an IPv6 address is written [ADDR]:PORT"));
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--listen: '", text,
          "': write ADDR:PORT with the address spelled out, e.g. 127.0.0.1:9867, "
          "or 0.0.0.0:9867 to listen on every interface"));
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--listen: '", text, "': an IPv6 address is written [ADDR]:PORT"));
    }
  }
  if (!ParsePort(port, &out.port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: '", text, "': the port must be a number from 0 to 65535"));
  }
  out.host = std::string(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.address);
  if (inet_pton(AF_INET, out.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(out.port);
    out.loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
  } else if (inet_pton(AF_INET6, out.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(out.port);
    out.loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: '", text, "': '", host,
                     "' is not a numeric IPv4 or IPv6 address (no names are looked up)"));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const ListenAddress& listen,
                                                                    Handler handler) {
  absl::StatusOr<std::shared_ptr<const MicrohttpdApi>> mhd = LoadMicrohttpd();
  if (!mhd.ok()) return mhd.status();
  std::unique_ptr<MetricsServer> server(new MetricsServer(*std::move(mhd), std::move(handler)));
  const auto on_request = [](void* cls, MHD_Connection* connection, const char* url,
                             const char* method, const char* /*version*/,
                             const char* /*upload_data*/, size_t* upload_data_size,
                             void** /*request_state*/) -> MHD_Result {
    auto* self = static_cast<MetricsServer*>(cls);
    const std::string_view path(url);
    const std::string_view verb(method);
    if (verb != MHD_HTTP_METHOD_GET && verb != MHD_HTTP_METHOD_HEAD) {
      // A body, if any, is discarded with the connection.
      *upload_data_size = 0;
      return Queue(*self->mhd_, connection, MHD_HTTP_METHOD_NOT_ALLOWED,
                   "text/plain; charset=utf-8", "only GET and HEAD\n", "GET, HEAD");
    }
    if (path == "/metrics") {
      const char* accept =
          self->mhd_->lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
      Response response = self->handler_(accept != nullptr ? accept : "");
      return Queue(*self->mhd_, connection, MHD_HTTP_OK, response.content_type, response.body);
    }
    if (path == "/") {
      return Queue(*self->mhd_, connection, MHD_HTTP_OK, "text/plain; charset=utf-8", kIndexPage);
    }
    return Queue(*self->mhd_, connection, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
                 "not found: the metrics are at /metrics\n");
  };
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
  if (listen.address.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  server->daemon_ = server->mhd_->start_daemon(
      flags, listen.port, nullptr, nullptr, on_request, server.get(),
      MHD_OPTION_SOCK_ADDR, reinterpret_cast<const sockaddr*>(&listen.address),
      MHD_OPTION_CONNECTION_LIMIT, kMaxConnections,
      MHD_OPTION_CONNECTION_TIMEOUT, kIdleTimeoutS,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, kConnectionMemory,
      MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    const int err = errno;
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", listen.ToString(), ": ", ErrnoText(err),
        " (another process on that port? pick another with --listen ADDR:PORT)"));
  }
  server->bound_ = listen;
  const MHD_DaemonInfo* info =
      server->mhd_->get_daemon_info(server->daemon_, MHD_DAEMON_INFO_LISTEN_FD);
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  if (info != nullptr &&
      getsockname(info->listen_fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    server->bound_.port = ntohs(bound.ss_family == AF_INET6
                                    ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                    : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  return server;
}

MetricsServer::~MetricsServer() {
  if (daemon_ != nullptr) mhd_->stop_daemon(daemon_);
}

}  // namespace submitwatch
