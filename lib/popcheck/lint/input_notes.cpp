#include <map>
#include <popcheck/lint/input_notes.hpp>
#include <set>

namespace popcheck::lint {
namespace {

// The http{} blocks nginx reads: at the top of the main file and of the files it includes there.
void find_http_blocks(const conf::ConfTree& tree, std::span<const conf::Directive> list,
                      std::set<std::size_t>& visiting, std::vector<const conf::Directive*>& out) {
  for (const auto& d : list) {
    if (d.name == "http" && d.has_block) {
      out.push_back(&d);
    } else if (d.name == "include") {
      for (const auto index : d.includes) {
        if (index < tree.files.size() && visiting.insert(index).second) {
          find_http_blocks(tree, tree.files[index].parsed, visiting, out);
          visiting.erase(index);
        }
      }
    }
  }
}

// The lines (nginx's: the line of the ';' or '{') of the directives in `list` that hold a
// ${NAME} placeholder.
void placeholder_lines(std::span<const conf::Directive> list, std::set<int>& out) {
  for (const auto& d : list) {
    for (const auto& a : d.args) {
      if (a.value.find("${") != std::string_view::npos) {
        out.insert(d.end_line);
        break;
      }
    }
    placeholder_lines(d.block, out);
  }
}

} // namespace

void check_template_files(const LintContext& context, Diagnostics& out) {
  for (const auto& file : context.tree.files) {
    if (!file.template_mark) {
      continue;
    }
    const auto& mark = *file.template_mark;
    out.push_back(finding(
        rules::k_template_file, Location{file.path, mark.line, mark.column},
        "this file is a template, not yet a configuration: nginx reads `" + mark.text +
            "` literally; " +
            (mark.text.starts_with("${")
                 ? "errors past the first on a line with a placeholder are left out"
                 : "its errors past the first are left out, they follow from the placeholders"),
        "lint the rendered file (the output of the template engine, or `nginx -T` on the host)"));
  }
}

void check_http_blocks(const LintContext& context, Diagnostics& out) {
  if (context.tree.files.empty()) {
    return;
  }
  std::set<std::size_t> visiting{0};
  std::vector<const conf::Directive*> blocks;
  find_http_blocks(context.tree, context.tree.files[0].parsed, visiting, blocks);
  for (const conf::Directive* d : blocks) {
    out.push_back(finding(
        rules::k_http_not_checked, Location{context.tree.files[d->file].path, d->line, d->column},
        "popcheck checks only the names and contexts of the directives in http{}: nginx -t "
        "may still reject its values (proxy_pass URLs, variables, duplicate locations, "
        "listen sockets)",
        "run `nginx -t` for the http part"));
  }
}

void drop_template_knock_ons(const conf::ConfTree& tree, Diagnostics& nginx) {
  // Jinja-style placeholders ({{ }}, {% %}) break the file's structure: every error after the
  // first may follow from them. envsubst names (${NAME}) only stand for values: an error is
  // theirs when it quotes one.
  std::map<std::string_view, bool> structural;     // template file -> Jinja-style
  std::map<std::string_view, std::set<int>> lines; // envsubst file -> lines with a placeholder
  for (const auto& file : tree.files) {
    if (file.template_mark) {
      structural[file.path] = !file.template_mark->text.starts_with("${");
      placeholder_lines(file.parsed, lines[file.path]);
    }
  }
  if (structural.empty()) {
    return;
  }
  std::set<std::string_view> first_seen;
  std::erase_if(nginx, [&](const Diagnostic& d) {
    const auto it = structural.find(d.location.file.str());
    if (d.severity != Severity::error || it == structural.end()) {
      return false;
    }
    if (first_seen.insert(it->first).second) {
      return false; // the error nginx -t prints for this file
    }
    return it->second || d.message.find("${") != std::string::npos ||
           lines[it->first].contains(d.location.line);
  });
}

} // namespace popcheck::lint
