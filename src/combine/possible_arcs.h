// coverage.py's possible arcs of the sources a slipcover branch file measured, from the native
// analyser, for MapSlipcoverBranches. Made on first use (most combines read no slipcover file)
// and shared by the reading threads.
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "covalesce/native_analysis.h"
#include "covalesce/slipcover_reader.h"

namespace covalesce {

class PossibleArcsSource {
 public:
  // `python_version`: [covalesce] python_version, if set; else the version of python3, else
  // the newest modelled one (a version without a model uses the newest model: the arcs of
  // branch lines do not change between the modelled versions).
  explicit PossibleArcsSource(std::optional<std::string> python_version)
      : python_version_(std::move(python_version)) {}

  // Thread-safe. Errors: coverage.py's NoSource text, a parse error, or why the file has no
  // native analysis.
  Result<std::vector<SlipcoverArc>> Get(const std::string& abs_path);

 private:
  std::optional<std::string> python_version_;
  std::mutex mu_;
  std::unique_ptr<NativeAnalyzer> analyzer_;
  std::optional<Error> analyzer_error_;
  std::unordered_map<std::string, Result<std::vector<SlipcoverArc>>> done_;
};

}  // namespace covalesce
