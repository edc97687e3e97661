// The checks nginx -t makes outside the directive handlers of the mail module: `user`'s lookups
// while reading it (ngx_set_user), and once the whole configuration is read, the events module's
// socket count (ngx_event_init_conf) and the opening of every log file (ngx_init_cycle).

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

void Walker::add_listen_socket(const Listener& l) {
  // ngx_mail_optimize_servers: per family and port, a wildcard address takes every specific one
  // without a socket option onto its own socket.
  auto& group = socket_groups[{static_cast<int>(l.sockaddr.family), l.port}];
  if (l.wildcard) {
    group.wildcard = true;
  } else {
    ++group.specific;
    group.bound += l.bind ? 1 : 0;
  }
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
  if (options.files == nullptr) {
    return;
  }
  for (const auto& [path, where] : log_files) {
    if (auto ok = options.files->check_appendable(path); !ok) {
      Diagnostic diag;
      diag.rule = std::string(rules::k_log_file.id);
      diag.severity = rules::k_log_file.severity;
      diag.message = "open() \"" + path + "\" failed (" + std::to_string(ok.error().code) + ": " +
                     ok.error().message + ")";
      diag.location = where;
      diag.unlocated_in_nginx = true;
      out.diagnostics.push_back(std::move(diag));
    }
  }
}

} // namespace popcheck::model::detail
