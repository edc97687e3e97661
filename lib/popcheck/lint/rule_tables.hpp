#pragma once

// The two halves of the rule registry; rule.hpp's all_rules() joins them.

#include <popcheck/lint/rule.hpp>

namespace popcheck::lint {

std::span<const Rule> nginx_rules(); // CONFxxx, MAILxxx: reported by the parser and the model
std::span<const Rule> pop3_rules();  // POP3xxx: the pitfall checks (rules_pop3.cpp)
std::span<const Rule> mail_protocol_rules(); // MAIL140-179 (rules_mail_protocol.cpp)
std::span<const Rule> imap_rules();          // IMAPxxx (rules_imap.cpp)
std::span<const Rule> smtp_rules();          // SMTPxxx (rules_smtp.cpp)
std::span<const Rule> mail_rules(); // MAIL101-139: transport and TLS pitfalls (rules_mail.cpp)

} // namespace popcheck::lint
