#pragma once

// The analysis of a parsed tree as nginx -t reads it: directive dispatch with nginx's exact
// messages and lines, every value check of the mail module, include following, and at the '}' of
// mail{} the merge (merge.hpp). Unlike nginx it does not stop at the first error: it reports every
// error it can, in the order nginx would meet them, so diagnostics[0] is what nginx -t prints.

#include <functional>
#include <optional>
#include <popcheck/conf/ast.hpp>
#include <popcheck/model/bind_probe.hpp>
#include <popcheck/model/file_probe.hpp>
#include <popcheck/model/mail_conf.hpp>
#include <popcheck/model/merge.hpp>
#include <popcheck/model/net_url.hpp>
#include <popcheck/model/nginx_version.hpp>
#include <popcheck/model/user_database.hpp>
#include <string>
#include <vector>

namespace popcheck::model {

// One merged mail server as the analyzer hands it on: the result, the server's settings as
// written, and mail{}'s settings (complete, also those written after the server).
struct ServerView {
  const EffectiveServer& server;
  const ServerConf& conf;
  const ContextConf& mail;
};
using ServerSink = std::function<void(const ServerView& view)>;

struct AnalyzeOptions {
  Resolver* resolver = nullptr;        // null: host names are not looked up (nothing is reported)
  FileProbe* files = nullptr;          // null: certificate, key, password and log files are not checked
  UserDatabase* users = nullptr;       // null: `user` is not looked up (as nginx -t run by non-root)
  BindProbe* sockets = nullptr;        // null: listening sockets are not bound (machine-dependent)
  std::optional<std::string> hostname; // default server_name; unset = system_hostname()
  NginxVersion version = k_nginx_1_22_1; // whose messages and directives to follow
  // Also put the tree's own (syntax, include) errors into Analysis::diagnostics, each where nginx
  // meets it while reading, so that diagnostics[0] is the error nginx -t prints.
  bool include_syntax_errors = false;
  // Set: each mail server is handed here as soon as it is merged (at its '}') and then dropped,
  // so Analysis::servers and Analysis::mail->servers stay empty and memory stays flat however
  // many servers there are. Unset: they are kept.
  ServerSink on_server;
};

// A socket nginx binds once the configuration is read (cycle->listening): mail's, and http's as far
// as popcheck reads http{} (the addresses of its `listen` directives).
struct ListeningSocket {
  SockAddr sockaddr;
  std::string address;   // nginx's text: "0.0.0.0:110", "[::1]:993", "unix:/run/x"
  bool wildcard = false; // 0.0.0.0 or [::]
  bool ipv6only = true;  // AF_INET6 only: nginx sets IPV6_V6ONLY unless `ipv6only=off`
  bool http = false;     // a socket of http{}, not of mail{}
  Location where;        // the listen directive that made it
};

struct Analysis {
  // nginx's order; the tree's own syntax errors only with AnalyzeOptions::include_syntax_errors.
  Diagnostics diagnostics;
  bool mail_module_loaded = false;
  // mail{} was analysed as if ngx_mail_module were loaded, although it is not: nginx stops at
  // `unknown directive "mail"`, popcheck goes on to check the block's contents too.
  bool mail_module_assumed = false;
  std::optional<MailConf> mail; // the first mail{} block
  std::vector<EffectiveServer> servers;
  std::vector<Entry> main_error_log;
  // In the order nginx binds them (block by block as each closes; within a block, per address
  // family and port, sockets of their own first and a wildcard last). Host names not resolved
  // (--no-resolve) are left out.
  std::vector<ListeningSocket> listening;

  bool has_errors() const;
};

Analysis analyze(const conf::ConfTree& tree, const AnalyzeOptions& options = {});

} // namespace popcheck::model
