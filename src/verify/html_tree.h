// A minimal HTML element tree, enough to read generated reports back: start and end tags with
// quoted or bare attribute values, void elements, comments, <!DOCTYPE>, raw <script>/<style>
// text, and character references decoded in text and attribute values. An end tag closes the
// nearest open element of its name (as Python's html.parser-based readers in the tests do).
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace covalesce::verify {

struct HtmlNode {
  std::string tag;  // "" for a text node
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string text;             // a text node's decoded text
  std::vector<size_t> children;  // indexes into HtmlTree::nodes

  const std::string* attr(std::string_view name) const;
  bool has_class(std::string_view cls) const;
};

class HtmlTree {
 public:
  explicit HtmlTree(std::string_view html);
  const HtmlNode& node(size_t i) const { return nodes_[i]; }
  size_t root() const { return 0; }

  // Every element below `from` (itself included), in document order, for which pred holds.
  template <typename Pred>
  std::vector<size_t> FindAll(size_t from, Pred pred) const {
    std::vector<size_t> out;
    Walk(from, [&](size_t i) {
      if (pred(nodes_[i])) out.push_back(i);
      return false;
    });
    return out;
  }
  // The first such element, or npos.
  template <typename Pred>
  size_t Find(size_t from, Pred pred) const {
    size_t found = npos;
    Walk(from, [&](size_t i) {
      if (!pred(nodes_[i])) return false;
      found = i;
      return true;
    });
    return found;
  }
  // The concatenated text below `i`.
  std::string Text(size_t i) const;
  // The element children of `i` with this tag.
  std::vector<size_t> Children(size_t i, std::string_view tag) const;

  static constexpr size_t npos = size_t(-1);

 private:
  template <typename Visit>
  bool Walk(size_t i, Visit&& visit) const {  // true: stop
    if (!nodes_[i].tag.empty() && visit(i)) return true;
    for (size_t c : nodes_[i].children) {
      if (Walk(c, visit)) return true;
    }
    return false;
  }
  std::vector<HtmlNode> nodes_;
};

// Character references (&amp; &#39; &#x219B; &nbsp; ...) decoded to UTF-8; unknown ones kept.
std::string DecodeEntities(std::string_view s);

}  // namespace covalesce::verify
