// LineMap: a map from line numbers to values, kept as one sorted vector.
//
// Every analysed file keeps a multi-line map (one entry per line of a multi-line statement)
// and, with branch data, exit counts (one entry per statement), for as long as the reports
// run. As std::map those were a 48-byte node plus malloc's overhead per entry: on the
// standard library about 250,000 nodes, the largest single part of the reports' memory.
// Here an entry is its two fields. The interface is the part of std::map's that the code
// uses, with the same meaning; lookups are binary searches, and inserting in line order
// (which is how every producer fills one) appends.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <utility>
#include <vector>

namespace covalesce {

template <typename V>
class LineMap {
 public:
  using key_type = int32_t;  // LineNo
  using mapped_type = V;
  using value_type = std::pair<key_type, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  LineMap() = default;
  LineMap(std::initializer_list<value_type> entries) : LineMap(entries.begin(), entries.end()) {}
  template <typename It>
  LineMap(It first, It last) {
    for (; first != last; ++first) insert_or_assign(first->first, first->second);
  }

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  auto rbegin() const { return items_.rbegin(); }
  auto rend() const { return items_.rend(); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }

  iterator find(key_type k) { return Find(items_, k); }
  const_iterator find(key_type k) const { return Find(items_, k); }
  size_t count(key_type k) const { return find(k) != end() ? 1 : 0; }
  bool contains(key_type k) const { return find(k) != end(); }
  const V& at(key_type k) const {
    auto it = find(k);
    if (it == end()) throw std::out_of_range("LineMap::at");
    return it->second;
  }

  V& operator[](key_type k) { return Slot(k).first->second; }
  std::pair<iterator, bool> insert_or_assign(key_type k, V v) {
    auto slot = Slot(k);
    slot.first->second = std::move(v);
    return slot;
  }
  // std::map's hinted form; the hint is not needed (appending in order is already cheap).
  iterator insert_or_assign(const_iterator, key_type k, V v) { return insert_or_assign(k, std::move(v)).first; }
  std::pair<iterator, bool> emplace(key_type k, V v) {  // leaves an existing entry as it is
    auto slot = Slot(k);
    if (slot.second) slot.first->second = std::move(v);
    return slot;
  }

  bool operator==(const LineMap&) const = default;

 private:
  // One search for both constnesses: Items is the vector or the const vector.
  template <class Items>
  static auto LowerBound(Items& items, key_type k) {
    if (items.empty() || items.back().first < k) return items.end();
    return std::lower_bound(items.begin(), items.end(), k,
                            [](const value_type& e, key_type key) { return e.first < key; });
  }
  template <class Items>
  static auto Find(Items& items, key_type k) {
    auto it = LowerBound(items, k);
    return it != items.end() && it->first == k ? it : items.end();
  }
  // The entry for k, added (value-initialised) where missing; second: whether it was added.
  std::pair<iterator, bool> Slot(key_type k) {
    auto it = LowerBound(items_, k);
    if (it != items_.end() && it->first == k) return {it, false};
    return {items_.insert(it, value_type(k, V{})), true};
  }

  std::vector<value_type> items_;
};

}  // namespace covalesce
