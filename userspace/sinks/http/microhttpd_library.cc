#include "sinks/http/microhttpd_library.h"

#include <dlfcn.h>

#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

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
  const char* missing = nullptr;
  const auto bind = [&](const char* name, auto& fn) {
    if (missing != nullptr) return;
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(handle, name));
    if (fn == nullptr) missing = name;
  };
  bind("MHD_start_daemon", api->start_daemon);
  bind("MHD_stop_daemon", api->stop_daemon);
  bind("MHD_get_daemon_info", api->get_daemon_info);
  bind("MHD_lookup_connection_value", api->lookup_connection_value);
  bind("MHD_create_response_from_buffer", api->create_response_from_buffer);
  bind("MHD_add_response_header", api->add_response_header);
  bind("MHD_queue_response", api->queue_response);
  bind("MHD_destroy_response", api->destroy_response);
  if (missing != nullptr) {
    dlclose(handle);
    return absl::FailedPreconditionError(absl::StrCat(
        "serve: ", kMicrohttpdSoname, " has no function ", missing, " (too old?): ",
        kMicrohttpdPackages));
  }
  return std::shared_ptr<const MicrohttpdApi>(std::move(api));
}

}  // namespace submitwatch
