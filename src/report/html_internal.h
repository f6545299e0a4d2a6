// What the HTML report's source files share inside src/report (not part of the API).
#pragma once
#include <string_view>

namespace covalesce::report::html {

extern const std::string_view kCss;  // html_assets.cc
extern const std::string_view kJs;

}  // namespace covalesce::report::html
