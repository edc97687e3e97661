#include <climits>
#include <iterator>
#include <popcheck/model/merge.hpp>
#include <popcheck/model/openssl_checks.hpp>
#include <popcheck/model/rule_ids.hpp>
#include <unistd.h>

namespace popcheck::model {
namespace {

constexpr unsigned k_default_ssl_protocols = (1u << 2) | (1u << 3) | (1u << 4); // TLSv1..1.2

// Mail-level value when the server has none (ngx_conf_merge_*_value).
struct Picker {
  const ContextConf& server;
  const ContextConf& mail;

  const Setting* pick(MailId id, Source& source, Location& where) const {
    if (const Setting& own = server[id]; own.set) {
      source = Source::server;
      where = own.where;
      return &own;
    }
    if (const Setting& inherited = mail[id]; inherited.set) {
      source = Source::mail;
      where = inherited.where;
      return &inherited;
    }
    source = Source::default_value;
    return nullptr;
  }

  Sourced<std::int64_t> number(MailId id, std::int64_t fallback) const {
    Sourced<std::int64_t> out;
    const Setting* s = pick(id, out.source, out.where);
    out.value = s ? s->number : fallback;
    return out;
  }
  Sourced<bool> flag(MailId id, bool fallback) const {
    Sourced<bool> out;
    const Setting* s = pick(id, out.source, out.where);
    out.value = s ? s->number != 0 : fallback;
    return out;
  }
  Sourced<unsigned> mask(MailId id, unsigned fallback) const {
    Sourced<unsigned> out;
    const Setting* s = pick(id, out.source, out.where);
    out.value = s ? static_cast<unsigned>(s->number) : fallback;
    return out;
  }
  Sourced<std::string> text(MailId id, std::string fallback) const {
    Sourced<std::string> out;
    const Setting* s = pick(id, out.source, out.where);
    out.value = (s && !s->entries.empty() && !s->entries.back().args.empty())
                    ? s->entries.back().args[0]
                    : std::move(fallback);
    return out;
  }
  // Lists: the server's list replaces the mail list as a whole.
  Sourced<std::vector<std::string>> words(MailId id, std::vector<std::string> fallback) const {
    Sourced<std::vector<std::string>> out;
    const Setting* s = pick(id, out.source, out.where);
    if (s == nullptr) {
      out.value = std::move(fallback);
      return out;
    }
    for (const auto& e : s->entries) {
      out.value.insert(out.value.end(), e.args.begin(), e.args.end());
    }
    return out;
  }
  Sourced<std::vector<Entry>> entries(MailId id) const {
    Sourced<std::vector<Entry>> out;
    if (const Setting* s = pick(id, out.source, out.where)) {
      out.value = s->entries;
    }
    return out;
  }
};

std::string full_path(const std::string& prefix, const std::string& path) {
  return path.starts_with('/') ? path : prefix + path;
}

Diagnostic make(const rules::RuleId& rule, std::string message, Location where = {}) {
  Diagnostic d;
  d.rule = std::string(rule.id);
  d.severity = rule.severity;
  d.message = std::move(message);
  d.location = std::move(where);
  return d;
}

std::string at(const Location& where) {
  return where.file + ":" + std::to_string(where.line);
}

EffectiveTls merge_tls(const Picker& p, const ServerConf& sc) {
  using enum MailId;
  EffectiveTls tls;
  tls.ssl_on = p.flag(ssl, false);
  const auto starttls_index = p.number(starttls, 0);
  tls.starttls = {static_cast<StarttlsMode>(starttls_index.value), starttls_index.source,
                  starttls_index.where};
  tls.certificates = p.entries(ssl_certificate);
  tls.certificate_keys = p.entries(ssl_certificate_key);
  tls.protocols = p.mask(ssl_protocols, k_default_ssl_protocols);
  tls.ciphers = p.text(ssl_ciphers, "HIGH:!aNULL:!MD5");
  tls.prefer_server_ciphers = p.flag(ssl_prefer_server_ciphers, false);
  tls.session_cache = p.words(ssl_session_cache, {"none"});
  tls.session_timeout_s = p.number(ssl_session_timeout, 300);
  tls.session_tickets = p.flag(ssl_session_tickets, true);
  const auto verify = p.number(ssl_verify_client, 0);
  tls.verify_client = {static_cast<VerifyClient>(verify.value), verify.source, verify.where};
  tls.verify_depth = p.number(ssl_verify_depth, 1);
  tls.client_certificate = p.text(ssl_client_certificate, "");
  tls.trusted_certificate = p.text(ssl_trusted_certificate, "");
  tls.crl = p.text(ssl_crl, "");
  tls.dhparam = p.text(ssl_dhparam, "");
  tls.ecdh_curve = p.text(ssl_ecdh_curve, "auto");
  tls.password_file = p.text(ssl_password_file, "");
  // ngx_mail_ssl_merge_conf: the mode names used in the certificate messages.
  if (sc.conf.listen_ssl) {
    tls.enabled_by = "listen ... ssl";
  } else if (tls.ssl_on.value) {
    tls.enabled_by = "ssl";
  } else if (tls.starttls.value != StarttlsMode::off) {
    tls.enabled_by = "starttls";
  }
  tls.enabled_where = sc.conf.ssl_where.file.empty() ? p.mail.ssl_where : sc.conf.ssl_where;
  return tls;
}

// Fills `s` in place: an EffectiveServer is large, and 100k servers must stay fast.
void merge_server(const ContextConf& mail, const ServerConf& sc, const MergeOptions& options,
                  EffectiveServer& s) {
  using enum MailId;
  const Picker p{sc.conf, mail};
  s.where = sc.conf.where;
  s.protocol = sc.protocol;
  s.protocol_by_port = sc.protocol_by_port;
  s.protocol_seen = sc.protocol_seen;
  s.listeners = sc.listeners;
  s.server_name = p.text(server_name, "");
  if (s.server_name.value.empty()) {
    s.server_name.value = options.hostname; // nginx: an empty name means the host name
    s.server_name.source = Source::default_value;
  }
  s.tls = merge_tls(p, sc);
  s.pop3_auth = p.mask(pop3_auth, 1);
  s.pop3_capabilities = p.words(pop3_capabilities, {"TOP", "USER", "UIDL"});
  s.imap_auth = p.mask(imap_auth, 1);
  s.imap_capabilities = p.words(imap_capabilities, {"IMAP4", "IMAP4rev1", "UIDPLUS"});
  s.smtp_auth = p.mask(smtp_auth, 3);
  s.smtp_capabilities = p.words(smtp_capabilities, {});
  s.auth_http.value = sc.conf.auth_http;
  s.auth_http.source = Source::server;
  s.auth_http.where = sc.conf[auth_http].where;
  if (!sc.conf[auth_http].set) {
    s.auth_http.value = mail.auth_http;
    s.auth_http.source = mail[auth_http].set ? Source::mail : Source::default_value;
    s.auth_http.where = mail[auth_http].where;
  }
  s.auth_http_seen = sc.conf.auth_http_seen || mail.auth_http_seen;
  s.auth_http_timeout_ms = p.number(auth_http_timeout, 60000);
  s.auth_http_headers = p.entries(auth_http_header);
  s.auth_http_pass_client_cert = p.flag(auth_http_pass_client_cert, false);
  s.timeout_ms = p.number(timeout, 60000);
  s.proxy_timeout_ms = p.number(proxy_timeout, 24LL * 3600 * 1000);
  s.resolver_timeout_ms = p.number(resolver_timeout, 30000);
  s.smtp_greeting_delay_ms = p.number(smtp_greeting_delay, 0);
  s.max_errors = p.number(max_errors, 5);
  s.proxy_buffer = p.number(proxy_buffer, 4096);
  s.imap_client_buffer = p.number(imap_client_buffer, 4096);
  s.smtp_client_buffer = p.number(smtp_client_buffer, 4096);
  s.proxy = p.flag(proxy, false);
  s.proxy_pass_error_message = p.flag(proxy_pass_error_message, false);
  s.proxy_protocol = p.flag(proxy_protocol, false);
  s.xclient = p.flag(xclient, true);
  s.proxy_smtp_auth = p.flag(proxy_smtp_auth, false);
  s.resolver = p.words(resolver, {"off"});
  s.error_log = p.entries(error_log);
  s.set_real_ip_from = p.entries(set_real_ip_from);
  s.ssl_conf_command = p.entries(ssl_conf_command);
  s.ssl_session_ticket_key = p.entries(ssl_session_ticket_key);
}

// An OpenSSL setup error: nginx prints it without a location and with OpenSSL's details in
// parentheses, which popcheck leaves out.
Diagnostic openssl_error(std::string message, const Location& where) {
  auto d = make(rules::k_tls_setup, std::move(message), where);
  d.unlocated_in_nginx = true;
  return d;
}

// The start of ngx_mail_ssl_merge_conf for a server with TLS enabled: certificate directives,
// ciphers (before the certificates are loaded, verified with nginx -t 1.22.1), certificate files.
// nginx stops at the first failure, so each step returns false after one.
bool check_certificates(const EffectiveServer& s, const MergeOptions& options, Diagnostics& out) {
  const auto& tls = s.tls;
  const std::string mode = "the \"" + tls.enabled_by + "\" directive in " + at(tls.enabled_where);
  const auto& certs = tls.certificates.value;
  const auto& keys = tls.certificate_keys.value;
  // The location is already in nginx's text; the finding still points at the directive.
  const auto missing = [&](std::string message) {
    auto d = make(rules::k_no_certificate, std::move(message), tls.enabled_where);
    d.unlocated_in_nginx = true;
    out.push_back(std::move(d));
    return false;
  };
  if (certs.empty()) {
    return missing("no \"ssl_certificate\" is defined for " + mode);
  }
  if (keys.empty()) {
    return missing("no \"ssl_certificate_key\" is defined for " + mode);
  }
  if (keys.size() < certs.size()) {
    return missing("no \"ssl_certificate_key\" is defined for certificate \"" +
                   certs.back().args[0] + "\" and " + mode);
  }
  if (!openssl_accepts_ciphers(tls.ciphers.value)) {
    out.push_back(openssl_error("SSL_CTX_set_cipher_list(\"" + tls.ciphers.value + "\") failed",
                                tls.ciphers.where));
    return false;
  }
  if (options.files == nullptr) {
    return true;
  }
  for (std::size_t i = 0; i < certs.size(); ++i) {
    const std::string& cert = certs[i].args[0];
    if (!cert.starts_with("data:")) {
      const std::string path = full_path(options.conf_prefix, cert);
      if (!options.files->check_readable(path)) {
        auto d =
            make(rules::k_cannot_load,
                 "cannot load certificate \"" + path + "\": BIO_new_file() failed", certs[i].where);
        d.unlocated_in_nginx = true;
        out.push_back(std::move(d));
        return false;
      }
    }
    const std::string& key = keys[i].args[0];
    if (!key.starts_with("data:") && !key.starts_with("engine:")) {
      const std::string path = full_path(options.conf_prefix, key);
      if (!options.files->check_readable(path)) {
        auto d = make(rules::k_cannot_load,
                      "cannot load certificate key \"" + path + "\": BIO_new_file() failed",
                      keys[i].where);
        d.unlocated_in_nginx = true;
        out.push_back(std::move(d));
        return false;
      }
    }
  }
  return true;
}

// Client verification: the CA list is required, then (only with ssl_verify_client) the CA,
// trusted and CRL files are loaded.
bool check_verify_client(const EffectiveServer& s, const MergeOptions& options, Diagnostics& out) {
  const auto& tls = s.tls;
  const auto verify = tls.verify_client.value;
  if (verify == VerifyClient::off) {
    return true;
  }
  // 1.27.2 also accepts a trusted certificate list, and names it in the message.
  const bool trusted_counts = options.version >= k_verify_trusted;
  if (verify != VerifyClient::optional_no_ca && tls.client_certificate.value.empty() &&
      !(trusted_counts && !tls.trusted_certificate.value.empty())) {
    auto d = make(rules::k_verify_client,
                  trusted_counts
                      ? "no ssl_client_certificate or ssl_trusted_certificate for ssl_verify_client"
                      : "no ssl_client_certificate for ssl_verify_client",
                  tls.verify_client.where);
    d.unlocated_in_nginx = true;
    out.push_back(std::move(d));
    return false;
  }
  if (options.files == nullptr) {
    return true;
  }
  const std::pair<const Sourced<std::string>*, const char*> files[] = {
      {&tls.client_certificate, "SSL_CTX_load_verify_locations"},
      {&tls.trusted_certificate, "SSL_CTX_load_verify_locations"},
      {&tls.crl, "X509_LOOKUP_load_file"}};
  for (const auto& [file, call] : files) {
    if (file->value.empty()) {
      continue;
    }
    const std::string path = full_path(options.conf_prefix, file->value);
    if (!options.files->check_readable(path)) {
      out.push_back(openssl_error(std::string(call) + "(\"" + path + "\") failed", file->where));
      return false;
    }
  }
  return true;
}

// The rest of the OpenSSL setup: dhparam, curves, session ticket keys.
void check_tls_rest(const EffectiveServer& s, const MergeOptions& options, Diagnostics& out) {
  const auto& tls = s.tls;
  if (options.files != nullptr && !tls.dhparam.value.empty()) {
    const std::string path = full_path(options.conf_prefix, tls.dhparam.value);
    if (!options.files->check_readable(path)) {
      out.push_back(openssl_error("BIO_new_file(\"" + path + "\") failed", tls.dhparam.where));
      return;
    }
  }
  if (!openssl_accepts_curves(tls.ecdh_curve.value)) {
    out.push_back(openssl_error("SSL_CTX_set1_curves_list(\"" + tls.ecdh_curve.value + "\") failed",
                                tls.ecdh_curve.where));
    return;
  }
  if (options.files == nullptr) {
    return;
  }
  for (const auto& key : s.ssl_session_ticket_key.value) {
    const std::string path = full_path(options.conf_prefix, key.args[0]);
    if (auto ok = options.files->check_readable(path); !ok) {
      // Logged with the parser's position while merging: the line of mail's '}'.
      out.push_back(make(rules::k_tls_setup,
                         "open() \"" + path + "\" failed (" + std::to_string(ok.error().code) +
                             ": " + ok.error().message + ")",
                         options.mail_end));
      return;
    }
  }
}

} // namespace

const char* to_string(Source source) {
  switch (source) {
  case Source::server:
    return "server";
  case Source::mail:
    return "mail";
  case Source::default_value:
    return "default";
  }
  return "default";
}

std::string system_hostname() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) {
    return "localhost";
  }
  std::string name(buf);
  for (auto& c : name) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return name;
}

