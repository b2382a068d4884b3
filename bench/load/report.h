// The run's report: a JSON file with the settings, the machine, latency
// percentiles overall and per second, errors by kind, server figures, kill
// moments and the verification, plus an SVG chart of latency percentiles
// over time with the kills marked (drawn by gnuplot when it is installed).
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "metrics.h"
#include "verify.h"
#include "world.h"

namespace tandem::load {

// Builds the report; `extra` adds fields (server exits, phases) at the top level.
boost::json::object build_report(const World& world, const Metrics& metrics, const Verification& verification,
                                 const boost::json::object& extra);

// Prints the headline figures to stdout.
void print_summary(const boost::json::object& report);

// Writes the chart's data next to `svg_path` and runs gnuplot. Returns "" or why no chart was drawn.
std::string draw_chart(const Metrics& metrics, const std::string& svg_path, const std::string& title);

}  // namespace tandem::load
