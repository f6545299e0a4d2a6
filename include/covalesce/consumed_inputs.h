// Inputs are deleted only after the combined file is in place; but a run killed between
// that rename and its last delete would leave shards that are already in the new data file,
// and a plain `combine` rerun would then replace the data file with those leftovers alone.
// So the data file records the inputs it consumed (meta key "covalesce_consumed": path, size
// and modification time of each), written with it in the one atomic rename, and a rerun
// first finishes the deletes: every recorded input still there unchanged is removed.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "covalesce/result.h"

namespace covalesce {

inline constexpr const char* kConsumedMetaKey = "covalesce_consumed";

// The meta row recording `inputs` (absolute paths) as they are now.
std::pair<std::string, std::string> ConsumedInputsRow(const std::vector<std::string>& inputs);

// Deletes the inputs `data_file` records as consumed that are still there, unchanged.
// Returns how many; a data file that is missing, not SQLite, or records nothing is 0.
Result<size_t> FinishInterruptedDeletes(const std::string& data_file);

}  // namespace covalesce
