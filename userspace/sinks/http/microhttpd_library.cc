#include "sinks/http/microhttpd_library.h"

#include <dlfcn.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/library_symbols.h"

namespace submitwatch {

absl::StatusOr<std::shared_ptr<const MicrohttpdApi>> LoadMicrohttpd() {
  // RTLD_LOCAL: neither it nor GnuTLS joins the global scope, so no symbol
  // the tool resolves later binds to them.
  void* handle = dlopen(kMicrohttpdSoname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return absl::FailedPreconditionError(
        absl::StrCat("serve needs libmicrohttpd: ",
                     why != nullptr ? why : absl::StrCat(kMicrohttpdSoname, ": cannot be loaded"),
                     ": ", kMicrohttpdPackages));
  }
  auto api = std::make_shared<MicrohttpdApi>();
  LibrarySymbols symbols(handle);
  symbols.Bind("MHD_start_daemon", api->start_daemon);
  symbols.Bind("MHD_stop_daemon", api->stop_daemon);
  symbols.Bind("MHD_get_daemon_info", api->get_daemon_info);
  symbols.Bind("MHD_lookup_connection_value", api->lookup_connection_value);
  symbols.Bind("MHD_create_response_from_buffer", api->create_response_from_buffer);
  symbols.Bind("MHD_add_response_header", api->add_response_header);
  symbols.Bind("MHD_queue_response", api->queue_response);
  symbols.Bind("MHD_destroy_response", api->destroy_response);
  if (const char* missing = symbols.missing(); missing != nullptr) {
    dlclose(handle);
    return absl::FailedPreconditionError(absl::StrCat(
        "serve: ", kMicrohttpdSoname, " has no function ", missing, " (too old?): ",
        kMicrohttpdPackages));
  }
  return std::shared_ptr<const MicrohttpdApi>(std::move(api));
}

}  // namespace submitwatch
