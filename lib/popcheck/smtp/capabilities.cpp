#include <popcheck/smtp/capabilities.hpp>
#include <utility>

namespace popcheck::smtp {
namespace {

using model::AuthMethod;
// nginx's fixed order; `none` has no name.
constexpr std::pair<AuthMethod, std::string_view> k_names[] = {{AuthMethod::plain, "PLAIN"},
                                                               {AuthMethod::login, "LOGIN"},
                                                               {AuthMethod::cram_md5, "CRAM-MD5"},
                                                               {AuthMethod::external, "EXTERNAL"}};

// The reply's lines before their "250-"/"250 " prefixes.
std::vector<std::string> ehlo_lines(std::string_view server_name,
                                    const std::vector<std::string>& caps,
                                    model::AuthMethods methods, bool with_auth) {
  std::vector<std::string> lines{std::string(server_name)};
  lines.insert(lines.end(), caps.begin(), caps.end());
  const auto names = auth_names(methods);
  if (with_auth && !names.empty()) {
    std::string auth = "AUTH";
    for (const auto name : names) {
      auth += ' ';
      auth += name;
    }
    lines.push_back(std::move(auth));
  }
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += i + 1 == lines.size() ? "250 " : "250-";
    out += lines[i];
    out += "\r\n";
  }
  return out;
}

} // namespace

std::vector<std::string_view> auth_names(model::AuthMethods methods) {
  std::vector<std::string_view> out;
  for (const auto& [method, name] : k_names) {
    if (methods.has(method)) {
      out.push_back(name);
    }
  }
  return out;
}

std::string greeting(std::string_view server_name) {
  return "220 " + std::string(server_name) + " ESMTP ready\r\n";
}

std::string helo_reply(std::string_view server_name) {
  return "250 " + std::string(server_name) + "\r\n";
}

std::string ehlo_normal(std::string_view server_name, const std::vector<std::string>& caps,
                        model::AuthMethods methods) {
  return join(ehlo_lines(server_name, caps, methods, true));
}

std::string ehlo_starttls_on(std::string_view server_name, const std::vector<std::string>& caps,
                             model::AuthMethods methods) {
  auto lines = ehlo_lines(server_name, caps, methods, true);
  lines.emplace_back("STARTTLS");
  return join(lines);
}

std::string ehlo_starttls_only(std::string_view server_name, const std::vector<std::string>& caps) {
  auto lines = ehlo_lines(server_name, caps, {}, false);
  lines.emplace_back("STARTTLS");
  return join(lines);
}

std::string ehlo_reply(std::string_view server_name, const std::vector<std::string>& caps,
                       model::AuthMethods methods, Starttls starttls, bool tls) {
  if (tls || starttls == Starttls::off) {
    return ehlo_normal(server_name, caps, methods);
  }
  return starttls == Starttls::on ? ehlo_starttls_on(server_name, caps, methods)
                                  : ehlo_starttls_only(server_name, caps);
}

} // namespace popcheck::smtp
