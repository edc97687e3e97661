#include <popcheck/imap/capabilities.hpp>
#include <popcheck/imap/replies.hpp>
#include <popcheck/imap/wire_json.hpp>
#include <popcheck/mail/auth_http_headers.hpp>
#include <popcheck/model/server_json.hpp>

namespace popcheck::imap {
namespace {

using model::AuthMethod;
using model::AuthMethods;
using nlohmann::json;

// What the first reply to `AUTHENTICATE MECH` (no initial response) is, per mechanism: PLAIN and
// LOGIN never consult imap_auth; CRAM-MD5 and EXTERNAL need their bit (ngx_mail_imap_authenticate()
// in src/mail/ngx_mail_imap_handler.c, ngx_mail_auth_parse() in ngx_mail_handler.c).
// A response nginx cannot decode (such as "*", which IMAP clients send to cancel) is refused with
// BAD; after the LOGIN username prompt that BAD carries no tag at all, not even "*" (real nginx
// 1.22.1: ngx_mail_imap_auth_state() clears its tag flag for that state before it knows the
// outcome).
struct Mechanism {
  std::string_view name;
  AuthMethod method;
  bool needs_bit;
  std::string_view prompt; // empty: the CRAM-MD5 challenge, salted per session
  bool cancel_tagged;
};
constexpr Mechanism k_mechanisms[] = {
    {"PLAIN", AuthMethod::plain, false, k_plain_continue, true},
    {"LOGIN", AuthMethod::login, false, k_username_prompt, false},
    {"CRAM-MD5", AuthMethod::cram_md5, true, "", true},
    {"EXTERNAL", AuthMethod::external, true, k_username_prompt, true},
};
// "+ " and base64 of "<R.T@S>" (the salt, made at the first AUTHENTICATE CRAM-MD5).
constexpr std::string_view k_challenge_pattern = "^\\+ [A-Za-z0-9+/]+={0,2}\\r\\n$";

json or_null(bool present, json value) {
  return present ? std::move(value) : json(nullptr);
}

// Before TLS under `starttls only` every LOGIN and AUTHENTICATE is refused.
json authenticate_json(AuthMethods methods, bool gated) {
  json out = json::object();
  for (const auto& m : k_mechanisms) {
    const bool accepted = !gated && (!m.needs_bit || methods.has(m.method));
    const bool challenge = accepted && m.prompt.empty();
    out[std::string(m.name)] = {
        {"reply",
         challenge ? json(nullptr) : json(std::string(accepted ? m.prompt : k_tagged_bad))},
        {"reply_pattern", challenge ? json(k_challenge_pattern) : json(nullptr)},
        {"tagged", !accepted},
        {"cancel_reply", accepted ? json(std::string(k_tagged_bad)) : json(nullptr)},
        {"cancel_tagged", accepted && m.cancel_tagged},
        {"advertised", !gated && methods.has(m.method)}};
  }
  return out;
}

// The methods that work on a TLS connection (or a plain one without `starttls only`) although no
// AUTH= item names them: imap_auth only gates AUTHENTICATE CRAM-MD5 and EXTERNAL without initial
// response.
json accepted_not_advertised(AuthMethods methods) {
  json out = json::array();
  if (!methods.has(AuthMethod::plain)) {
    out.push_back("AUTHENTICATE PLAIN");
  }
  if (!methods.has(AuthMethod::login)) {
    out.push_back("AUTHENTICATE LOGIN");
  }
  if (!methods.has(AuthMethod::external)) {
    out.push_back("AUTHENTICATE EXTERNAL with initial response");
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

} // namespace

json wire_json(const model::EffectiveServer& s) {
  const AuthMethods methods = s.imap_auth.value;
  const auto& caps = s.imap_capabilities.value;
  const bool plain = model::has_plain_listener(s);
  const bool tls = model::tls_reachable(s);
  const Starttls starttls = starttls_of(s.tls.starttls.value);
  const bool only = starttls == Starttls::only;
  const auto items_before = only ? std::vector<std::string_view>{} : auth_items(methods);
  json auth_plain = json::array();
  for (const auto item : items_before) {
    auth_plain.push_back(item);
  }
  json auth_tls = json::array();
  for (const auto item : auth_items(methods)) {
    auth_tls.push_back(item);
  }
  return {
      // Never salted, never with capabilities (ngx_mail_imap_init_session()).
      {"greeting", k_greeting},
      {"capability",
       {{"plain_connection", or_null(plain, capability_line(caps, methods, starttls, false))},
        {"tls_connection", or_null(tls, capability_line(caps, methods, starttls, true))}}},
      {"auth_items",
       {{"plain_connection", or_null(plain, auth_plain)},
        {"tls_connection", or_null(tls, auth_tls)}}},
      {"logindisabled", plain && only},
      {"tagged_ok", k_tagged_ok},
      {"tagged_bad", k_tagged_bad},
      {"untagged_bad", k_untagged_bad},
      {"logout", k_bye},
      {"starttls",
       {{"plain_connection",
         or_null(plain, std::string(starttls == Starttls::off ? k_tagged_bad : k_tagged_ok))},
        {"tls_connection", or_null(tls, std::string(k_tagged_bad))}}},
      // LOGIN user pass: refused before TLS under `starttls only`; otherwise it goes to auth_http.
      {"login",
       {{"plain_connection", or_null(plain, only ? json(std::string(k_tagged_bad)) : "auth_http")},
        {"tls_connection", or_null(tls, "auth_http")}}},
      {"authenticate",
       {{"plain_connection", or_null(plain, authenticate_json(methods, only))},
        {"tls_connection", or_null(tls, authenticate_json(methods, false))}}},
      {"accepted_not_advertised", accepted_not_advertised(methods)},
      // Every byte before login, literals included, goes through one buffer of this size; a
      // command that does not fit gets a BAD and the connection is closed. During AUTHENTICATE
      // the buffer is not rewound: the whole SASL exchange must fit.
      {"client_buffer",
       {{"octets", s.imap_client_buffer.value},
        {"source", model::to_string(s.imap_client_buffer.source)},
        {"too_long", k_tagged_bad}}},
      // {N} gets "+ OK" and N bytes follow; {N+} (LITERAL+) is taken without a continuation,
      // advertised or not; a literal must fit in the client buffer with its command.
      {"literals",
       {{"continuation", k_literal_continue},
        {"non_synchronizing_accepted", true},
        {"max_octets", s.imap_client_buffer.value}}},
      {"auth_http_request_headers", mail::auth_http_headers_json(s)},
  };
}

} // namespace popcheck::imap
