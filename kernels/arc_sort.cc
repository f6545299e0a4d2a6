// Arc keys (PackArc) are sorted with Highway's vqsort, which dispatches to the best target
// by itself inside libhwy_contrib, then deduplicated in place. One hwy::Sorter per thread:
// it owns scratch memory and is not safe to share between concurrent calls.
#include <algorithm>

#include "covalesce/kernels.h"
#include "hwy/contrib/sort/vqsort.h"

namespace covalesce::kernels {

size_t SortUnique(uint64_t* keys, size_t n) {
  if (n < 2) return n;
  thread_local const hwy::Sorter sorter;
  sorter(keys, n, hwy::SortAscending());
  return static_cast<size_t>(std::unique(keys, keys + n) - keys);
}

}  // namespace covalesce::kernels
