// Runs a scenario: one io_context per thread, each serving its share of the
// keep-alive connections; a progress line on stderr once a second; stops at
// the duration or request limit (or when `interrupt` becomes true) and
// returns the merged figures.
#pragma once

#include <atomic>
#include <string>

#include "bench/scenario.h"
#include "bench/stats.h"

namespace sluice::bench {

Report RunLoad(Scenario& scenario, const std::string& scenario_name, const RunOptions& options,
               const std::atomic<bool>& interrupt);

}  // namespace sluice::bench
