#pragma once

// Internal to the analyzer: the walk state shared by analyzer.cpp (dispatch, core and events
// directives) and mail_handlers.cpp (mail directives).

#include <map>
#include <optional>
#include <popcheck/conf/rule_ids.hpp>
#include <popcheck/model/analyzer.hpp>
#include <popcheck/model/directive_table.hpp>
#include <popcheck/util/flat_string_set.hpp>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

namespace popcheck::model::detail {

struct Walker {
  const conf::ConfTree& tree;
  const AnalyzeOptions& options;
  Analysis& out;
  NoResolver no_resolver;

  bool mail_loaded = false;
  bool modules_used = false; // an events/http/mail block was read: load_module is too late
  bool events_seen = false;
  bool http_seen = false;
  bool mail_seen = false;
  int include_depth = 0;
  std::vector<std::size_t> syntax_next;       // per file: its first tree error not yet put out
  std::size_t syntax_left = 0;                // tree errors not yet put out, in all files
  std::vector<FilePath> file_paths;           // per file: its path, interned once
  std::unordered_set<std::string> main_seen;  // dup checks of core directives
  std::unordered_set<std::string> events_dup; // dup checks of events directives
  FlatStringSet listen_keys;                  // every mail listen address so far
  // Inside mail{}: merges each server at its '}' (see mail_block).
  MailMerger* merger = nullptr;
  const ContextConf* mail_settings = nullptr;
  ServerConf spare_server;             // a handed-on server's record, recycled for the next one
  bool skip_servers = false;           // reading mail{}'s own settings only
  ContextConf* current_conf = nullptr; // the innermost mail context being walked

  // For the checks nginx makes once the configuration is read (init_checks).
  struct SocketGroup { // the mail listens of one address family and port
    bool wildcard = false;
    unsigned bound = 0;    // specific addresses with their own socket (bind or a socket option)
    unsigned specific = 0; // every specific address
  };
  std::map<std::pair<int, int>, SocketGroup> socket_groups;
  bool unresolved_listen = false;        // a listen kept as written (--no-resolve)
  std::int64_t worker_connections = 512; // ngx_event_core_init_conf's default
  std::optional<Location> worker_connections_where;
  std::vector<std::pair<std::string, Location>> log_files; // error_log files, in nginx's order
  std::optional<std::pair<std::string, Location>> pid_file;
  // worker_cpu_affinity's masks (cpu_affinity_n, "auto" counted) against worker_processes.
  std::size_t cpu_affinity_masks = 0;
  bool cpu_affinity_auto = false;
  std::optional<Location> cpu_affinity_where;
  std::optional<std::int64_t> worker_processes = 1; // nullopt: auto (the machine's CPU count)
  bool worker_priority_set = false;                 // ngx_set_priority: set and not 0
  std::vector<std::string> thread_pools;            // names defined so far
  // The listens of the block being read (mail{} or http{}), made into sockets at its '}': per
  // address family and port (unix: per path), in the order first listened on. Specific addresses
  // are kept until a wildcard comes, then only those with a socket of their own (`bind` or a
  // socket option), so 100k addresses behind one wildcard keep one socket's memory.
  struct BlockListen {
    ListeningSocket socket;
    bool bind = false;
  };
  struct ListenGroup {
    std::vector<BlockListen> specific;
    std::optional<ListeningSocket> wildcard;
  };
  std::vector<ListenGroup> listen_groups;
  std::map<std::tuple<int, int, std::string>, std::size_t> listen_group_index;
  std::unordered_set<std::string> http_addresses; // http{}: several servers share one address
  void add_block_listen(BlockListen listen);

  Resolver& resolver() { return options.resolver ? *options.resolver : no_resolver; }
  bool version_at_least(const NginxVersion& v) const { return options.version >= v; }
  // Whether `name` exists in the target release (1.25.1 removed `ssl` from mail, http, stream).
  bool removed_in_version(std::string_view name) const {
    return name == "ssl" && version_at_least(k_ssl_removed);
  }
  Location location(const conf::Directive& d) const;
  void report(const rules::RuleId& rule, const conf::Directive& d, std::string message,
              Severity severity);
  void error(const rules::RuleId& rule, const conf::Directive& d, std::string message) {
    report(rule, d, std::move(message), rule.severity);
  }

