// mirakuru/mirakuru.hpp — everything in one include.
#pragma once

#include "mirakuru/cleanup.hpp"
#include "mirakuru/command.hpp"
#include "mirakuru/errors.hpp"
#include "mirakuru/executor.hpp"
#include "mirakuru/executors.hpp"
#include "mirakuru/options.hpp"
#include "mirakuru/output_wait.hpp"
#include "mirakuru/ports.hpp"
#include "mirakuru/probe.hpp"
#include "mirakuru/probe_factories.hpp"
#include "mirakuru/service_description.hpp"
#include "mirakuru/service_set.hpp"
#include "mirakuru/simple_executor.hpp"
#include "mirakuru/timeline.hpp"
