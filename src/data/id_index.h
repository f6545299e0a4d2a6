// Internal: SQLite row id -> dense local index, for the shard readers (shard_reader.cc through
// SQLite, sqlite_pages.cc through the pages).
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace covalesce {

inline constexpr uint32_t kMissing = UINT32_MAX;  // an id never added

// Ids are almost always 1..n, so a vector serves; a hash map covers anything else (a
// negative id, or one too large to index a vector by).
class IdIndex {
 public:
  void Add(int64_t id, uint32_t index) {
    if (id >= 0 && id < (int64_t(1) << 22)) {
      if (size_t(id) >= dense_.size()) dense_.resize(size_t(id) + 1, kMissing);
      dense_[size_t(id)] = index;
    } else {
      sparse_[id] = index;
    }
  }
  uint32_t Get(int64_t id) const {
    if (id >= 0 && size_t(id) < dense_.size()) return dense_[size_t(id)];
    if (sparse_.empty()) return kMissing;
    auto it = sparse_.find(id);
    return it == sparse_.end() ? kMissing : it->second;
  }

 private:
  std::vector<uint32_t> dense_;
  std::unordered_map<int64_t, uint32_t> sparse_;
};

}  // namespace covalesce
