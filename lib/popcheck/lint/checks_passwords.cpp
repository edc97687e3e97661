// What the auth methods of every protocol ask of the auth server: challenge-response methods need
// the plaintext password there (MAIL140), and AUTH EXTERNAL with an initial response reaches it
// whatever *_auth says (MAIL145). src/mail/ngx_mail_auth_http_module.c, ngx_mail_parse.c
// ngx_mail_auth_parse(); docs/nginx-behaviour.md#auth-always-enabled.

#include <popcheck/lint/checks.hpp>

namespace popcheck::lint {
namespace {

using model::AuthMethod;

const model::Sourced<model::AuthMethods>* auth_setting(const model::EffectiveServer& s) {
  if (is_pop3(s)) {
    return &s.pop3_auth;
  }
  if (is_imap(s)) {
    return &s.imap_auth;
  }
  if (is_smtp(s)) {
    return &s.smtp_auth;
  }
  return nullptr;
}

} // namespace

void check_plaintext_password_methods(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  const auto* auth = auth_setting(s);
  if (auth == nullptr) {
    return;
  }
  const bool apop = is_pop3(s) && auth->value.has(AuthMethod::apop);
  const bool cram_md5 = auth->value.has(AuthMethod::cram_md5);
  if (!apop && !cram_md5) {
    return;
  }
  const bool both = apop && cram_md5;
  std::string message = both ? "apop and cram-md5 need" : apop ? "apop needs" : "cram-md5 needs";
  message += " the plaintext password at the auth server: it checks the client's digest "
             "against it";
  if (is_pop3(s)) {
    message += " and returns it in Auth-Pass (nginx logs in to the backend with USER/PASS)";
    if (s.server_name.source == model::Source::default_value) {
      message += "; the salted greeting reveals this machine's host name (no server_name set)";
    }
  } else if (is_imap(s)) {
    message += " and returns it in Auth-Pass (nginx logs in to the backend with LOGIN)";
  } else if (s.proxy_smtp_auth.value) {
    message += " and returns it in Auth-Pass (proxy_smtp_auth on: nginx sends AUTH PLAIN to the "
               "backend)";
  }
  out.push_back(finding(rules::k_plaintext_password_methods, where_of(c, *auth), std::move(message),
                        "keep it only if the auth server stores reversible passwords; otherwise "
                        "offer plain over TLS"));
}

void check_external_initial_response(const ServerContext& c, Diagnostics&) {
  const auto* auth = auth_setting(c.server);
  if (auth != nullptr && !auth->value.has(AuthMethod::external)) {
    c.notes.shared.external_initial_response |= LintNotes::protocol_bit(c.server.protocol);
  }
}

// Once per mail block: it is nginx's behaviour, the same for every server that does not enable
// `external`, and nothing in the configuration can change it.
void check_external_initial_response_once(const LintContext& context, Diagnostics& out) {
  const unsigned protocols = context.notes.shared.external_initial_response;
  if (protocols == 0 || !context.analysis.mail) {
    return;
  }
  std::string commands;
  const auto add = [&](unsigned bit, std::string_view command) {
    if (protocols & bit) {
      commands += commands.empty() ? "" : ", ";
      commands += command;
    }
  };
  add(LintNotes::k_pop3, "POP3 AUTH EXTERNAL <response>");
  add(LintNotes::k_imap, "IMAP AUTHENTICATE EXTERNAL <response>");
  add(LintNotes::k_smtp, "SMTP AUTH EXTERNAL <response>");
  auto d =
      finding(rules::k_external_initial_response_always_accepted, context.analysis.mail->conf.where,
              commands + " is accepted by every server, also where *_auth does not enable "
                         "\"external\": the auth server receives Auth-Method: external with an "
                         "empty Auth-Pass",
              "make the auth server refuse Auth-Method: external unless it checks the client "
              "certificate headers");
  d.restates_default = true;
  out.push_back(std::move(d));
}

} // namespace popcheck::lint
