#include <popcheck/lint/rule.hpp>

#include <algorithm>
#include <array>

namespace popcheck::lint {
namespace {

// nginx -t errors: reported by the parser (conf) and the model; the checks here are null.
constexpr Rule k_rules[] = {
    {.id = "CONF001",
     .default_severity = Severity::error,
     .name = "syntax-error",
     .summary = "The file does not tokenize or nest as nginx requires",
     .rationale = "nginx -t stops at the first syntax error (unbalanced braces, a missing ';', a "
                  "bad quote, a token of 4096 bytes or more); nothing after it is read.",
     .example = "mail {\n    server {\n        protocol pop3\n    }\n",
     .fix = "Terminate every directive with ';' and close every block with '}'.",
     .references = "spec 1.2, 1.5"},
    {.id = "CONF002",
     .default_severity = Severity::error,
     .name = "include-error",
     .summary = "An included file cannot be read, or includes itself",
     .rationale = "A plain include path that does not exist fails nginx -t (a glob that matches "
                  "nothing is fine). nginx does not detect include cycles: it recurses until it runs "
                  "out of file descriptors.",
     .example = "include conf.d/mail.conf;   # file missing",
     .fix = "Fix the path (relative paths are relative to the main file's directory, not to the "
            "including file), or break the cycle.",
     .references = "spec 1.4"},
    {.id = "CONF003",
     .default_severity = Severity::error,
     .name = "unknown-directive",
     .summary = "No loaded nginx module has a directive of this name",
     .rationale = "nginx -t fails with `unknown directive`. Directive names are case-sensitive, and "
                  "without `load_module ...ngx_mail_module.so` every mail directive is unknown.",
     .example = "mail_log /var/log/nginx/mail.log;",
     .fix = "Use the real directive (for mail logging: `error_log FILE info;`), or load the module "
            "that provides it before the first block.",
     .references = "spec 1.3, 1.8"},
    {.id = "CONF004",
     .default_severity = Severity::error,
     .name = "directive-not-allowed-here",
     .summary = "The directive exists, but not in this context",
     .rationale = "nginx -t fails with `\"X\" directive is not allowed here`. Inside mail{} only mail "
                  "directives and include are accepted: http directives such as proxy_pass do not "
                  "work in a mail server.",
     .example = "mail { server { listen 110; proxy_pass 10.0.0.2:110; } }",
     .fix = "Move it to the right block; a mail backend is chosen by the auth_http server "
            "(Auth-Server/Auth-Port), not by proxy_pass.",
     .references = "spec 1.3, 10(a)"},
    {.id = "CONF005",
     .default_severity = Severity::error,
     .name = "invalid-arguments",
     .summary = "Wrong number of arguments, or a block/terminator mismatch",
     .rationale = "nginx -t fails with `invalid number of arguments`, `is not terminated by \";\"` or "
                  "`has no opening \"{\"`.",
     .example = "server_name mail.example.com mail2.example.com;",
     .fix = "Give the directive the arguments its table entry allows.",
     .references = "spec 1.3, 2.1"},
    {.id = "CONF006",
     .default_severity = Severity::error,
     .name = "invalid-value",
     .summary = "A value nginx rejects (flag, time, size, number, enum or list item)",
     .rationale = "nginx -t fails with `invalid value`, `invalid number` or a directive-specific text.",
     .example = "starttls yes;",
     .fix = "Use a value the directive accepts (`starttls on|off|only`).",
     .references = "spec 1.3, 2.1"},
    {.id = "CONF007",
     .default_severity = Severity::error,
     .name = "duplicate-directive",
     .summary = "A directive that may appear once per context appears twice",
     .rationale = "nginx -t fails with `\"X\" directive is duplicate`.",
     .example = "timeout 30s;\ntimeout 60s;",
     .fix = "Keep one occurrence.",
     .references = "spec 2.1"},
    {.id = "CONF008",
     .default_severity = Severity::warning,
     .name = "bad-suppression-comment",
     .summary = "A `# popcheck disable=` comment names no known rule or covers nothing",
     .rationale = "A suppression that matches nothing hides nothing, usually because of a typo in "
                  "the rule id; the finding it was meant for is still reported.",
     .example = "# popcheck disable=POP3OO1\npop3_auth apop;",
     .fix = "Use an id or name from `popcheck explain --list`, and put the comment on the line "
            "before the directive (or at the end of its line).",
     .references = "docs/rules.md"},
};

} // namespace

std::span<const Rule> all_rules() {
  return k_rules;
}

const Rule* find_rule(std::string_view id) {
  const auto it =
      std::find_if(std::begin(k_rules), std::end(k_rules), [&](const Rule& r) { return r.id == id; });
  return it == std::end(k_rules) ? nullptr : &*it;
}

} // namespace popcheck::lint
