// Pitfalls of the capability lists: nginx copies pop3_, imap_ and smtp_capabilities verbatim
// into CAPA, CAPABILITY and EHLO and adds its own items (ngx_mail_*_merge_srv_conf();
// docs/nginx-behaviour.md#capa, #imap-capability, #smtp-ehlo). POP3's own rules here; the items
// every protocol shares (MAIL143, MAIL144) too; IMAP's and SMTP's own in checks_imap/smtp.cpp.

#include <map>
#include <popcheck/imap/capabilities.hpp>
#include <popcheck/lint/capability_lists.hpp>
#include <popcheck/lint/checks.hpp>
#include <popcheck/smtp/capabilities.hpp>

namespace popcheck::lint {
namespace {

using model::StarttlsMode;

// Capability tags of RFC 2449, 2595, 5034, 6856 and the IANA POP3 registry.
constexpr std::string_view k_known_tags[] = {
    "TOP",  "USER",           "SASL",           "RESP-CODES", "LOGIN-DELAY", "PIPELINING", "EXPIRE",
    "UIDL", "IMPLEMENTATION", "AUTH-RESP-CODE", "STLS",       "UTF8",        "LANG"};

// Tags that change pre-login behaviour, which nginx's own front end does not implement.
constexpr std::string_view k_pre_login_tags[] = {"UTF8", "LANG"};

// POP3's list, once per list.
template <class Fn> void for_each_pop3_list(const ServerContext& c, Fn fn) {
  if (is_pop3(c.server)) {
    for_each_capability_list(c,
                             [&](const auto& items, const Location& where) { fn(items, where); });
  }
}

void pop3_items_nginx_adds(const model::EffectiveServer& s, const std::vector<std::string>& items,
                           const Location& where, Diagnostics& out) {
  for (const auto& item : items) {
    if (model::iequals(first_word(item), "SASL")) {
      out.push_back(finding(rules::k_capability_nginx_adds, where,
                            "capability \"" + item +
                                "\" duplicates the SASL line nginx builds from pop3_auth",
                            "remove it from pop3_capabilities"));
    } else if (model::iequals(item, "STLS")) {
      const bool off = s.tls.starttls.value == StarttlsMode::off;
      out.push_back(finding(rules::k_capability_nginx_adds, where,
                            off ? "capability \"" + item +
                                      "\" advertises STLS, but starttls is off: STLS answers "
                                      "-ERR invalid command"
                                : "capability \"" + item +
                                      "\" is listed twice in CAPA: nginx adds STLS itself",
                            off ? "remove it, or set starttls only (with a certificate)"
                                : "remove it from pop3_capabilities"));
    }
  }
}

// The STARTTLS item nginx adds itself (IMAP and SMTP say the same): before TLS with `starttls
// on|only`, never after it. `refusal` is the reply STARTTLS gets where it is not offered.
void starttls_item(const model::EffectiveServer& s, const std::string& item, std::string_view reply,
                   std::string_view directive, const Location& where, Diagnostics& out) {
  const bool off = s.tls.starttls.value == StarttlsMode::off;
  out.push_back(finding(
      rules::k_capability_nginx_adds, where,
      off ? "capability \"" + item +
                "\" advertises STARTTLS, but starttls is off: STARTTLS answers " +
                std::string(reply)
          : "capability \"" + item +
                "\" is listed twice before STARTTLS (nginx adds STARTTLS itself) and is still "
                "advertised after it and on ssl listeners, where STARTTLS answers " +
                std::string(reply),
      off ? "remove it, or set starttls only (with a certificate)"
          : "remove it from " + std::string(directive)));
}

void imap_items_nginx_adds(const model::EffectiveServer& s, const std::vector<std::string>& items,
                           const Location& where, Diagnostics& out) {
  const auto enabled = imap::auth_items(s.imap_auth.value);
  const auto implemented =
      imap::auth_items({model::AuthMethod::plain, model::AuthMethod::login,
                        model::AuthMethod::cram_md5, model::AuthMethod::external});
  for (const auto& item : items) {
    const auto word = upper(item);
    if (word == "STARTTLS") {
      starttls_item(s, item, "BAD", "imap_capabilities", where, out);
    } else if (word == "LOGINDISABLED") {
      out.push_back(finding(rules::k_capability_nginx_adds, where,
                            "capability \"" + item +
                                "\" is advertised on every connection, also after STARTTLS and "
                                "on ssl listeners: clients that honour it never send LOGIN",
                            "remove it; \"starttls only\" makes nginx advertise LOGINDISABLED "
                            "before STARTTLS only"));
    } else if (word.starts_with("AUTH=")) {
      std::string message = "capability \"" + item + "\" ";
      if (in(enabled, word)) {
        message += "is listed twice: nginx adds it from imap_auth";
      } else if (in(implemented, word)) {
        message += "is not built from imap_auth, so nginx also advertises it where it would "
                   "not (before STARTTLS with starttls only)";
      } else {
        message += "advertises a mechanism nginx does not implement: AUTHENTICATE " +
                   word.substr(5) + " answers BAD";
      }
      out.push_back(finding(rules::k_capability_nginx_adds, where, std::move(message),
                            "remove it; list the methods in imap_auth"));
    }
  }
}

void smtp_items_nginx_adds(const model::EffectiveServer& s, const std::vector<std::string>& items,
                           const Location& where, Diagnostics& out) {
  const auto enabled = smtp::auth_names(s.smtp_auth.value);
  const auto implemented =
      smtp::auth_names({model::AuthMethod::plain, model::AuthMethod::login,
                        model::AuthMethod::cram_md5, model::AuthMethod::external});
  for (const auto& item : items) {
    const auto keyword = upper(first_word(item));
    if (keyword == "STARTTLS") {
      starttls_item(s, item, "500", "smtp_capabilities", where, out);
      continue;
    }
    if (keyword != "AUTH" && !keyword.starts_with("AUTH=")) {
      continue;
    }
    std::string message = "capability \"" + item + "\" ";
    message += enabled.empty() ? "advertises AUTH, which nginx builds from smtp_auth"
                               : "gives EHLO a second AUTH line: nginx adds its own from smtp_auth";
    if (s.tls.starttls.value == StarttlsMode::only) {
      message += ", and it is advertised before STARTTLS, where nginx refuses AUTH";
    }
    std::string_view rest = item;
    rest.remove_prefix(std::min(rest.size(), std::string_view("AUTH").size()));
    for (std::size_t pos = 0; pos < rest.size();) {
      const auto next = rest.find_first_of(" =", pos);
      const auto name = upper(rest.substr(pos, next == std::string_view::npos ? next : next - pos));
      if (!name.empty() && !in(implemented, name)) {
        message += "; nginx does not implement " + name + " (AUTH " + name + " answers 500)";
      }
      pos = next == std::string_view::npos ? rest.size() : next + 1;
    }
    out.push_back(finding(rules::k_capability_nginx_adds, where, std::move(message),
                          "remove it; list the methods in smtp_auth"));
  }
}

} // namespace

void check_capability_nginx_adds(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  for_each_capability_list(c, [&](const std::vector<std::string>& items, const Location& where) {
    if (is_pop3(s)) {
      pop3_items_nginx_adds(s, items, where, out);
    } else if (is_imap(s)) {
      imap_items_nginx_adds(s, items, where, out);
    } else if (is_smtp(s)) {
      smtp_items_nginx_adds(s, items, where, out);
    }
  });
}

void check_capability_not_honoured(const ServerContext& c, Diagnostics& out) {
  for_each_pop3_list(c, [&](const std::vector<std::string>& items, const Location& where) {
    std::map<std::string, std::string> seen; // upper-cased tag -> first spelling
    for (const auto& item : items) {
      const auto tag = first_word(item);
      if (tag.empty() || tag == ".") {
        continue; // POP3020
      }
      const std::string tag_upper = upper(tag);
      if (auto [it, inserted] = seen.emplace(tag_upper, item); !inserted) {
        out.push_back(finding(rules::k_capability_not_honoured, where,
                              "capability \"" + item + "\" is listed twice (also as \"" +
                                  it->second + "\")"));
        continue;
      }
      if (in(k_pre_login_tags, tag)) {
        out.push_back(finding(rules::k_capability_not_honoured, where,
                              "capability \"" + item +
                                  "\" changes pre-login behaviour that nginx does not implement"));
      } else if (!in(k_known_tags, tag) && !tag_upper.starts_with("X")) {
        out.push_back(finding(rules::k_capability_not_honoured, where,
                              "unknown capability \"" + item +
                                  "\" (not in RFC 2449 or the IANA POP3 registry; experimental "
                                  "ones start with X)"));
      }
    }
  });
}

void check_resp_codes(const ServerContext& c, Diagnostics& out) {
  for_each_pop3_list(c, [&](const std::vector<std::string>& items, const Location& where) {
    for (const auto& item : items) {
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

// An item that breaks its reply's framing (every protocol), or (IMAP) that does not read back as
// the one capability it was meant to be.
void check_broken_capability_item(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  const std::string_view reply = is_pop3(s)   ? "CAPA reply"
                                 : is_imap(s) ? "CAPABILITY line"
                                              : "EHLO reply";
  for_each_capability_list(c, [&](const std::vector<std::string>& items, const Location& where) {
    for (const auto& item : items) {
      if (item.empty()) {
        out.push_back(finding(rules::k_broken_capability_item, where,
                              is_imap(s) ? "an empty capability item puts two spaces into the "
                                           "CAPABILITY line"
                                         : "an empty capability item sends an empty line in the " +
                                               std::string(reply)));
      } else if (item.find_first_of("\r\n") != std::string::npos) {
        out.push_back(
            finding(rules::k_broken_capability_item, where,
                    "a capability item contains CR or LF and breaks the " + std::string(reply)));
      } else if (is_pop3(s) && item == ".") {
        out.push_back(finding(rules::k_broken_capability_item, where,
                              "capability \".\" terminates the CAPA reply early: later lines are "
                              "read as the next reply"));
      } else if (is_imap(s) && item.find_first_of(" (){%*\"\\]") != std::string::npos) {
        auto d = finding(rules::k_broken_capability_item, where,
                         "capability \"" + item +
                             "\" is not one IMAP atom: clients read the CAPABILITY line as "
                             "other capabilities than the one written",
                         "write one capability per argument, without spaces or quotes");
        d.severity = Severity::warning; // the line still parses
        out.push_back(std::move(d));
      }
    }
  });
}

} // namespace popcheck::lint
