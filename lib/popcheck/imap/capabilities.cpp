#include <popcheck/imap/capabilities.hpp>
#include <utility>

namespace popcheck::imap {
namespace {

using model::AuthMethod;
// nginx's fixed order, whatever the configuration's.
constexpr std::pair<AuthMethod, std::string_view> k_items[] = {
    {AuthMethod::plain, "AUTH=PLAIN"},
    {AuthMethod::login, "AUTH=LOGIN"},
    {AuthMethod::cram_md5, "AUTH=CRAM-MD5"},
    {AuthMethod::external, "AUTH=EXTERNAL"}};

std::string head(const std::vector<std::string>& caps) {
  std::string out = "* CAPABILITY";
  for (const auto& cap : caps) {
    out += ' ';
    out += cap;
  }
  return out;
}

std::string with_auth(const std::vector<std::string>& caps, model::AuthMethods methods) {
  std::string out = head(caps);
  for (const auto item : auth_items(methods)) {
    out += ' ';
    out += item;
  }
  return out;
}

} // namespace

std::vector<std::string_view> auth_items(model::AuthMethods methods) {
  std::vector<std::string_view> out;
  for (const auto& [method, item] : k_items) {
    if (methods.has(method)) {
      out.push_back(item);
    }
  }
  return out;
}

std::string capability_normal(const std::vector<std::string>& caps, model::AuthMethods methods) {
  return with_auth(caps, methods) + "\r\n";
}

std::string capability_starttls_on(const std::vector<std::string>& caps,
                                   model::AuthMethods methods) {
  return with_auth(caps, methods) + " STARTTLS\r\n";
}

std::string capability_starttls_only(const std::vector<std::string>& caps) {
  return head(caps) + " STARTTLS LOGINDISABLED\r\n";
}

std::string capability_line(const std::vector<std::string>& caps, model::AuthMethods methods,
                            Starttls starttls, bool tls) {
  if (tls || starttls == Starttls::off) {
    return capability_normal(caps, methods);
  }
  return starttls == Starttls::on ? capability_starttls_on(caps, methods)
                                  : capability_starttls_only(caps);
}

std::string tagged_ok(std::string_view tag) {
  return std::string(tag) + " OK completed\r\n";
}

} // namespace popcheck::imap
