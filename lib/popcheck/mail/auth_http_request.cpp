#include <algorithm>
#include <cstdint>
#include <popcheck/mail/auth_http_request.hpp>
#include <popcheck/util/text_cursor.hpp>

namespace popcheck::mail {
namespace {

constexpr std::string_view k_hex = "0123456789ABCDEF";

bool needs_escape(unsigned char byte) {
  return byte <= 0x20 || byte == '%';
}

// The request is built for every login: written once in place (util::append_in_place) into room
// measured by a first pass over the same lines (Measure), so that no header line makes a string
// of its own or grows the request.
struct Measure {
  std::size_t size = 0;
  void put(std::string_view text) { size += text.size(); }
  void line(std::string_view name, std::string_view value) {
    size += name.size() + value.size() + 4;
  }
  void escaped_line(std::string_view name, std::string_view value) {
    size += name.size() + value.size() * 3 + 4;
  }
  void number_line(std::string_view name, std::uint64_t) {
    size += name.size() + util::TextCursor::k_number_room + 4;
  }
};

struct Write : util::TextCursor {
  void line(std::string_view name, std::string_view value) {
    put(name);
    put(": ");
    put(value);
    put("\r\n");
  }
  void escaped_line(std::string_view name, std::string_view value) {
    put(name);
    put(": ");
    escaped(value);
    put("\r\n");
  }
  void number_line(std::string_view name, std::uint64_t value) {
    put(name);
    put(": ");
    number(value);
    put("\r\n");
  }
  void escaped(std::string_view text) {
    for (const char ch : text) {
      const auto byte = static_cast<unsigned char>(ch);
      if (needs_escape(byte)) {
        at[0] = '%';
        at[1] = k_hex[byte >> 4];
        at[2] = k_hex[byte & 0x0f];
        at += 3;
      } else {
        *at++ = ch;
      }
    }
  }
};

template <class Out> void line_if(Out& out, std::string_view name, std::string_view value) {
  if (!value.empty()) {
    out.line(name, value);
  }
}

// ngx_mail_auth_http_create_request()'s lines, in its order, to a Measure or a Write.
template <class Out>
void request_lines(Out& out, const AuthHttpTarget& target, const AuthRequestEvent& request,
                   const AuthHttpClient& client, const AuthHttpProtocolLines& lines) {
  out.put("GET ");
  out.put(target.uri.empty() ? std::string_view("/") : std::string_view(target.uri));
  out.put(" HTTP/1.0\r\n");
  out.line("Host", target.host);
  out.line("Auth-Method", auth_method_name(request.method));
  out.escaped_line("Auth-User", request.login);
  out.escaped_line("Auth-Pass", request.password);
  if (request.salt) {
    out.line("Auth-Salt", *request.salt);
  }
  out.line("Auth-Protocol", lines.protocol);
  out.number_line("Auth-Login-Attempt", request.attempt);
  out.line("Client-IP", client.address);
  if (lines.client_host) {
    out.line("Client-Host", *lines.client_host);
  }
  if (client.proxy_protocol) {
    const auto& pp = *client.proxy_protocol;
    out.line("Proxy-Protocol-Addr", pp.source_address);
    out.number_line("Proxy-Protocol-Port", pp.source_port);
    out.line("Proxy-Protocol-Server-Addr", pp.destination_address);
    out.number_line("Proxy-Protocol-Server-Port", pp.destination_port);
  }
  if (lines.smtp_envelope) {
    // HELO, MAIL and RCPT cannot hold CR LF: nginx sends them unescaped.
    out.line("Auth-SMTP-Helo", lines.smtp_envelope->helo);
    out.line("Auth-SMTP-From", lines.smtp_envelope->from);
    out.line("Auth-SMTP-To", lines.smtp_envelope->to);
  }
  if (client.tls) {
    const auto& tls = *client.tls;
    out.put("Auth-SSL: on\r\n");
    line_if(out, "Auth-SSL-Protocol", tls.protocol);
    line_if(out, "Auth-SSL-Cipher", tls.cipher);
    if (tls.verify_client) {
      line_if(out, "Auth-SSL-Verify", tls.verify);
      line_if(out, "Auth-SSL-Subject", tls.subject);
      line_if(out, "Auth-SSL-Issuer", tls.issuer);
      line_if(out, "Auth-SSL-Serial", tls.serial);
      line_if(out, "Auth-SSL-Fingerprint", tls.fingerprint);
      if (target.pass_client_cert && !tls.certificate_pem.empty()) {
        out.escaped_line("Auth-SSL-Cert", tls.certificate_pem);
      }
    }
  }
  for (const auto& [name, value] : target.headers) {
    out.line(name, value);
  }
  out.put("\r\n");
}

} // namespace

std::string escape_auth_value(std::string_view text) {
  std::string out;
  util::append_in_place<Write>(out, text.size() * 3, [&](Write& w) { w.escaped(text); });
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
  append_auth_http_request(target, request, client, lines, out);
  return out;
}

void append_auth_http_request(const AuthHttpTarget& target, const AuthRequestEvent& request,
                              const AuthHttpClient& client, const AuthHttpProtocolLines& lines,
                              std::string& out) {
  Measure measure;
  request_lines(measure, target, request, client, lines);
  util::append_in_place<Write>(out, measure.size,
                               [&](Write& w) { request_lines(w, target, request, client, lines); });
}

} // namespace popcheck::mail
