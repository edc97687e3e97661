// Pitfalls of pop3_capabilities: nginx copies the items verbatim into CAPA
// (ngx_mail_pop3_merge_srv_conf(); docs/nginx-behaviour.md#capa).

#include <algorithm>
#include <map>
#include <popcheck/lint/checks.hpp>
#include <popcheck/lint/context.hpp>
#include <popcheck/model/values.hpp>

namespace popcheck::lint {
namespace {

// Capability tags of RFC 2449, 2595, 5034, 6856 and the IANA POP3 registry.
constexpr std::string_view k_known_tags[] = {
    "TOP",  "USER",           "SASL",           "RESP-CODES", "LOGIN-DELAY", "PIPELINING", "EXPIRE",
    "UIDL", "IMPLEMENTATION", "AUTH-RESP-CODE", "STLS",       "UTF8",        "LANG"};

// Tags that change pre-login behaviour, which nginx's own front end does not implement.
constexpr std::string_view k_pre_login_tags[] = {"UTF8", "LANG"};

std::string_view first_word(std::string_view item) {
  return item.substr(0, item.find(' '));
}

bool in(std::span<const std::string_view> words, std::string_view word) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return model::iequals(w, word); });
}

// Each distinct capability list (by its location) is checked once, however many servers inherit
// it: with the first POP3 server that uses it.
template <class Fn> void for_each_capability_list(const ServerContext& c, Fn fn) {
  const auto& s = c.server;
  if (is_pop3(s) && c.notes.first_with_capability_list(s)) {
    fn(s, where_of(c, s.pop3_capabilities));
  }
}

} // namespace

void check_sasl_in_capabilities(const ServerContext& c, Diagnostics& out) {
  for_each_capability_list(c, [&](const model::EffectiveServer& s, const Location& where) {
    for (const auto& item : s.pop3_capabilities.value) {
      if (model::iequals(first_word(item), "SASL")) {
        out.push_back(finding(rules::k_sasl_in_capabilities, where,
                              "capability \"" + item +
                                  "\" duplicates the SASL line nginx builds from pop3_auth",
                              "remove it from pop3_capabilities"));
      }
    }
  });
}

void check_stls_in_capabilities(const ServerContext& c, Diagnostics& out) {
  for_each_capability_list(c, [&](const model::EffectiveServer& s, const Location& where) {
    for (const auto& item : s.pop3_capabilities.value) {
      if (!model::iequals(item, "STLS")) {
        continue;
      }
      const bool off = s.tls.starttls.value == model::StarttlsMode::off;
      out.push_back(finding(rules::k_stls_in_capabilities, where,
                            off ? "capability \"" + item +
                                      "\" advertises STLS, but starttls is off: STLS answers "
                                      "-ERR invalid command"
                                : "capability \"" + item +
                                      "\" is listed twice in CAPA: nginx adds STLS itself",
                            off ? "remove it, or set starttls only (with a certificate)"
                                : "remove it from pop3_capabilities"));
    }
  });
}

void check_capability_not_honoured(const ServerContext& c, Diagnostics& out) {
  for_each_capability_list(c, [&](const model::EffectiveServer& s, const Location& where) {
    std::map<std::string, std::string> seen; // upper-cased tag -> first spelling
    for (const auto& item : s.pop3_capabilities.value) {
      const auto tag = first_word(item);
      if (tag.empty() || tag == ".") {
        continue; // POP3020
      }
      std::string upper(tag);
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      if (auto [it, inserted] = seen.emplace(upper, item); !inserted) {
        out.push_back(finding(rules::k_capability_not_honoured, where,
                              "capability \"" + item + "\" is listed twice (also as \"" +
                                  it->second + "\")"));
        continue;
      }
      if (in(k_pre_login_tags, tag)) {
        out.push_back(finding(rules::k_capability_not_honoured, where,
                              "capability \"" + item +
                                  "\" changes pre-login behaviour that nginx does not implement"));
      } else if (!in(k_known_tags, tag) && !(upper.starts_with("X"))) {
        out.push_back(finding(rules::k_capability_not_honoured, where,
                              "unknown capability \"" + item +
                                  "\" (not in RFC 2449 or the IANA POP3 registry; experimental "
                                  "ones start with X)"));
      }
    }
  });
}

void check_resp_codes(const ServerContext& c, Diagnostics& out) {
  for_each_capability_list(c, [&](const model::EffectiveServer& s, const Location& where) {
    for (const auto& item : s.pop3_capabilities.value) {
      if (model::iequals(item, "RESP-CODES") || model::iequals(item, "AUTH-RESP-CODE")) {
        out.push_back(finding(rules::k_resp_codes_with_verbatim_auth_errors, where,
                              "\"" + item +
                                  "\" is advertised, but failed logins are answered with the auth "
                                  "server's Auth-Status text verbatim",
                              "make Auth-Status texts start with a response code such as [AUTH]"));
      }
    }
  });
}

void check_broken_capability_item(const ServerContext& c, Diagnostics& out) {
  for_each_capability_list(c, [&](const model::EffectiveServer& s, const Location& where) {
    for (const auto& item : s.pop3_capabilities.value) {
      if (item.empty()) {
        out.push_back(
            finding(rules::k_broken_capability_item, where, "an empty capability item sends an empty CAPA line"));
      } else if (item == ".") {
        out.push_back(finding(rules::k_broken_capability_item, where,
                              "capability \".\" terminates the CAPA reply early: later lines are "
                              "read as the next reply"));
      } else if (item.find_first_of("\r\n") != std::string::npos) {
        out.push_back(finding(rules::k_broken_capability_item, where,
                              "a capability item contains CR or LF and breaks the CAPA framing"));
      }
    }
  });
}

} // namespace popcheck::lint
