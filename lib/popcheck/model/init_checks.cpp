// The checks nginx -t makes outside the directive handlers of the mail module: `user`'s lookups
// while reading it (ngx_set_user), and once the whole configuration is read, the events module's
// socket count (ngx_event_init_conf), then in ngx_init_cycle the pid file (created in test mode),
// the opening of every log file and the bind() of every listening socket.

#include <cerrno>
#include <popcheck/model/values.hpp>
#include <popcheck/model/walker.hpp>

namespace popcheck::model::detail {

void Walker::user_directive(const conf::Directive& d) {
  if (options.users == nullptr) {
    return;
  }
  const std::string user = d.args[0].value.str();
  if (!options.users->has_user(user)) {
    error(rules::k_user_lookup, d, "getpwnam(\"" + user + "\") failed");
    return;
  }
  // Without a group nginx looks up a group of the user's name (not the user's primary group).
  const std::string group = d.args.size() == 2 ? d.args[1].value.str() : user;
  if (!options.users->has_group(group)) {
    error(rules::k_user_lookup, d, "getgrnam(\"" + group + "\") failed");
  }
}

void Walker::add_log_file(const conf::Directive& d) {
  const std::string_view target = d.args[0].value;
  // stderr, syslog and memory buffers open no file. A relative path is relative to nginx's
  // -p prefix, which popcheck does not know: not checked.
  if (!target.starts_with('/')) {
    return;
  }
  for (const auto& [path, where] : log_files) {
    if (path == target) {
      return; // ngx_conf_open_file: one open per name
    }
  }
  log_files.emplace_back(std::string(target), location(d));
}

void Walker::init_checks() {
  // http{} has listening sockets of its own, which popcheck does not count.
  if (events_seen && !http_seen && !unresolved_listen) {
    std::int64_t sockets = 0;
    for (const auto& [key, group] : socket_groups) {
      sockets += group.wildcard ? 1 + group.bound : group.specific;
    }
    if (worker_connections < sockets + 1) {
      Diagnostic diag;
      diag.rule = std::string(rules::k_worker_connections.id);
      diag.severity = rules::k_worker_connections.severity;
      diag.message = std::to_string(worker_connections) +
                     " worker_connections are not enough for " + std::to_string(sockets) +
                     " listening sockets";
      diag.location = worker_connections_where.value_or(Location{tree.files[0].path, 0, 0});
      diag.unlocated_in_nginx = true;
      out.diagnostics.push_back(std::move(diag));
    }
  }
  if (options.files != nullptr) {
    open_files();
  }
  if (options.sockets != nullptr) {
    bind_sockets();
  }
}

void Walker::open_files() {
  const auto failed = [&](const rules::RuleId& rule, const std::string& path,
                          const Location& where, const IoError& e) {
    Diagnostic diag;
    diag.rule = std::string(rule.id);
    diag.severity = rule.severity;
    diag.message =
        "open() \"" + path + "\" failed (" + std::to_string(e.code) + ": " + e.message + ")";
    diag.location = where;
    diag.unlocated_in_nginx = true;
    out.diagnostics.push_back(std::move(diag));
  };
  // ngx_create_pidfile: in test mode nginx creates the pid file (empty), before any log file.
  // The default (/run/nginx.pid) and relative paths (against the -p prefix) are not checked, nor
  // is permission: the pid file is the master's (root), and popcheck usually runs as someone else
  // (`pid /run/nginx.pid;` is Debian's stock setting).
  if (pid_file && pid_file->first.starts_with('/')) {
    if (auto ok = options.files->check_appendable(pid_file->first);
        !ok && ok.error().code != EACCES && ok.error().code != EPERM) {
      failed(rules::k_pid_file, pid_file->first, pid_file->second, ok.error());
    }
  }
  for (const auto& [path, where] : log_files) {
    if (auto ok = options.files->check_appendable(path); !ok) {
      failed(rules::k_log_file, path, where, ok.error());
    }
  }
}

void Walker::bind_sockets() {
  // ngx_open_listening_sockets: nginx -t stops at the first failure other than "address in use".
  for (const auto& socket : out.listening) {
    if (const auto e = options.sockets->try_bind(socket.sockaddr, socket.ipv6only)) {
      Diagnostic diag;
      diag.rule = std::string(rules::k_bind_failed.id);
      diag.severity = rules::k_bind_failed.severity;
      diag.message = "bind() to " + socket.address + " failed (" + std::to_string(e->code) +
                     ": " + e->message + ")";
      diag.location = socket.where;
      diag.unlocated_in_nginx = true;
      out.diagnostics.push_back(std::move(diag));
    }
  }
}

} // namespace popcheck::model::detail