  void walk(std::span<const conf::Directive> list, Context ctx, ContextConf* conf,
            ServerConf* server);
  void walk_list(std::span<const conf::Directive> list, Context ctx, ContextConf* conf,
                 ServerConf* server);
  // walk() over d's block, then the tree errors met before its '}'.
  void walk_block(const conf::Directive& d, Context ctx, ContextConf* conf, ServerConf* server);
  // With include_syntax_errors: put out the tree errors of `file` that nginx reads before
  // (line, column), in the order the parser found them.
  // Called three times a directive: inline, and done at once when no error is left (the usual
  // case).
  void flush_syntax(std::size_t file, int line, int column) {
    if (syntax_left != 0) {
      flush_pending_syntax(file, line, column);
    }
  }
  void flush_pending_syntax(std::size_t file, int line, int column);
  void flush_all_syntax();
  // The generic checks of ngx_conf_handler: terminator, opening brace, argument count.
  bool check_shape(const conf::Directive& d, ArgClass args, bool block);
  void unknown_or_not_allowed(const conf::Directive& d);
  // The first tree error (syntax, include) in `list` between `from` and `to`, child blocks
  // included unless `skip_servers_inside`, and in the files `list` includes: a statement nginx
  // would have read there is missing from the tree. Null if there is none.
  const Diagnostic* tree_errors_in(std::size_t file, std::span<const conf::Directive> list,
                                   std::pair<int, int> from, std::pair<int, int> to,
                                   bool skip_servers_inside) const;
  const Diagnostic* tree_errors_in_block(const conf::Directive& d, bool skip_servers_inside) const;
  mutable std::vector<std::vector<std::tuple<int, int, std::size_t>>> error_positions; // sorted
  mutable std::vector<bool> error_positions_built;
  // Anything may be missing from `conf` because of `because` (ContextConf::lost).
  void mark_lost(ContextConf& conf, const Diagnostic& because) const;

  void main_directive(const conf::Directive& d, Context ctx);
  void user_directive(const conf::Directive& d);
  void add_log_file(const conf::Directive& d);
  void add_listen_socket(const Listener& l);
  void http_listen(const conf::Directive& d);
  // ngx_mail_optimize_servers / ngx_http_optimize_servers: listen_groups into Analysis::listening.
  void close_listen_block();
  void worker_cpu_affinity(const conf::Directive& d);
  void thread_pool(const conf::Directive& d);
  void debug_connection(const conf::Directive& d);
  // ngx_core_module_init_conf, run before the events module's checks.
  void core_init_conf();
  // After "no events": ngx_event_init_conf's socket count, then the log files nginx opens.
  void init_checks();
  void open_files();    // the pid file, then every error_log file
  void bind_sockets();  // with AnalyzeOptions::sockets
  void mail_directive(const conf::Directive& d, const MailDirectiveSpec& spec, Context ctx,
                      ContextConf& conf, ServerConf* server);
  // Shared by core and mail: value checks of the simple kinds. Returns false after an error.
  bool check_simple_value(const conf::Directive& d, ValueKind kind,
                          std::span<const std::string_view> words, std::int64_t& value);
  bool check_error_log(const conf::Directive& d);
  void mail_block(const conf::Directive& d);
  // mail{}'s own settings, read ahead of the real walk (server blocks skipped, nothing reported).
  ContextConf read_mail_settings(const conf::Directive& d);
  // Merges a server at its '}' and hands it on (or keeps it).
  void server_done(std::size_t index);
  void unloaded_mail_block(const conf::Directive& d);
  void listen(const conf::Directive& d, ServerConf& server);
  void resolver_directive(const conf::Directive& d);
  void session_cache(const conf::Directive& d);
  void auth_http(const conf::Directive& d, ContextConf& conf);
  void set_real_ip_from(const conf::Directive& d);
};

std::string join_args(const conf::Directive& d);
// The mail directives an unknown name may be a misspelling of (mail_id_bit of each).
std::uint64_t misspelt_mail_directives(std::string_view name);

} // namespace popcheck::model::detail
