// LINT002 and LINT003: what popcheck was given to lint. nginx -t accepts a configuration without
// mail servers and an include pattern that matches nothing, silently; a CI job that lints the
// wrong file, or a checkout whose paths differ from the server's, would pass having checked
// nothing. Both read the tree only: the includes it expanded are its record of what matched.

#include <popcheck/lint/checks.hpp>
#include <string>

namespace popcheck::lint {
namespace {

// nginx's include is a glob when the path has one of these (ngx_conf_include()).
bool is_glob(std::string_view path) {
  return path.find_first_of("*?[") != std::string_view::npos;
}

// Whether the file reported an include error (CONF002) on `line`: an unreadable match or a cycle
// leaves the include as empty as a pattern that matched nothing.
bool include_error_on(const conf::ConfFile& file, int line) {
  for (const auto& e : file.errors) {
    if (e.rule == rules::k_include_error.id && e.location.line == line) {
      return true;
    }
  }
  return false;
}

// Whether the tree may not show every server: a file could not be read (CONF002), or did not
// parse (CONF001: after a syntax error nginx reads nothing more, and popcheck's recovery may nest
// what follows differently, as in a template).
bool tree_incomplete(const conf::ConfTree& tree) {
  for (const auto& file : tree.files) {
    for (const auto& e : file.errors) {
      if (e.rule == rules::k_include_error.id || e.rule == rules::k_syntax_error.id) {
        return true;
      }
    }
  }
  return false;
}

// Counts mail{} blocks and their servers, includes expanded in place as nginx reads them.
struct MailCounter {
  const conf::ConfTree& tree;
  const conf::Directive* first_mail = nullptr;
  int servers = 0;
  bool swallowed_mail = false; // a `mail {` read as a directive's last argument and its body

  void walk(std::span<const conf::Directive> list, bool in_mail, int depth) {
    if (depth > 64) {
      return; // include cycles are reported (CONF002) and cut by the resolver; this is a bound
    }
    for (const auto& d : list) {
      if (d.name == "include") {
        for (const auto index : d.includes) {
          walk(tree.files[index].parsed, in_mail, depth + 1);
        }
      } else if (d.has_block && !in_mail && d.name == "mail") {
        first_mail = first_mail != nullptr ? first_mail : &d;
        walk(d.block, true, depth + 1);
      } else if (d.has_block && in_mail && d.name == "server") {
        ++servers;
      } else if (d.has_block && !in_mail && !d.args.empty() &&
                 d.args.back().value.str() == "mail") {
        swallowed_mail = true; // `server_tokens off` + `mail {`: the error (with its hint) says it
      } else if (d.has_block && !in_mail) {
        walk(d.block, false, depth + 1); // mail{} is main-level only, but say so where it is
      }
    }
  }
};

void each_include(const conf::ConfTree& tree, std::span<const conf::Directive> list,
                  const conf::ConfFile& file, Diagnostics& out) {
  for (const auto& d : list) {
    if (d.has_block) {
      each_include(tree, d.block, file, out);
      continue;
    }
    if (d.name != "include" || d.args.size() != 1 || !d.includes.empty()) {
      continue;
    }
    const std::string written = d.args.front().value.str();
    if (!is_glob(written) || include_error_on(file, d.end_line)) {
      continue;
    }
    // The pattern nginx globbed: relative paths are relative to the configuration prefix.
    const std::string pattern = written.starts_with('/') ? written : tree.conf_prefix + written;
    out.push_back(finding(rules::k_include_matched_nothing, {file.path, d.line, d.column},
                          "include " + pattern + " matched no file",
                          "nginx accepts an empty include silently; check the pattern, or map "
                          "the server's paths with --path-map FROM=TO"));
  }
}

} // namespace

void check_no_mail_server(const LintContext& context, Diagnostics& out) {
  const auto& tree = context.tree;
  if (tree.files.empty() || tree_incomplete(tree)) {
    return; // the servers may be in what could not be read or parsed
  }
  MailCounter counter{tree};
  counter.walk(tree.files.front().parsed, false, 0);
  if (counter.servers > 0 || counter.swallowed_mail) {
    return;
  }
  if (counter.first_mail != nullptr) {
    const auto& d = *counter.first_mail;
    out.push_back(finding(rules::k_no_mail_server, {tree.files[d.file].path, d.line, d.column},
                          "no mail server was linted: this mail {} block has no server"));
    return;
  }
  out.push_back(finding(rules::k_no_mail_server, {tree.files.front().path, 0, 0},
                        "no mail server was linted: the configuration has no mail {} block",
                        "lint the file that holds or includes mail {}"));
}

void check_include_matched_nothing(const LintContext& context, Diagnostics& out) {
  for (const auto& file : context.tree.files) {
    each_include(context.tree, file.parsed, file, out);
  }
}

} // namespace popcheck::lint
