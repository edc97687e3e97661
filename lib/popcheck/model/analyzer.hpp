#pragma once

// The analysis of a parsed tree as nginx -t reads it: directive dispatch with nginx's exact
// messages and lines, every value check of the mail module, include following, and at the '}' of
// mail{} the merge (merge.hpp). Unlike nginx it does not stop at the first error: it reports every
// error it can, in the order nginx would meet them, so diagnostics[0] is what nginx -t prints.

#include <optional>
#include <popcheck/conf/ast.hpp>
#include <popcheck/model/file_probe.hpp>
#include <popcheck/model/mail_conf.hpp>
#include <popcheck/model/merge.hpp>
#include <popcheck/model/net_url.hpp>
#include <string>
#include <vector>

namespace popcheck::model {

struct AnalyzeOptions {
  Resolver* resolver = nullptr;        // null: host names are not looked up (nothing is reported)
  FileProbe* files = nullptr;          // null: certificate, key and password files are not checked
  std::optional<std::string> hostname; // default server_name; unset = system_hostname()
};

struct Analysis {
  Diagnostics diagnostics; // nginx's order; the tree's own syntax errors are not repeated here
  bool mail_module_loaded = false;
  std::optional<MailConf> mail; // the first mail{} block
  std::vector<EffectiveServer> servers;
  std::vector<Entry> main_error_log;

  bool has_errors() const;
};

Analysis analyze(const conf::ConfTree& tree, const AnalyzeOptions& options = {});

} // namespace popcheck::model
