#pragma once

// The regular expressions of dialogue scripts (`regex`, `capture`, `each`): RE2 syntax, matched
// in time linear in the line (RE2 never backtracks, so no script can make a match hang the probe,
// whatever it nests: `(a*)*b`), byte by byte (Latin-1: `.` is one byte, as POP3 lines are bytes).
// What RE2 does not have is refused when the script is read: back-references, lookaround.

#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace popcheck::probe {

class Pattern {
public:
  // The error is RE2's ("missing ): (a", "invalid perl operator: (?=").
  static std::expected<Pattern, std::string> compile(std::string_view source);

  // Matches somewhere in `text` (unanchored, as a search).
  bool search(std::string_view text) const;
  // Group 1 of the first match, or the whole match when the pattern has no group; nullopt when
  // it does not match (an unmatched optional group 1 gives "").
  std::optional<std::string> capture(std::string_view text) const;

private:
  explicit Pattern(std::shared_ptr<const re2::RE2> re) : m_re(std::move(re)) {}
  std::shared_ptr<const re2::RE2> m_re; // immutable and thread-safe once compiled
};

} // namespace popcheck::probe
