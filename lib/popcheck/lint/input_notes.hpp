#pragma once

// popcheck's notes about input it cannot judge the way nginx would (LINTxxx beyond the
// suppression comments): a file that is still a template, an http{} block whose values popcheck
// does not check. Whole-configuration checks, documented in rules_nginx.cpp.

#include <popcheck/lint/context.hpp>

namespace popcheck::lint {

// LINT005: one finding per file that holds a template placeholder (conf::TemplateMark).
void check_template_files(const LintContext& context, Diagnostics& out);
// LINT006: one finding per http{} block read from the main context.
void check_http_blocks(const LintContext& context, Diagnostics& out);

// A template file's nginx errors past its first are knock-ons of its placeholders: keeps, of the
// nginx errors located in each template file, the first, and after it (`nginx` is in nginx's
// order) none for a Jinja-style template, those of lines without a ${NAME} for an envsubst one.
void drop_template_knock_ons(const conf::ConfTree& tree, Diagnostics& nginx);

} // namespace popcheck::lint
