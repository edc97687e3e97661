#pragma once

// Human documentation rendered from the rule registry: `popcheck explain` and docs/rules.md
// (a test checks that the committed docs/rules.md equals render_rules_markdown()).

#include <popcheck/lint/rule.hpp>
#include <string>

namespace popcheck::lint {

std::string render_rule_text(const Rule& rule);
std::string render_rule_list();
std::string render_rules_markdown();
// One rule's section of docs/rules.md without its heading. `link_references`: the docs/ pages it
// cites as links relative to docs/ (right inside docs/rules.md, dead links anywhere else).
std::string render_rule_markdown(const Rule& rule, bool link_references);

} // namespace popcheck::lint
