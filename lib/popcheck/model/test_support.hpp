#pragma once

// Helpers for the model's unit tests: analyse configuration text held in memory.

#include <map>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/model/analyzer.hpp>
#include <string>
#include <vector>

namespace popcheck::model::test {

inline const std::string k_load = "load_module /usr/lib/nginx/modules/ngx_mail_module.so;\n";

// Answers from a fixed table; other names are "not found".
class StaticResolver final : public Resolver {
public:
  std::map<std::string, std::vector<SockAddr>> hosts;
  std::optional<std::vector<SockAddr>> resolve(const std::string& host) override {
    const auto it = hosts.find(host);
    return it == hosts.end() ? std::vector<SockAddr>{} : it->second;
  }
};

inline SockAddr ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  SockAddr s;
  s.addr = {a, b, c, d};
  return s;
}

struct Run {
  MemoryFileReader files;
  StaticResolver resolver;
  MemoryFileProbe probe;
  MemoryBindProbe binds;
  bool use_resolver = true;
  bool use_probe = false;
  bool use_binds = false;

  Analysis operator()(const std::string& text) {
    auto tree = conf::parse_config_text(text, "/t/t.conf", files);
    AnalyzeOptions options;
    options.resolver = use_resolver ? &resolver : nullptr;
    options.files = use_probe ? &probe : nullptr;
    options.sockets = use_binds ? &binds : nullptr;
    options.hostname = "testhost";
    return analyze(tree, options);
  }
};

inline Analysis analyze_text(const std::string& text) {
  Run run;
  return run(text);
}

// nginx -t's message lines ("... in F:L") in the order found.
inline std::vector<std::string> texts(const Analysis& a) {
  std::vector<std::string> out;
  for (const auto& d : a.diagnostics) {
    out.push_back(d.nginx_text());
  }
  return out;
}

// A config with the module, events{} and `mail { BODY }` where BODY starts on line 4.
inline std::string mail_conf(const std::string& body) {
  return k_load + "events {}\nmail {\n" + body + "}\n";
}

} // namespace popcheck::model::test
