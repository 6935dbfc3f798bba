// The library's logger: spdlog logger "mirakuru", level warn unless $MIRAKURU_LOG says
// otherwise (trace, debug, info, warn, error, off).
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace mirakuru::detail {

const std::shared_ptr<spdlog::logger>& logger();

}  // namespace mirakuru::detail
