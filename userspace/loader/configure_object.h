// Phase 2 of a load: the opened (not yet loaded) object set up for a plan:
// the read-only data the programs branch on, map sizes, which programs load
// and where the fentry programs attach. No privileges needed.
#ifndef SUBMITWATCH_LOADER_CONFIGURE_OBJECT_H_
#define SUBMITWATCH_LOADER_CONFIGURE_OBJECT_H_

#include "absl/status/status.h"
#include "loader/load_plan.h"
#include "loader/loader_options.h"

struct submitwatch_bpf;

namespace submitwatch {

absl::Status ConfigureObject(const LoadPlan& plan, const LoaderOptions& options,
                             submitwatch_bpf* skel);

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_CONFIGURE_OBJECT_H_
