#include <popcheck/mail/auth_http_request.hpp>

#include <algorithm>

namespace popcheck::mail {
namespace {

// "Name: value\r\n" in one step: a request has ~10 of these and is built for every login.
// The operation returns the length itself: libstdc++ 12 passes it the new capacity, not the
// requested size, when the string grows (seen here: the test of a request over 512 bytes).
void line(std::string& out, std::string_view name, std::string_view value) {
  const std::size_t at = out.size();
  const std::size_t size = at + name.size() + value.size() + 4;
  out.resize_and_overwrite(size, [&](char* data, std::size_t) {
    char* p = std::copy(name.begin(), name.end(), data + at);
    *p++ = ':';
    *p++ = ' ';
    p = std::copy(value.begin(), value.end(), p);
    *p++ = '\r';
    *p = '\n';
    return size;
  });
}

void line_if(std::string& out, std::string_view name, std::string_view value) {
  if (!value.empty()) {
    line(out, name, value);
  }
}

} // namespace

std::string escape_auth_value(std::string_view text) {
  constexpr std::string_view k_hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte <= 0x20 || byte == '%') {
      out += '%';
      out += k_hex[byte >> 4];
      out += k_hex[byte & 0x0f];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string build_auth_http_request(const AuthHttpTarget& target, const AuthRequestEvent& request,
                                    const AuthHttpClient& client) {
  return build_auth_http_request(target, request, client, AuthHttpProtocolLines{});
}

std::string build_auth_http_request(const AuthHttpTarget& target, const AuthRequestEvent& request,
                                    const AuthHttpClient& client,
                                    const AuthHttpProtocolLines& lines) {
  std::string out;
  out.reserve(512);
  out += "GET ";
  out += target.uri.empty() ? std::string_view("/") : std::string_view(target.uri);
  out += " HTTP/1.0\r\n";
  line(out, "Host", target.host);
  line(out, "Auth-Method", auth_method_name(request.method));
  line(out, "Auth-User", escape_auth_value(request.login));
  line(out, "Auth-Pass", escape_auth_value(request.password));
  if (request.salt) {
    line(out, "Auth-Salt", *request.salt);
  }
  line(out, "Auth-Protocol", lines.protocol);
  line(out, "Auth-Login-Attempt", std::to_string(request.attempt));
  line(out, "Client-IP", client.address);
  if (lines.client_host) {
    line(out, "Client-Host", *lines.client_host);
  }
  if (client.proxy_protocol) {
    const auto& pp = *client.proxy_protocol;
    line(out, "Proxy-Protocol-Addr", pp.source_address);
    line(out, "Proxy-Protocol-Port", std::to_string(pp.source_port));
    line(out, "Proxy-Protocol-Server-Addr", pp.destination_address);
    line(out, "Proxy-Protocol-Server-Port", std::to_string(pp.destination_port));
  }
  if (lines.smtp_envelope) {
    // HELO, MAIL and RCPT cannot hold CR LF: nginx sends them unescaped.
    line(out, "Auth-SMTP-Helo", lines.smtp_envelope->helo);
    line(out, "Auth-SMTP-From", lines.smtp_envelope->from);
    line(out, "Auth-SMTP-To", lines.smtp_envelope->to);
  }
  if (client.tls) {
    const auto& tls = *client.tls;
    out += "Auth-SSL: on\r\n";
    line_if(out, "Auth-SSL-Protocol", tls.protocol);
    line_if(out, "Auth-SSL-Cipher", tls.cipher);
    if (tls.verify_client) {
      line_if(out, "Auth-SSL-Verify", tls.verify);
      line_if(out, "Auth-SSL-Subject", tls.subject);
      line_if(out, "Auth-SSL-Issuer", tls.issuer);
      line_if(out, "Auth-SSL-Serial", tls.serial);
      line_if(out, "Auth-SSL-Fingerprint", tls.fingerprint);
      if (target.pass_client_cert) {
        line_if(out, "Auth-SSL-Cert", escape_auth_value(tls.certificate_pem));
      }
    }
  }
  for (const auto& [name, value] : target.headers) {
    line(out, name, value);
  }
  out += "\r\n";
  return out;
}

} // namespace popcheck::mail
