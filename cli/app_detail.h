// How `berthctl show` lays out one app for people: its status, then the fields of its kind
// (a process's command and user, a container's image, ports, volumes and limits).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/app_format.h"

namespace berth::cli {

// One "label: value" line of `show`.
using DetailLine = std::pair<std::string, std::string>;

// The lines for an app as the API renders it, `now` giving the age of its state. Fields that
// are absent, null or empty are left out; secrets are shown as the API masks them.
std::vector<DetailLine> app_details(const nlohmann::json& app, TimePoint now);

// Prints `lines` with their values lined up after the longest label.
void render_details(const std::vector<DetailLine>& lines, std::ostream& out);

}  // namespace berth::cli
