#include "possible_arcs.h"

namespace covalesce {

Result<std::vector<SlipcoverArc>> PossibleArcsSource::Get(const std::string& abs_path) {
  const NativeAnalyzer* analyzer = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = done_.find(abs_path); it != done_.end()) return it->second;
    if (!analyzer_ && !analyzer_error_) {
      VersionChoice vc = ChooseNativeVersion(std::nullopt, python_version_);
      AnalysisSettings settings;
      settings.branch = true;  // no exclusions: every arc the source can take
      settings.python_version = vc.modelled ? vc.given : NativeModelledVersions().back();
      auto made = NativeAnalyzer::Create(settings);
      if (made) {
        analyzer_ = std::move(*made);
      } else {
        analyzer_error_ = made.error();
      }
    }
    if (analyzer_error_) return *analyzer_error_;
    analyzer = analyzer_.get();
  }
  // Analysed outside the lock: files of different shards are analysed at once.
  NativeResult r = analyzer->AnalyzeFile(abs_path);
  Result<std::vector<SlipcoverArc>> arcs = Error{};
  if (r.fallback) {
    arcs = Error{r.fallback_reason.empty() ? r.analysis.error : r.fallback_reason};
  } else if (!r.analysis.ok()) {
    arcs = Error{r.analysis.error};
  } else if (!r.analysis.has_arcs) {
    arcs = Error{"no native branch analysis"};
  } else {
    arcs = std::vector<SlipcoverArc>(r.analysis.arcs.begin(), r.analysis.arcs.end());
  }
  std::lock_guard<std::mutex> lock(mu_);
  return done_.try_emplace(abs_path, std::move(arcs)).first->second;
}

}  // namespace covalesce
