#include <popcheck/mail/auth_http_headers.hpp>
#include <popcheck/model/server_json.hpp>

namespace popcheck::mail {
namespace {

using model::AuthMethod;
using model::EffectiveServer;
using nlohmann::json;

enum class Proto { pop3, imap, smtp };

// When a line is sent in one protocol, and the values it can take there (empty: any text).
struct Cell {
  const char* when = nullptr; // nullptr: never sent in this protocol
  const char* values = "";    // "a|b|c": the possible values
};

struct HeaderRow {
  const char* name;
  Cell pop3, imap, smtp;
  // Whether this server can send the line at all (null: always). The cell says when.
  bool (*possible)(const EffectiveServer& s);
};

bool any_proxy_protocol(const EffectiveServer& s) {
  for (const auto& l : s.listeners) {
    if (l.proxy_protocol) {
      return true;
    }
  }
  return false;
}
bool tls(const EffectiveServer& s) {
  return model::tls_reachable(s);
}
bool verify(const EffectiveServer& s) {
  return model::tls_reachable(s) && s.tls.verify_client.value != model::VerifyClient::off;
}
bool pass_cert(const EffectiveServer& s) {
  return verify(s) && s.auth_http_pass_client_cert.value;
}
bool salt(const EffectiveServer& s) {
  // POP3: the greeting carries a salt when apop or cram-md5 is enabled. IMAP and SMTP make one
  // only for AUTHENTICATE/AUTH CRAM-MD5, which is refused unless cram-md5 is enabled.
  if (s.protocol == std::optional<std::string>("imap")) {
    return s.imap_auth.value.has(AuthMethod::cram_md5);
  }
  if (s.protocol == std::optional<std::string>("smtp")) {
    return s.smtp_auth.value.has(AuthMethod::cram_md5);
  }
  return s.pop3_auth.value.has(AuthMethod::apop) || s.pop3_auth.value.has(AuthMethod::cram_md5);
}
bool smtp_none(const EffectiveServer& s) {
  return s.smtp_auth.value.has(AuthMethod::none);
}

constexpr const char* k_always = "always";
constexpr const char* k_salt_when =
    "the method is not plain and the session has a salt (made for the greeting in POP3, by the "
    "first CRAM-MD5 exchange in IMAP and SMTP)";
constexpr const char* k_none_when = "Auth-Method is none (the first RCPT without AUTH)";

// Every line nginx can send, in its order. Host is the auth_http host; Auth-User and Auth-Pass
// are escaped (bytes up to 0x20 and '%' as %XX); the Auth-SMTP-* values are raw.
const HeaderRow k_rows[] = {
    {"Host", {k_always}, {k_always}, {k_always}, nullptr},
    {"Auth-Method",
     {k_always, "plain|apop|cram-md5|external"},
     {k_always, "plain|cram-md5|external"},
     {k_always, "plain|cram-md5|external|none"},
     nullptr},
    {"Auth-User", {k_always}, {k_always}, {k_always}, nullptr},
    {"Auth-Pass", {k_always}, {k_always}, {k_always}, nullptr},
    {"Auth-Salt", {k_salt_when}, {k_salt_when}, {k_salt_when}, &salt},
    {"Auth-Protocol", {k_always, "pop3"}, {k_always, "imap"}, {k_always, "smtp"}, nullptr},
    {"Auth-Login-Attempt", {k_always}, {k_always}, {k_always}, nullptr},
    {"Client-IP", {k_always}, {k_always}, {k_always}, nullptr},
    {"Client-Host",
     {},
     {},
     {k_always, "the client's verified host name|[UNAVAILABLE]|[TEMPUNAVAIL]"},
     nullptr},
    {"Proxy-Protocol-Addr",
     {"proxy_protocol listener"},
     {"proxy_protocol listener"},
     {"proxy_protocol listener"},
     &any_proxy_protocol},
    {"Proxy-Protocol-Port",
     {"proxy_protocol listener"},
     {"proxy_protocol listener"},
     {"proxy_protocol listener"},
     &any_proxy_protocol},
    {"Proxy-Protocol-Server-Addr",
     {"proxy_protocol listener"},
     {"proxy_protocol listener"},
     {"proxy_protocol listener"},
     &any_proxy_protocol},
    {"Proxy-Protocol-Server-Port",
     {"proxy_protocol listener"},
     {"proxy_protocol listener"},
     {"proxy_protocol listener"},
     &any_proxy_protocol},
    {"Auth-SMTP-Helo", {}, {}, {k_none_when}, &smtp_none},
    {"Auth-SMTP-From", {}, {}, {k_none_when}, &smtp_none},
    {"Auth-SMTP-To", {}, {}, {k_none_when}, &smtp_none},
    {"Auth-SSL",
     {"TLS connection", "on"},
     {"TLS connection", "on"},
     {"TLS connection", "on"},
     &tls},
    {"Auth-SSL-Protocol", {"TLS connection"}, {"TLS connection"}, {"TLS connection"}, &tls},
    {"Auth-SSL-Cipher", {"TLS connection"}, {"TLS connection"}, {"TLS connection"}, &tls},
    {"Auth-SSL-Verify",
     {"TLS connection, ssl_verify_client not off"},
     {"TLS connection, ssl_verify_client not off"},
     {"TLS connection, ssl_verify_client not off"},
     &verify},
    {"Auth-SSL-Subject",
     {"TLS connection, ssl_verify_client not off"},
     {"TLS connection, ssl_verify_client not off"},
     {"TLS connection, ssl_verify_client not off"},
     &verify},
    {"Auth-SSL-Issuer",
     {"TLS connection, ssl_verify_client not off"},
     {"TLS connection, ssl_verify_client not off"},
     {"TLS connection, ssl_verify_client not off"},
     &verify},
    {"Auth-SSL-Serial",
     {"TLS connection, ssl_verify_client not off"},
     {"TLS connection, ssl_verify_client not off"},
     {"TLS connection, ssl_verify_client not off"},
     &verify},
    {"Auth-SSL-Fingerprint",
     {"TLS connection, ssl_verify_client not off"},
     {"TLS connection, ssl_verify_client not off"},
     {"TLS connection, ssl_verify_client not off"},
     &verify},
    {"Auth-SSL-Cert",
     {"TLS connection with a client certificate"},
     {"TLS connection with a client certificate"},
     {"TLS connection with a client certificate"},
     &pass_cert},
};

Proto proto_of(const EffectiveServer& s) {
  if (s.protocol == std::optional<std::string>("imap")) {
    return Proto::imap;
  }
  if (s.protocol == std::optional<std::string>("smtp")) {
    return Proto::smtp;
  }
  return Proto::pop3;
}

json row_json(std::string_view name, const Cell& cell) {
  json out = {{"name", name}, {"when", cell.when}};
  if (*cell.values != '\0') {
    json values = json::array();
    std::string_view rest = cell.values;
    while (!rest.empty()) {
      const auto bar = rest.find('|');
      values.push_back(std::string(rest.substr(0, bar)));
      rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    }
    out["values"] = std::move(values);
  }
  return out;
}

} // namespace

json auth_http_headers_json(const EffectiveServer& s) {
  const Proto proto = proto_of(s);
  json out = json::array();
  for (const auto& row : k_rows) {
    const Cell& cell = proto == Proto::imap ? row.imap : proto == Proto::smtp ? row.smtp : row.pop3;
    if (cell.when == nullptr || (row.possible != nullptr && !row.possible(s))) {
      continue;
    }
    out.push_back(row_json(row.name, cell));
  }
  // auth_http_header lines come last, verbatim.
  for (const auto& e : s.auth_http_headers.value) {
    out.push_back({{"name", e.args.at(0)}, {"when", k_always}, {"values", {e.args.at(1)}}});
  }
  return out;
}

} // namespace popcheck::mail
