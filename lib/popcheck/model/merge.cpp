#include <climits>
#include <initializer_list>
#include <iterator>
#include <popcheck/conf/rule_ids.hpp>
#include <popcheck/model/merge.hpp>
#include <popcheck/model/openssl_checks.hpp>
#include <unistd.h>

namespace popcheck::model {
namespace {

// Mail-level value when the server has none, else the directive table's default
// (ngx_conf_merge_*_value), written into the merged server's field in place.
struct Picker {
  const ContextConf& server;
  const ContextConf& mail;
  // The ids whose merged value may differ from what the output holds. All of them for a fresh
  // output; for the record of the server merged before (MailMerger::merge_next), only those
  // that server or this one names: the others are mail{}'s or the default, the same for every
  // server, and already there.
  std::uint64_t stale = ~std::uint64_t{0};

  bool current(MailId id) const { return (stale & mail_id_bit(id)) == 0; }

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
    where = {};
    return nullptr;
  }

  // Numbers, flags, masks and enum indexes: all kept in Setting::number.
  template <class T> void scalar(MailId id, Sourced<T>& out) const {
    if (current(id)) {
      return;
    }
    const Setting* s = pick(id, out.source, out.where);
    out.value = static_cast<T>(s ? s->number : spec(id).default_value.value);
  }
  // pop3_auth, imap_auth, smtp_auth: a bitmask of the directive's words, named.
  void auth(MailId id, Sourced<AuthMethods>& out) const {
    if (current(id)) {
      return;
    }
    const Setting* s = pick(id, out.source, out.where);
    const auto& d = spec(id);
    out.value = auth_methods_of(d.values,
                                static_cast<std::uint64_t>(s ? s->number : d.default_value.value));
  }
  // The list kinds are written into `out` in place: the merged server is reused from one server
  // to the next, and assigning into its strings and vectors reuses their memory, where building
  // a fresh value per server (and freeing the old one) cost a dozen mallocs a server. Most
  // values are mail{}'s or the defaults, the same as for the server before: compared, not
  // copied again.
  static void assign_if_changed(std::string& out, std::string_view value) {
    if (out != value) {
      out.assign(value);
    }
  }
  void text_into(MailId id, Sourced<std::string>& out) const {
    if (current(id)) {
      return;
    }
    const Setting* s = pick(id, out.source, out.where);
    if (s && !s->entries.empty() && !s->entries.back().args.empty()) {
      assign_if_changed(out.value, s->entries.back().args[0]);
    } else {
      assign_if_changed(out.value, spec(id).default_value.word);
    }
  }
  void words_into(MailId id, Sourced<std::vector<std::string>>& out) const {
    if (current(id)) {
      return;
    }
    const Setting* s = pick(id, out.source, out.where);
    std::size_t n = 0;
    const auto put = [&](std::string_view word) {
      if (n < out.value.size()) {
        assign_if_changed(out.value[n], word);
      } else {
        out.value.emplace_back(word);
      }
      ++n;
    };
    if (s == nullptr) {
      for (const auto word : spec(id).default_value.words) {
        put(word);
      }
    } else {
      for (const auto& e : s->entries) {
        for (const auto& word : e.args) {
          put(word);
        }
      }
    }
    out.value.resize(n);
  }
  void entries_into(MailId id, Sourced<std::vector<Entry>>& out) const {
    if (current(id)) {
      return;
    }
    if (const Setting* s = pick(id, out.source, out.where)) {
      out.value = s->entries;
    } else {
      out.value.clear();
    }
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

void merge_tls(const Picker& p, const ServerConf& sc, EffectiveTls& tls) {
  using enum MailId;
  p.scalar(ssl, tls.ssl_on);
  p.scalar(starttls, tls.starttls);
  p.entries_into(ssl_certificate, tls.certificates);
  p.entries_into(ssl_certificate_key, tls.certificate_keys);
  p.scalar(ssl_protocols, tls.protocols);
  p.text_into(ssl_ciphers, tls.ciphers);
  p.scalar(ssl_prefer_server_ciphers, tls.prefer_server_ciphers);
  p.words_into(ssl_session_cache, tls.session_cache);
  p.scalar(ssl_session_timeout, tls.session_timeout_s);
  p.scalar(ssl_session_tickets, tls.session_tickets);
  p.scalar(ssl_verify_client, tls.verify_client);
  p.scalar(ssl_verify_depth, tls.verify_depth);
  p.text_into(ssl_client_certificate, tls.client_certificate);
  p.text_into(ssl_trusted_certificate, tls.trusted_certificate);
  p.text_into(ssl_crl, tls.crl);
  p.text_into(ssl_dhparam, tls.dhparam);
  p.text_into(ssl_ecdh_curve, tls.ecdh_curve);
  p.text_into(ssl_password_file, tls.password_file);
  // ngx_mail_ssl_merge_conf: the mode names used in the certificate messages.
  std::string_view enabled_by;
  if (sc.conf.listen_ssl) {
    enabled_by = "listen ... ssl";
  } else if (tls.ssl_on.value) {
    enabled_by = "ssl";
  } else if (tls.starttls.value != StarttlsMode::off) {
    enabled_by = "starttls";
  }
  tls.enabled_by.assign(enabled_by);
  tls.enabled_where = sc.conf.ssl_where.file.empty() ? p.mail.ssl_where : sc.conf.ssl_where;
}

// Fills `s` in place: an EffectiveServer is large, and 100k servers must stay fast. Only the
// fields of p.stale ids are merged again, and those that depend on the server as a whole.
void merge_server(const Picker& p, const ServerConf& sc, const MergeOptions& options,
                  EffectiveServer& s) {
  using enum MailId;
  s.where = sc.conf.where;
  s.protocol = sc.protocol;
  s.protocol_by_port = sc.protocol_by_port;
  s.protocol_seen = sc.protocol_seen;
  s.listeners = sc.listeners;
  p.text_into(server_name, s.server_name);
  if (s.server_name.value.empty()) {
    s.server_name.value = options.hostname; // nginx: an empty name means the host name
    s.server_name.source = Source::default_value;
  }
  merge_tls(p, sc, s.tls);
  p.auth(pop3_auth, s.pop3_auth);
  p.words_into(pop3_capabilities, s.pop3_capabilities);
  p.auth(imap_auth, s.imap_auth);
  p.words_into(imap_capabilities, s.imap_capabilities);
  p.auth(smtp_auth, s.smtp_auth);
  p.words_into(smtp_capabilities, s.smtp_capabilities);
  if (!p.current(auth_http)) { // the server's auth_http side effects come with its id
    const ContextConf& from = sc.conf[auth_http].set ? sc.conf : p.mail;
    s.auth_http.value = from.auth_http;
    s.auth_http.source = &from == &sc.conf       ? Source::server
                         : p.mail[auth_http].set ? Source::mail
                                                 : Source::default_value;
    s.auth_http.where = from[auth_http].where;
    s.auth_http_seen = sc.conf.auth_http_seen || p.mail.auth_http_seen;
  }
  p.scalar(auth_http_timeout, s.auth_http_timeout_ms);
  p.entries_into(auth_http_header, s.auth_http_headers);
  p.scalar(auth_http_pass_client_cert, s.auth_http_pass_client_cert);
  p.scalar(timeout, s.timeout_ms);
  p.scalar(proxy_timeout, s.proxy_timeout_ms);
  p.scalar(resolver_timeout, s.resolver_timeout_ms);
  p.scalar(smtp_greeting_delay, s.smtp_greeting_delay_ms);
  p.scalar(max_errors, s.max_errors);
  p.scalar(proxy_buffer, s.proxy_buffer);
  p.scalar(imap_client_buffer, s.imap_client_buffer);
  p.scalar(smtp_client_buffer, s.smtp_client_buffer);
  p.scalar(proxy, s.proxy);
  p.scalar(proxy_pass_error_message, s.proxy_pass_error_message);
  p.scalar(proxy_protocol, s.proxy_protocol);
  p.scalar(xclient, s.xclient);
  p.scalar(proxy_smtp_auth, s.proxy_smtp_auth);
  p.words_into(resolver, s.resolver);
  p.entries_into(error_log, s.error_log);
  p.entries_into(set_real_ip_from, s.set_real_ip_from);
  p.entries_into(ssl_conf_command, s.ssl_conf_command);
  p.entries_into(ssl_session_ticket_key, s.ssl_session_ticket_key);
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
  merge_server(Picker{server.conf, m_mail}, server, m_options, s);
  check(s, server.conf.lost | m_mail.lost);
}

const EffectiveServer& MailMerger::merge_next(const ServerConf& server) {
  Picker p{server.conf, m_mail};
  if (m_next_merged) {
    p.stale = server.conf.present() | m_next_present;
  }
  merge_server(p, server, m_options, m_next);
  m_next_merged = true;
  m_next_present = server.conf.present();
  check(m_next, server.conf.lost | m_mail.lost);
  return m_next;
}

void MailMerger::check(const EffectiveServer& s, std::uint64_t lost) {
  using enum MailId;
  const auto may_be_lost = [&](std::initializer_list<MailId> ids) {
    for (const MailId id : ids) {
      if (lost & mail_id_bit(id)) {
        return true;
      }
    }
    return false;
  };
  // Module order: core, ssl, (pop3, imap, smtp: no errors), auth_http.
  if (!s.protocol && !s.protocol_seen && !may_be_lost({protocol, listen})) {
    m_core.push_back(
        make(rules::k_unknown_mail_protocol, "unknown mail protocol for server", s.where));
  }
  const bool tls_maybe_incomplete =
      may_be_lost({ssl_certificate, ssl_certificate_key, ssl_client_certificate,
                   ssl_trusted_certificate, ssl_verify_client, ssl_ciphers, ssl_ecdh_curve});
  if (s.tls.enabled() && !tls_maybe_incomplete && check_certificates(s, m_options, m_ssl) &&
      check_verify_client(s, m_options, m_ssl)) {
    check_tls_rest(s, m_options, m_ssl);
  }
  if (!s.auth_http.value && !s.auth_http_seen && !may_be_lost({auth_http})) {
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
