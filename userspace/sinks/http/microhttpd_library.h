// libmicrohttpd, opened with dlopen by `serve` alone. Linked, it would map
// GnuTLS, p11-kit, libunistring, GMP and the rest of its dependencies into
// every command, and `record`, `check` and `top` lock all they map
// (mlockall): about 5 MiB of TLS code pinned in a recorder that never
// serves HTTP. `ldd submitwatch` shows no libmicrohttpd.
#ifndef SUBMITWATCH_SINKS_HTTP_MICROHTTPD_LIBRARY_H_
#define SUBMITWATCH_SINKS_HTTP_MICROHTTPD_LIBRARY_H_

#include <microhttpd.h>

#include <memory>

#include "absl/status/statusor.h"

namespace submitwatch {

inline constexpr char kMicrohttpdSoname[] = "libmicrohttpd.so.12";
inline constexpr char kMicrohttpdPackages[] =
    "install libmicrohttpd12 (Debian, Ubuntu) or libmicrohttpd (Fedora, RHEL)";

// The functions of microhttpd.h that serve calls. Their types come from the
// header, so a signature this build expects and the library's cannot differ
// without a compile error.
struct MicrohttpdApi {
  decltype(&::MHD_start_daemon) start_daemon = nullptr;
  decltype(&::MHD_stop_daemon) stop_daemon = nullptr;
  decltype(&::MHD_get_daemon_info) get_daemon_info = nullptr;
  decltype(&::MHD_lookup_connection_value) lookup_connection_value = nullptr;
  decltype(&::MHD_create_response_from_buffer) create_response_from_buffer = nullptr;
  decltype(&::MHD_add_response_header) add_response_header = nullptr;
  decltype(&::MHD_queue_response) queue_response = nullptr;
  decltype(&::MHD_destroy_response) destroy_response = nullptr;
};

// Opens the library (never closed: its daemon threads may outlive any
// scope that could close it safely). Fails, saying what to install, when it
// is missing or lacks one of the functions.
absl::StatusOr<std::shared_ptr<const MicrohttpdApi>> LoadMicrohttpd();

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_HTTP_MICROHTTPD_LIBRARY_H_
