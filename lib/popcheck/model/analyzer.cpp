#include <algorithm>
#include <climits>
#include <popcheck/model/values.hpp>
#include <popcheck/model/walker.hpp>

namespace popcheck::model {

bool Analysis::has_errors() const {
  for (const auto& d : diagnostics) {
    if (d.severity == Severity::error) {
      return true;
    }
  }
  return false;
}

namespace detail {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The words of a directive name, sorted: `http_auth` and `auth_http` have the same.
std::vector<std::string_view> name_words(std::string_view name) {
  std::vector<std::string_view> words;
  for (std::size_t start = 0; start <= name.size();) {
    const auto end = std::min(name.find('_', start), name.size());
    words.push_back(name.substr(start, end - start));
    start = end + 1;
  }
  std::sort(words.begin(), words.end());
  return words;
}

// Deeper include nesting than this is a cycle (nginx itself recurses until it runs out of fds).
constexpr int k_max_include_depth = 64;

std::string_view basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

} // namespace

std::string join_args(const conf::Directive& d) {
  std::string out;
  for (const auto& a : d.args) {
    if (!out.empty()) {
      out += ' ';
    }
    out += a.value;
  }
  return out;
}

Location Walker::location(const conf::Directive& d) const {
  Location loc;
  if (d.file < file_paths.size()) {
    loc.file = file_paths[d.file];
  } else if (d.file < tree.files.size()) {
    loc.file = tree.files[d.file].path;
  }
  loc.line = d.end_line > 0 ? d.end_line : d.line;
  loc.column = d.column;
  return loc;
}

void Walker::report(const rules::RuleId& rule, const conf::Directive& d, std::string message,
                    Severity severity) {
  Diagnostic diag;
  diag.rule = std::string(rule.id);
  diag.severity = severity;
  diag.location = location(d);
  diag.message = std::move(message);
  out.diagnostics.push_back(std::move(diag));
}

bool Walker::check_shape(const conf::Directive& d, ArgClass args, bool block) {
  if (!block && d.has_block) {
    error(rules::k_arguments, d, "directive \"" + d.name + "\" is not terminated by \";\"");
    return false;
  }
  if (block && !d.has_block) {
    error(rules::k_arguments, d, "directive \"" + d.name + "\" has no opening \"{\"");
    return false;
  }
  if (!arg_count_ok(args, d.args.size())) {
    error(rules::k_arguments, d, "invalid number of arguments in \"" + d.name + "\" directive");
    return false;
  }
  return true;
}

std::uint64_t misspelt_mail_directives(std::string_view name) {
  // Close enough to be a slip of the keyboard (`auth_htp`, `ssl_certficate`, `http_auth`), not
  // a directive of another server (`mail_log`, `proxy_pass`).
  std::uint64_t ids = 0;
  const auto words = name_words(name);
  for (const auto& spec : mail_directives()) {
    const std::size_t limit = std::min<std::size_t>(2, spec.name.size() / 4);
    if (edit_distance(name, spec.name) <= limit || name_words(spec.name) == words) {
      ids |= mail_id_bit(mail_id(spec));
    }
  }
  return ids;
}

// `server_tokens off` without its ';' before `mail {`: nginx reads `mail` as an argument and the
// block as the directive's body, then names only that directive (ngx_conf_handler checks the
// context before the ';'), so its message points at the wrong line's intent. Scramble.io's sample
// config (testdata/corpus/scramble-io-nginx-conf) ships exactly this.
namespace {
std::string swallowed_block_hint(const conf::Directive& d) {
  static constexpr std::string_view k_block_names[] = {"mail", "http", "events", "stream"};
  if (!d.has_block || d.args.empty()) {
    return {};
  }
  const std::string last = d.args.back().value.str();
  if (std::find(std::begin(k_block_names), std::end(k_block_names), last) ==
      std::end(k_block_names)) {
    return {};
  }
  std::string written = d.name.str();
  for (std::size_t i = 0; i + 1 < d.args.size(); ++i) {
    written += " " + d.args[i].value.str();
  }
  return "a ';' is missing after `" + written + "`: the `" + last +
         " {` that follows is read as its argument and body";
}
} // namespace

void Walker::unknown_or_not_allowed(const conf::Directive& d) {
  if (name_contexts(d.name, mail_loaded) != 0 && !removed_in_version(d.name)) {
    error(rules::k_not_allowed, d, "\"" + d.name + "\" directive is not allowed here");
    out.diagnostics.back().hint = swallowed_block_hint(d);
  } else {
    error(rules::k_unknown_directive, d, "unknown directive \"" + d.name + "\"");
    if (current_conf != nullptr) {
      // Perhaps a misspelt mail directive: what it was meant to set is unknown.
      current_conf->lost |= misspelt_mail_directives(d.name);
    }
  }
}

const Diagnostic* Walker::tree_errors_in(std::size_t file, std::span<const conf::Directive> list,
                                         std::pair<int, int> from, std::pair<int, int> to,
                                         bool skip_servers_inside) const {
  if (file >= tree.files.size()) {
    return nullptr;
  }
  // The file's error positions, sorted once: asked for each of 100k servers.
  if (error_positions.size() != tree.files.size()) {
    error_positions.assign(tree.files.size(), {});
    error_positions_built.assign(tree.files.size(), false);
  }
  const auto& errors = tree.files[file].errors;
  auto& positions = error_positions[file];
  if (!error_positions_built[file]) {
    error_positions_built[file] = true;
    for (std::size_t i = 0; i < errors.size(); ++i) {
      // A lone ';' is reported and skipped: no statement is lost with it.
      if (errors[i].message != "unexpected \";\"") {
        positions.emplace_back(errors[i].location.line, errors[i].location.column, i);
      }
    }
    std::sort(positions.begin(), positions.end());
  }
  const auto first_between = [&](std::pair<int, int> a,
                                 std::pair<int, int> b) -> const Diagnostic* {
    const auto it = std::lower_bound(positions.begin(), positions.end(),
                                     std::tuple(a.first, a.second, std::size_t{0}));
    if (it == positions.end() || std::pair(std::get<0>(*it), std::get<1>(*it)) >= b) {
      return nullptr;
    }
    return &errors[std::get<2>(*it)];
  };
  if (positions.empty()) {
    from = to; // only the included files can still have errors
  }
  for (const auto& c : list) {
    if (c.name == "include") {
      for (const auto index : c.includes) {
        if (index == file || index >= tree.files.size()) {
          continue;
        }
        if (const auto* e = tree_errors_in(index, tree.files[index].parsed, {0, 0},
                                           {INT_MAX, INT_MAX}, skip_servers_inside)) {
          return e;
        }
      }
      continue; // its own open() errors lie in the gap that goes on past it
    }
    if (skip_servers_inside && c.has_block && c.name == "server") {
      if (const auto* e = first_between(from, {c.line, c.column})) {
        return e;
      }
      from = {c.block_end_line > 0 ? c.block_end_line : INT_MAX, INT_MAX};
    }
  }
  return first_between(from, to);
}

void Walker::mark_lost(ContextConf& conf, const Diagnostic& because) const {
  conf.lost = k_all_lost;
  if (!conf.lost_because.empty()) {
    return;
  }
  // An unreadable include: name the file, whose settings are unknown.
  const std::string_view text = because.message;
  if (because.rule == rules::k_include_error.id && text.starts_with("open() \"")) {
    const auto end = text.find('"', 8);
    conf.lost_because =
        "depends on " + std::string(text.substr(8, end - 8)) + ", which could not be read";
    return;
  }
  conf.lost_because = "nginx stops at the error at " + because.location.file.str() + ":" +
                      std::to_string(because.location.line) +
                      " and reads nothing of this block after it";
}

const Diagnostic* Walker::tree_errors_in_block(const conf::Directive& d,
                                               bool skip_servers_inside) const {
  return tree_errors_in(d.file, d.block, {d.end_line, d.end_column},
                        {d.block_end_line > 0 ? d.block_end_line : INT_MAX, 0},
                        skip_servers_inside);
}

void Walker::flush_pending_syntax(std::size_t file, int line, int column) {
  if (!options.include_syntax_errors || file >= syntax_next.size()) {
    return;
  }
  const auto& errors = tree.files[file].errors;
  auto& next = syntax_next[file];
  while (next < errors.size() &&
         std::pair(errors[next].location.line, errors[next].location.column) <
             std::pair(line, column)) {
    out.diagnostics.push_back(errors[next++]);
    --syntax_left;
  }
}

void Walker::flush_all_syntax() {
  for (std::size_t file = 0; file < syntax_next.size(); ++file) {
    flush_syntax(file, INT_MAX, INT_MAX);
  }
}

void Walker::walk_block(const conf::Directive& d, Context ctx, ContextConf* conf,
                        ServerConf* server) {
  walk(d.block, ctx, conf, server);
  // A block cut short by the end of the file (block_end_line 0) ends with the file's errors.
  flush_syntax(d.file, d.block_end_line > 0 ? d.block_end_line : INT_MAX, 0);
}

void Walker::walk(std::span<const conf::Directive> list, Context ctx, ContextConf* conf,
                  ServerConf* server) {
  ContextConf* const outer_conf = current_conf;
  current_conf = conf;
  walk_list(list, ctx, conf, server);
  current_conf = outer_conf;
}

void Walker::walk_list(std::span<const conf::Directive> list, Context ctx, ContextConf* conf,
                       ServerConf* server) {
  for (const auto& d : list) {
    flush_syntax(d.file, d.line, d.column);
    if (d.name == "include") {
      if (!check_shape(d, ArgClass::take1, false)) {
        continue;
      }
      flush_syntax(d.file, d.end_line, d.end_column + 1); // open() and glob() errors
      if (include_depth >= k_max_include_depth) {
        continue;
      }
      ++include_depth;
      for (const auto index : d.includes) {
        if (index < tree.files.size() && index != d.file) {
          walk(tree.files[index].parsed, ctx, conf, server);
          flush_syntax(index, INT_MAX, INT_MAX);
        }
      }
      --include_depth;
      continue;
    }
    switch (ctx) {
    case k_ctx_main:
    case k_ctx_events:
      main_directive(d, ctx);
      break;
    case k_ctx_http:
      if ((name_contexts(d.name, mail_loaded) & k_ctx_http) == 0) {
        unknown_or_not_allowed(d);
      } else if (d.has_block && !is_opaque_http_block(d.name)) {
        walk_block(d, k_ctx_http, nullptr, nullptr);
      } else if (d.name == "listen" && !d.args.empty()) {
        http_listen(d);
      }
      break;
    case k_ctx_mail:
    case k_ctx_mail_server: {
      if (skip_servers && d.name == "server") {
        break; // read_mail_settings: the servers come in the real walk (100k of them)
      }
      const auto* spec = mail_loaded ? find_mail_directive(d.name) : nullptr;
      if (spec == nullptr || (spec->contexts & ctx) == 0 || conf == nullptr ||
          removed_in_version(d.name)) {
        unknown_or_not_allowed(d);
      } else {
        const std::size_t errors_before = out.diagnostics.size();
        mail_directive(d, *spec, ctx, *conf, server);
        const MailId id = mail_id(*spec);
        if (id != MailId::server &&
            std::any_of(out.diagnostics.begin() + static_cast<std::ptrdiff_t>(errors_before),
                        out.diagnostics.end(),
                        [](const Diagnostic& e) { return e.severity == Severity::error; })) {
          conf->lost |= mail_id_bit(id);
        }
      }
      break;
    }
    }
  }
}

bool Walker::check_simple_value(const conf::Directive& d, ValueKind kind,
                                std::span<const std::string_view> words, std::int64_t& value) {
  // Called for most directives of every server: the messages are built only on failure.
  const conf::Text arg = d.args.empty() ? d.name : d.args[0].value;
  const auto quoted = [&] { return "\"" + d.name + "\" directive"; };
  switch (kind) {
  case ValueKind::flag: {
    const auto flag = parse_flag(arg);
    if (!flag) {
      error(rules::k_invalid_value, d,
            "invalid value \"" + arg + "\" in " + quoted() + ", it must be \"on\" or \"off\"");
      return false;
    }
    value = *flag ? 1 : 0;
    return true;
  }
  case ValueKind::msec:
  case ValueKind::sec:
  case ValueKind::size: {
    const auto parsed =
        kind == ValueKind::size ? parse_size(arg) : parse_time(arg, kind == ValueKind::sec);
    if (!parsed) {
      error(rules::k_invalid_value, d, quoted() + " invalid value");
      return false;
    }
    value = *parsed;
    return true;
  }
  case ValueKind::number: {
    const auto parsed = parse_number(arg);
    if (!parsed) {
      error(rules::k_invalid_value, d, quoted() + " invalid number");
      return false;
    }
    value = *parsed;
    return true;
  }
  case ValueKind::enumeration: {
    const auto index = find_word(words, arg);
    if (!index) {
      error(rules::k_invalid_value, d, "invalid value \"" + arg + "\"");
      return false;
    }
    value = static_cast<std::int64_t>(*index);
    return true;
  }
  default:
    return true;
  }
}

bool Walker::check_error_log(const conf::Directive& d) {
  // ngx_log_set_log + ngx_log_set_levels (src/core/ngx_log.c).
  static constexpr std::string_view levels[] = {"emerg", "alert",  "crit", "error",
                                                "warn",  "notice", "info", "debug"};
  static constexpr std::string_view debug_levels[] = {"debug_core",  "debug_alloc", "debug_mutex",
                                                      "debug_event", "debug_http",  "debug_mail",
                                                      "debug_stream"};
  const conf::Text target = d.args[0].value;
  if (target.starts_with("memory:")) {
    if (const auto size = parse_size(target.substr(7)); !size || *size < 4096) {
      error(rules::k_invalid_value, d,
            "invalid buffer size \"" + conf::Text(target.substr(7)) + "\"");
      return false;
    }
  }
  bool level_set = false;
  bool debug_set = false;
  for (std::size_t i = 1; i < d.args.size(); ++i) {
    const conf::Text word = d.args[i].value;
    bool found = false;
    for (const auto level : levels) {
      if (word == level) {
        if (level_set || debug_set) {
          error(rules::k_invalid_value, d, "duplicate log level \"" + word + "\"");
          return false;
        }
        level_set = true;
        found = true;
        break;
      }
    }
    for (const auto level : debug_levels) {
      if (!found && word == level) {
        if (level_set) {
          error(rules::k_invalid_value, d, "invalid log level \"" + word + "\"");
          return false;
        }
        debug_set = true;
        found = true;
        break;
      }
    }
    if (!found) {
      error(rules::k_invalid_value, d, "invalid log level \"" + word + "\"");
      return false;
    }
  }
  return true;
}

void Walker::main_directive(const conf::Directive& d, Context ctx) {
  const auto* spec = find_core_directive(d.name);
  if (spec != nullptr && spec->mail_module && !mail_loaded && (spec->contexts & ctx) != 0) {
    unloaded_mail_block(d);
    return;
  }
  if (spec == nullptr || (spec->contexts & ctx) == 0 || (spec->mail_module && !mail_loaded)) {
    unknown_or_not_allowed(d);
    return;
  }
  if (!check_shape(d, spec->args, spec->block)) {
    return;
  }
  auto& seen = ctx == k_ctx_main ? main_seen : events_dup;
  if (spec->repeat == Repeat::dup && d.name != "mail" && !seen.insert(d.name.str()).second) {
    error(rules::k_duplicate, d, "\"" + d.name + "\" directive is duplicate");
    return;
  }
  const conf::Text arg = d.args.empty() ? conf::Text() : d.args[0].value;
  std::int64_t value = 0;
  if (d.name == "load_module") {
    if (modules_used) {
      error(rules::k_load_module, d, "\"load_module\" directive is specified too late");
    } else if (basename(arg) == "ngx_mail_module.so") {
      if (mail_loaded) {
        error(rules::k_load_module, d, "module \"ngx_mail_module\" is already loaded");
      }
      mail_loaded = true;
      out.mail_module_loaded = true;
    }
  } else if (d.name == "events") {
    modules_used = true;
    events_seen = true;
    walk_block(d, k_ctx_events, nullptr, nullptr);
  } else if (d.name == "http") {
    modules_used = true;
    http_seen = true;
    walk_block(d, k_ctx_http, nullptr, nullptr);
    close_listen_block();
  } else if (d.name == "mail") {
    mail_block(d);
  } else if (d.name == "user") {
    user_directive(d);
  } else if (d.name == "error_log") {
    if (check_error_log(d)) {
      add_log_file(d);
      out.main_error_log.push_back({{}, location(d)});
      for (const auto& a : d.args) {
        out.main_error_log.back().args.push_back(a.value.str());
      }
    }
  } else if (d.name == "worker_processes") {
    if (arg == "auto") {
      worker_processes.reset();
    } else if (const auto n = parse_number(arg)) {
      worker_processes = *n;
    } else {
      error(rules::k_invalid_value, d, "\"worker_processes\" directive invalid value");
    }
  } else if (d.name == "worker_priority") {
    // ngx_set_priority: a sign, then digits; only a priority other than 0 makes a second one
    // a duplicate.
    if (worker_priority_set) {
      error(rules::k_duplicate, d, "\"worker_priority\" directive is duplicate");
      return;
    }
    const bool sign = arg.starts_with('-') || arg.starts_with('+');
    const auto n = parse_number(std::string_view(arg).substr(sign ? 1 : 0));
    if (!n) {
      error(rules::k_invalid_value, d, "\"worker_priority\" directive invalid number");
    }
    worker_priority_set = n && *n != 0;
  } else if (d.name == "worker_cpu_affinity") {
    worker_cpu_affinity(d);
  } else if (d.name == "thread_pool") {
    thread_pool(d);
  } else if (d.name == "debug_connection") {
    debug_connection(d);
  } else if (d.name == "pid") {
    pid_file.emplace(arg.str(), location(d));
  } else if (d.name == "worker_connections") {
    if (const auto n = parse_number(arg)) {
      worker_connections = *n;
      worker_connections_where = location(d);
    } else {
      error(rules::k_invalid_value, d, "invalid number \"" + arg + "\"");
    }
  } else if (d.name == "use") {
    if (arg != "epoll" && arg != "poll" && arg != "select") {
      error(rules::k_invalid_value, d, "invalid event type \"" + arg + "\"");
    }
  } else {
    check_simple_value(d, spec->kind, spec->values, value);
  }
}

void Walker::mail_block(const conf::Directive& d) {
  if (mail_seen) {
    // ngx_mail_block returns "is duplicate" before reading the block.
    error(rules::k_duplicate, d, "\"mail\" directive is duplicate");
    return;
  }
  mail_seen = true;
  modules_used = true;
  auto& mail = out.mail.emplace();
  mail.conf.where = location(d);
  MergeOptions merge;
  merge.hostname = options.hostname ? *options.hostname : system_hostname();
  merge.conf_prefix = tree.conf_prefix;
  merge.files = options.files;
  merge.version = options.version;
  merge.mail_end = location(d);
  merge.mail_end.line = d.block_end_line;
  merge.mail_end.column = 0;
  // nginx merges at mail's '}' with every mail{} setting, also those after a server; with them
  // read first, each server is merged at its own '}' and need not be kept.
  const ContextConf settings = read_mail_settings(d);
  // Mostly one listen a server: the duplicate check's table sized once, not doubled 12 times.
  const auto servers = std::count_if(d.block.begin(), d.block.end(),
                                     [](const conf::Directive& s) { return s.name == "server"; });
  listen_keys.reserve(static_cast<std::size_t>(servers), static_cast<std::size_t>(servers) * 8);
  MailMerger merger(settings, std::move(merge));
  mail_settings = &settings;
  this->merger = &merger;
  walk_block(d, k_ctx_mail, &mail.conf, nullptr);
  this->merger = nullptr;
  mail_settings = nullptr;
  merger.finish(out.diagnostics);
  close_listen_block();
}

ContextConf Walker::read_mail_settings(const conf::Directive& d) {
  Analysis scratch;
  AnalyzeOptions quiet = options;
  quiet.include_syntax_errors = false;
  Walker reader{tree, quiet, scratch, {}};
  reader.file_paths = file_paths;
  reader.mail_loaded = true;
  reader.skip_servers = true;
  ContextConf settings;
  settings.where = location(d);
  reader.walk(d.block, k_ctx_mail, &settings, nullptr);
  if (const auto* e = tree_errors_in_block(d, true)) {
    mark_lost(settings, *e);
  }
  return settings;
}

void Walker::server_done(std::size_t index) {
  auto& servers = out.mail->servers;
  if (merger == nullptr) {
    return;
  }
  const EffectiveServer& merged = merger->merge_next(servers[index]);
  if (!options.on_server) {
    out.servers.push_back(merged);
    return;
  }
  options.on_server(ServerView{merged, servers[index], *mail_settings});
  if (index + 1 == servers.size()) {
    spare_server = std::move(servers.back());
    servers.pop_back();
  }
}

void Walker::unloaded_mail_block(const conf::Directive& d) {
  // nginx stops at this error. The block is still analysed as if the module were loaded (a
  // forgotten load_module hides no other mistake); the error itself stays nginx's exact text.
  unknown_or_not_allowed(d);
  if (mail_seen || !d.has_block || !d.args.empty()) {
    return;
  }
  mail_loaded = true;
  out.mail_module_assumed = true;
  mail_block(d);
  mail_loaded = false;
}

} // namespace detail

Analysis analyze(const conf::ConfTree& tree, const AnalyzeOptions& options) {
  Analysis out;
  if (tree.files.empty()) {
    return out;
  }
  detail::Walker walker{tree, options, out, {}};
  for (const auto& file : tree.files) {
    walker.file_paths.emplace_back(file.path);
  }
  if (options.include_syntax_errors) {
    walker.syntax_next.assign(tree.files.size(), 0);
    for (const auto& file : tree.files) {
      walker.syntax_left += file.errors.size();
    }
  }
  walker.walk(tree.files[0].parsed, k_ctx_main, nullptr, nullptr);
  walker.flush_all_syntax();
  walker.core_init_conf();
  if (!walker.events_seen) {
    Diagnostic diag;
    diag.rule = std::string(rules::k_no_events.id);
    diag.severity = Severity::error;
    diag.message = "no \"events\" section in configuration";
    diag.location.file = tree.files[0].path; // the main file, no line: nginx names none
    diag.unlocated_in_nginx = true;
    out.diagnostics.push_back(std::move(diag));
  }
  walker.init_checks();
  std::uint32_t order = 0;
  for (auto& d : out.diagnostics) {
    d.nginx_order = ++order;
  }
  return out;
}

} // namespace popcheck::model