void MailMerger::merge(const ServerConf& server, EffectiveServer& s) {
  merge_server(m_mail, server, m_options, s);
  // Module order: core, ssl, (pop3, imap, smtp: no errors), auth_http.
  if (!s.protocol && !s.protocol_seen) {
    m_core.push_back(
        make(rules::k_unknown_mail_protocol, "unknown mail protocol for server", s.where));
  }
  if (s.tls.enabled() && check_certificates(s, m_options, m_ssl) &&
      check_verify_client(s, m_options, m_ssl)) {
    check_tls_rest(s, m_options, m_ssl);
  }
  if (!s.auth_http.value && !s.auth_http_seen) {
    m_auth_http.push_back(
        make(rules::k_no_auth_http, "no \"auth_http\" is defined for server", s.where));
  }
}

void MailMerger::finish(Diagnostics& out) {
  for (auto* module : {&m_core, &m_ssl, &m_auth_http}) {
    std::move(module->begin(), module->end(), std::back_inserter(out));
    module->clear();
  }
}

std::vector<EffectiveServer> merge_mail(const MailConf& mail, const MergeOptions& options,
                                        Diagnostics& out) {
  std::vector<EffectiveServer> servers;
  servers.reserve(mail.servers.size());
  MailMerger merger(mail.conf, options);
  for (const auto& server : mail.servers) {
    merger.merge(server, servers.emplace_back());
  }
  merger.finish(out);
  return servers;
}

} // namespace popcheck::model
