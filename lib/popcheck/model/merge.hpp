#pragma once

// The merge of mail{} into each mail server (ngx_mail_*_merge_srv_conf in
// src/mail/ngx_mail_*_module.c, the TLS modes of ngx_mail_ssl_merge_conf()): the effective value of
// every directive with where it came from, the listeners, the protocol, the TLS mode, and nginx's
// merge-time errors in nginx's order (all servers per module, modules in the order core, ssl, pop3,
// imap, smtp, auth_http, proxy, realip). A directive named nowhere gets its default from the
// directive table (MailDirectiveSpec::default_value).

#include <cstdint>
#include <optional>
#include <popcheck/conf/diagnostic.hpp>
#include <popcheck/model/auth_methods.hpp>
#include <popcheck/model/file_probe.hpp>
#include <popcheck/model/mail_conf.hpp>
#include <popcheck/model/nginx_version.hpp>
#include <string>
#include <vector>

namespace popcheck::model {

enum class Source { server, mail, default_value };
const char* to_string(Source source);

template <class T> struct Sourced {
  T value{};
  Source source = Source::default_value;
  Location where; // the directive that set it (empty for defaults)
};

enum class StarttlsMode { off, on, only };
enum class VerifyClient { off, on, optional, optional_no_ca };

struct EffectiveTls {
  // How TLS was enabled, as nginx names the mode in its messages: "listen ... ssl", "ssl",
  // "starttls", or empty when TLS is off for the server (then nothing TLS is checked).
  std::string enabled_by;
  Location enabled_where; // nginx's file:line for the certificate messages
  Sourced<bool> ssl_on;   // the deprecated `ssl on`: implicit TLS on every listener
  Sourced<StarttlsMode> starttls;
  Sourced<std::vector<Entry>> certificates;
  Sourced<std::vector<Entry>> certificate_keys;
  Sourced<unsigned> protocols; // bits of k_ssl_protocol_words
  Sourced<std::string> ciphers;
  Sourced<bool> prefer_server_ciphers;
  Sourced<std::vector<std::string>> session_cache; // arguments as written; default {"none"}
  Sourced<std::int64_t> session_timeout_s;
  Sourced<bool> session_tickets;
  Sourced<VerifyClient> verify_client;
  Sourced<std::int64_t> verify_depth;
  Sourced<std::string> client_certificate, trusted_certificate, crl, dhparam, ecdh_curve,
      password_file;
  bool enabled() const { return !enabled_by.empty(); }
};

struct EffectiveServer {
  Location where; // the line of the server's '{'
  std::optional<std::string> protocol;
  bool protocol_by_port = false;
  bool protocol_seen = false; // an invalid protocol was already reported: no merge error
  Sourced<std::string> server_name;
  std::vector<Listener> listeners;
  EffectiveTls tls;
  Sourced<AuthMethods> pop3_auth;
  Sourced<std::vector<std::string>> pop3_capabilities;
  Sourced<AuthMethods> imap_auth, smtp_auth;
  Sourced<std::vector<std::string>> imap_capabilities, smtp_capabilities;
  Sourced<std::optional<AuthHttpTarget>> auth_http;
  bool auth_http_seen = false; // an invalid auth_http was already reported: no merge error
  Sourced<std::int64_t> auth_http_timeout_ms;
  Sourced<std::vector<Entry>> auth_http_headers; // args = {NAME, VALUE}
  Sourced<bool> auth_http_pass_client_cert;
  Sourced<std::int64_t> timeout_ms, proxy_timeout_ms, resolver_timeout_ms, smtp_greeting_delay_ms;
  Sourced<std::int64_t> max_errors, proxy_buffer, imap_client_buffer, smtp_client_buffer;
  Sourced<bool> proxy, proxy_pass_error_message, proxy_protocol, xclient, proxy_smtp_auth;
  Sourced<std::vector<std::string>> resolver; // arguments; default {"off"}
  Sourced<std::vector<Entry>> error_log;      // empty with Source::default_value: the main log
  Sourced<std::vector<Entry>> set_real_ip_from, ssl_conf_command, ssl_session_ticket_key;
};

struct MergeOptions {
  std::string hostname;       // the default server_name (nginx: gethostname(), lowercased)
  std::string conf_prefix;    // relative certificate paths are joined to it, not normalised
  FileProbe* files = nullptr; // null: certificate and key files are not checked
  NginxVersion version = k_nginx_1_22_1;
  Location mail_end; // the '}' of mail{}: where nginx locates errors it logs while merging
};

// Merges servers one at a time, so that a configuration's servers need never be all in memory
// (the analyzer merges each one at its '}' and hands it on). nginx reports merge-time errors
// module by module over all servers: they are kept per module until finish().
class MailMerger {
public:
  // `mail` must hold every mail{} setting, also those written after the servers.
  MailMerger(const ContextConf& mail, MergeOptions options)
      : m_mail(mail), m_options(std::move(options)) {}

  // Merges `server` into `out` (reused between calls: its buffers are recycled) and checks it.
  void merge(const ServerConf& server, EffectiveServer& out);
  // The same into a record of the merger's own, valid until the next call. Only what this server
  // or the one merged before names is merged again: the rest of the record is mail{}'s and the
  // defaults, the same for every server (100k servers naming 5 of 50 directives each).
  const EffectiveServer& merge_next(const ServerConf& server);
  // Appends the merge-time errors of every server merged so far, in nginx's order.
  void finish(Diagnostics& out);

private:
  // nginx's merge-time errors of one merged server, but no error about a directive that is
  // missing when it may be missing only because nginx stops first (`lost`, ContextConf::lost).
  void check(const EffectiveServer& s, std::uint64_t lost);

  const ContextConf& m_mail;
  MergeOptions m_options;
  EffectiveServer m_next;          // merge_next's record
  bool m_next_merged = false;      // m_next holds a merged server
  std::uint64_t m_next_present = 0; // the ids that server named (ContextConf::present)
  Diagnostics m_core;      // unknown mail protocol
  Diagnostics m_ssl;       // certificates, client verification, the rest of the OpenSSL setup
  Diagnostics m_auth_http; // no auth_http
};

// Every server of `mail` merged, with the merge-time errors appended to `out`.
std::vector<EffectiveServer> merge_mail(const MailConf& mail, const MergeOptions& options,
                                        Diagnostics& out);

// gethostname() lowercased, as nginx's default server_name.
std::string system_hostname();

} // namespace popcheck::model
