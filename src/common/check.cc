#include <cstdio>
#include <cstdlib>

#include "common/result.h"

namespace sluice {

void CheckFailed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "sluice: invariant violated: %s at %s:%d\n", expr, file, line);
  std::abort();
}

}  // namespace sluice
