#include <popcheck/probe/pattern.hpp>
#include <re2/re2.h>

namespace popcheck::probe {

std::expected<Pattern, std::string> Pattern::compile(std::string_view source) {
  RE2::Options options;
  options.set_log_errors(false); // the library never prints; the error goes into the message
  options.set_encoding(RE2::Options::EncodingLatin1);
  auto re =
      std::make_shared<const re2::RE2>(re2::StringPiece(source.data(), source.size()), options);
  if (!re->ok()) {
    return std::unexpected(re->error());
  }
  return Pattern(std::move(re));
}

bool Pattern::search(std::string_view text) const {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *m_re);
}

std::optional<std::string> Pattern::capture(std::string_view text) const {
  re2::StringPiece groups[2];
  const int n = m_re->NumberOfCapturingGroups() >= 1 ? 2 : 1;
  if (!m_re->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), re2::RE2::UNANCHORED,
                   groups, n)) {
    return std::nullopt;
  }
  const auto& g = groups[n - 1];
  return g.data() == nullptr ? std::string() : std::string(g.data(), g.size());
}

} // namespace popcheck::probe
