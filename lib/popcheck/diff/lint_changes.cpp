#include <algorithm>
#include <map>
#include <popcheck/diff/lint_changes.hpp>
#include <tuple>

namespace popcheck::diff {
namespace {

std::string without_root(std::string text, const std::string& root) {
  if (root.empty()) {
    return text;
  }
  const std::string prefix = root.back() == '/' ? root : root + "/";
  for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) {
    text.erase(at, prefix.size());
  }
  return text;
}

int rank(const std::string& severity) {
  return severity == "error" ? 0 : severity == "warning" ? 1 : 2;
}

using Key = std::tuple<std::string, std::string, std::string>; // rule, severity, message

std::multimap<Key, LintChange> keyed(const std::vector<lint::Finding>& findings,
                                     const std::string& root, bool appeared) {
  std::multimap<Key, LintChange> out;
  for (const auto& f : findings) {
    if (f.suppressed) {
      continue;
    }
    const auto& d = f.diagnostic;
    LintChange c;
    c.appeared = appeared;
    c.rule = d.rule;
    c.severity = to_string(d.severity);
    c.message = without_root(d.message, root);
    c.file = without_root(d.location.file.str(), root);
    c.line = d.location.line;
    out.emplace(Key{c.rule, c.severity, c.message}, std::move(c));
  }
  return out;
}

// Items of `side` whose key occurs fewer times in `other`.
void surplus(const std::multimap<Key, LintChange>& side,
             const std::multimap<Key, LintChange>& other, std::vector<LintChange>& out) {
  for (auto it = side.begin(); it != side.end();) {
    const auto end = side.upper_bound(it->first);
    const auto have = static_cast<std::size_t>(std::distance(it, end));
    const auto there = other.count(it->first);
    auto skip = std::min(have, there);
    for (; it != end; ++it) {
      if (skip > 0) {
        --skip;
        continue;
      }
      out.push_back(it->second);
    }
  }
}

} // namespace

std::vector<LintChange> lint_changes(const std::vector<lint::Finding>& old_findings,
                                     const std::string& old_root,
                                     const std::vector<lint::Finding>& new_findings,
                                     const std::string& new_root) {
  const auto before = keyed(old_findings, old_root, false);
  const auto after = keyed(new_findings, new_root, true);
  std::vector<LintChange> out;
  surplus(after, before, out);
  surplus(before, after, out);
  std::stable_sort(out.begin(), out.end(), [](const LintChange& a, const LintChange& b) {
    return std::make_tuple(!a.appeared, rank(a.severity), a.file, a.line, a.rule) <
           std::make_tuple(!b.appeared, rank(b.severity), b.file, b.line, b.rule);
  });
  return out;
}

} // namespace popcheck::diff
