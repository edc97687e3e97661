#include <popcheck/imap/capabilities.hpp>

namespace popcheck::imap {
namespace {

constexpr std::string_view k_items[] = {"AUTH=PLAIN", "AUTH=LOGIN", "AUTH=CRAM-MD5",
                                        "AUTH=EXTERNAL"};

std::string head(const std::vector<std::string>& caps) {
  std::string out = "* CAPABILITY";
  for (const auto& cap : caps) {
    out += ' ';
    out += cap;
  }
  return out;
}

std::string with_auth(const std::vector<std::string>& caps, unsigned methods) {
  std::string out = head(caps);
  for (const auto item : auth_items(methods)) {
    out += ' ';
    out += item;
  }
  return out;
}

} // namespace

std::vector<std::string_view> auth_items(unsigned methods) {
  std::vector<std::string_view> out;
  for (unsigned bit = 0; bit < 4; ++bit) {
    if (methods & (1u << bit)) {
      out.push_back(k_items[bit]);
    }
  }
  return out;
}

std::string capability_normal(const std::vector<std::string>& caps, unsigned methods) {
  return with_auth(caps, methods) + "\r\n";
}

std::string capability_starttls_on(const std::vector<std::string>& caps, unsigned methods) {
  return with_auth(caps, methods) + " STARTTLS\r\n";
}

std::string capability_starttls_only(const std::vector<std::string>& caps) {
  return head(caps) + " STARTTLS LOGINDISABLED\r\n";
}

std::string capability_line(const std::vector<std::string>& caps, unsigned methods,
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
