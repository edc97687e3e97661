#include <popcheck/mail/auth_http_headers.hpp>
#include <popcheck/model/server_json.hpp>
#include <popcheck/smtp/capabilities.hpp>
#include <popcheck/smtp/replies.hpp>
#include <popcheck/smtp/wire_json.hpp>

namespace popcheck::smtp {
namespace {

using model::AuthMethod;
using model::AuthMethods;
using nlohmann::json;

// The first reply to `AUTH MECH` (no initial response): PLAIN and LOGIN never consult smtp_auth;
// CRAM-MD5 and EXTERNAL need their bit (ngx_mail_smtp_auth() in src/mail/ngx_mail_smtp_handler.c,
// ngx_mail_auth_parse() in ngx_mail_handler.c).
struct Mechanism {
  std::string_view name;
  AuthMethod method;
  bool needs_bit;
  std::string_view prompt; // empty: the CRAM-MD5 challenge, salted per session
};
constexpr Mechanism k_mechanisms[] = {
    {"PLAIN", AuthMethod::plain, false, k_plain_continue},
    {"LOGIN", AuthMethod::login, false, k_username_prompt},
    {"CRAM-MD5", AuthMethod::cram_md5, true, ""},
    {"EXTERNAL", AuthMethod::external, true, k_username_prompt},
};

json or_null(bool present, json value) {
  return present ? std::move(value) : json(nullptr);
}

// Before TLS under `starttls only` AUTH is refused whatever the mechanism.
json auth_json(AuthMethods methods, bool gated) {
  json out = json::object();
  for (const auto& m : k_mechanisms) {
    const bool accepted = !gated && (!m.needs_bit || methods.has(m.method));
    const bool challenge = accepted && m.prompt.empty();
    out[std::string(m.name)] = {
        {"reply",
         challenge ? json(nullptr) : json(std::string(accepted ? m.prompt : k_invalid_command))},
        {"reply_pattern", challenge ? json(k_cram_md5_challenge_pattern) : json(nullptr)},
        {"advertised", !gated && methods.has(m.method)}};
  }
  return out;
}

json accepted_not_advertised(AuthMethods methods) {
  json out = json::array();
  if (!methods.has(AuthMethod::plain)) {
    out.push_back("AUTH PLAIN");
  }
  if (!methods.has(AuthMethod::login)) {
    out.push_back("AUTH LOGIN");
  }
  if (!methods.has(AuthMethod::external)) {
    out.push_back("AUTH EXTERNAL with initial response");
  }
  return out;
}

Starttls starttls_of(model::StarttlsMode mode) {
  switch (mode) {
  case model::StarttlsMode::on:
    return Starttls::on;
  case model::StarttlsMode::only:
    return Starttls::only;
  case model::StarttlsMode::off:
    break;
  }
  return Starttls::off;
}

bool resolver_configured(const model::EffectiveServer& s) {
  const auto& r = s.resolver.value;
  return !(r.empty() || (r.size() == 1 && r[0] == "off"));
}

// Before the greeting nginx looks the client's address up (PTR, then A/AAAA of the name found,
// ngx_mail_smtp_init_session() and its resolve handlers); nothing is sent meanwhile and the
// client's bytes wait unread. Without a resolver the name is [UNAVAILABLE] at once.
json client_host_json(const model::EffectiveServer& s) {
  const bool resolver = resolver_configured(s);
  json values = json::array();
  if (resolver) {
    values.push_back("the client's PTR name when its A/AAAA lookup gives the client's address");
    values.push_back(k_host_unavailable);
    values.push_back(k_host_tempunavail);
  } else {
    values.push_back(k_host_unavailable);
  }
  return {{"resolver", resolver},
          {"values", std::move(values)},
          {"greeting_waits_ms_max", resolver ? json(2 * s.resolver_timeout_ms.value) : json(0)}};
}

// What nginx sends the backend after auth_http said yes, before relaying
// (ngx_mail_proxy_smtp_handler() in src/mail/ngx_mail_proxy_module.c), for one kind of client;
// each line waits for a 2xx/3xx reply. The <...> are the session's values, sent raw (1.22.1 does
// not xtext-encode XCLIENT values): <client address> (IPV6:... for an IPv6 client), <login>,
// <helo> (the client's last HELO/EHLO argument), <auth plain> (base64 of NUL login NUL password),
// <mail> and <rcpt> (the client's whole MAIL and first RCPT commands).
std::vector<std::string> backend_lines(const model::EffectiveServer& s, bool esmtp, bool none) {
  const std::string& name = s.server_name.value;
  const bool xclient = s.xclient.value;
  const std::string host =
      resolver_configured(s) ? "<client host>" : std::string(k_host_unavailable);
  std::vector<std::string> lines;
  lines.push_back((esmtp || xclient ? "EHLO " : "HELO ") + name);
  if (xclient) {
    // No LOGIN without a login (none) or with proxy_smtp_auth (the login goes in AUTH PLAIN).
    const bool login = !none && !s.proxy_smtp_auth.value;
    lines.push_back("XCLIENT ADDR=<client address>" + std::string(login ? " LOGIN=<login>" : "") +
                    " NAME=" + host);
    lines.push_back(esmtp ? "EHLO <helo>" : "HELO <helo>");
  }
  if (none) {
    lines.emplace_back("<mail>");
    lines.emplace_back("<rcpt>");
  } else if (s.proxy_smtp_auth.value) {
    lines.emplace_back("AUTH PLAIN <auth plain>");
  }
  return lines;
}

json backend_login_json(const model::EffectiveServer& s) {
  const bool none = s.smtp_auth.value.has(AuthMethod::none);
  json attributes = json::array();
  if (s.xclient.value) {
    attributes = {"ADDR", "LOGIN", "NAME"};
  }
  return {{"xclient", s.xclient.value},
          {"xclient_attributes", std::move(attributes)},
          {"proxy_smtp_auth", s.proxy_smtp_auth.value},
          // A client that sent EHLO <helo> (or HELO <helo>) and then authenticated.
          {"ehlo_then_auth", backend_lines(s, true, false)},
          {"helo_then_auth", backend_lines(s, false, false)},
          // With smtp_auth none: a client that sent EHLO <helo>, MAIL and RCPT without AUTH.
          {"ehlo_then_mail_rcpt", none ? json(backend_lines(s, true, true)) : json(nullptr)}};
}

} // namespace

json wire_json(const model::EffectiveServer& s) {
  const AuthMethods methods = s.smtp_auth.value;
  const auto& caps = s.smtp_capabilities.value;
  const std::string& name = s.server_name.value;
  const bool plain = model::has_plain_listener(s);
  const bool tls = model::tls_reachable(s);
  const Starttls starttls = starttls_of(s.tls.starttls.value);
  const bool only = starttls == Starttls::only;
  const bool none = methods.has(AuthMethod::none);
  const auto delay = s.smtp_greeting_delay_ms.value;
  return {
      {"greeting", greeting(name)},
      {"greeting_delay_ms", delay},
      // Any byte before a delayed greeting: this reply, then close (no greeting).
      {"early_talker", delay > 0 ? json(std::string(k_invalid_pipelining)) : json(nullptr)},
      {"client_host", client_host_json(s)},
      {"helo", helo_reply(name)},
      {"ehlo",
       {{"plain_connection", or_null(plain, ehlo_reply(name, caps, methods, starttls, false))},
        {"tls_connection", or_null(tls, ehlo_reply(name, caps, methods, starttls, true))}}},
      {"starttls",
       {{"plain_connection",
         or_null(plain,
                 std::string(starttls == Starttls::off ? k_invalid_command : k_starttls_ok))},
        {"tls_connection", or_null(tls, std::string(k_invalid_command))}}},
      {"auth",
       {{"plain_connection", or_null(plain, auth_json(methods, only))},
        {"tls_connection", or_null(tls, auth_json(methods, false))}}},
      {"accepted_not_advertised", accepted_not_advertised(methods)},
      // MAIL without AUTH: only `none` lets it through (and `starttls only` does not gate it).
      {"mail_before_auth", std::string(none ? k_ok : k_auth_required)},
      // RCPT needs a MAIL first (and with one, under `none`, it would go to auth_http).
      {"rcpt_without_mail", k_bad_sequence},
      // HELO or EHLO without exactly one argument.
      {"helo_without_argument", k_invalid_argument},
      {"noop", k_ok},
      {"quit", k_bye},
      {"invalid_command", k_invalid_command},
      // One line must fit; a longer one gets this reply, then the connection is closed.
      {"client_buffer",
       {{"octets", s.smtp_client_buffer.value},
        {"source", model::to_string(s.smtp_client_buffer.source)},
        {"too_long", k_invalid_command}}},
      {"backend_login", backend_login_json(s)},
      {"auth_http_request_headers", mail::auth_http_headers_json(s)},
  };
}

} // namespace popcheck::smtp
