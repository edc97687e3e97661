#include <algorithm>
#include <cctype>
#include <popcheck/probe/generic_suite.hpp>
#include <popcheck/probe/suite_builder.hpp>
#include <sstream>

namespace popcheck::probe {
namespace {

using namespace build;

std::string upper(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

std::vector<Step> with(std::vector<Step> steps, const std::vector<Step>& more) {
  steps.insert(steps.end(), more.begin(), more.end());
  return steps;
}

// The greeting on plain/tls connections (starttls connections read it before the steps).
std::vector<Step> greeting(ConnectionKind kind) {
  if (kind == ConnectionKind::starttls) {
    return {};
  }
  return {expect_status("+OK")};
}

std::vector<Step> quit() {
  return {send("QUIT"), expect_status("+OK"), expect_close()};
}

} // namespace

Script capa_discovery(ConnectionKind kind) {
  Step capa = expect_multi("+OK");
  capa.multi.each = "^[\\x21-\\x7e]+( [\\x20-\\x7e]*)?$"; // RFC 2449 section 5: tag [SP params]
  capa.multi.capture_lines = "capa";
  return script("capa",
                "CAPA answers +OK and a dot-terminated list of printable capability lines "
                "(RFC 2449 section 5)",
                kind, with(greeting(kind), with({send("CAPA"), capa}, quit())));
}

Advertised parse_capa(const std::string& lines) {
  Advertised a;
  std::istringstream in(lines);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string tag;
    words >> tag;
    tag = upper(tag);
    if (tag == "STLS") {
      a.stls = true;
    } else if (tag == "USER") {
      a.user = true;
    } else if (tag == "SASL") {
      for (std::string mech; words >> mech;) {
        a.sasl.push_back(upper(mech));
      }
    }
  }
  return a;
}

std::vector<Script> generic_suite(const Advertised& a, const GenericOptions& options) {
  const auto first = options.tls ? ConnectionKind::tls : ConnectionKind::plain;
  // Authentication is tried where a careful client would: after STLS when it is offered.
  const auto secure = !options.tls && a.stls ? ConnectionKind::starttls : first;
  std::vector<Script> out;
  out.push_back(script("greeting",
                       "the greeting is a positive reply; QUIT gets +OK and the close "
                       "(RFC 1939 sections 4, 6)",
                       first, with(greeting(first), quit())));
  out.push_back(
      script("unknown-command",
             "an unknown command gets -ERR and the session goes on (RFC 1939 "
             "section 3)",
             first, with(greeting(first), with({send("XYZZY"), expect_status("-ERR")}, quit()))));
  out.push_back(
      script("pass-before-user", "PASS without USER gets -ERR (RFC 1939 section 7)", first,
             with(greeting(first), with({send("PASS x"), expect_status("-ERR")}, quit()))));
  out.push_back(script("line-length-255",
                       "a 255-octet command line (CR LF included) is read as one command and "
                       "answered, the session goes on (RFC 2449 section 4)",
                       first,
                       with(greeting(first), with({send("USER " + std::string(248, 'x')),
                                                   expect_regex("^(\\+OK|-ERR)( |$)")},
                                                  quit()))));
  if (options.tls) {
    out.push_back(
        script("stls-on-tls", "STLS on a TLS connection gets -ERR (RFC 2595 section 4)", first,
               with(greeting(first), with({send("STLS"), expect_status("-ERR")}, quit()))));
  } else if (a.stls) {
    Step capa = expect_multi("+OK");
    capa.multi.excludes.push_back(literal_template("STLS"));
    out.push_back(script(
        "stls",
        "advertised STLS: +OK and a handshake; afterwards CAPA no longer lists "
        "STLS and STLS gets -ERR (RFC 2595 section 4)",
        first,
        with(greeting(first),
             with({starttls(), send("CAPA"), capa, send("STLS"), expect_status("-ERR")}, quit()))));
  } else {
    out.push_back(
        script("stls-not-advertised",
               "STLS is not advertised: STLS gets -ERR "
               "(RFC 2595 section 4)",
               first, with(greeting(first), with({send("STLS"), expect_status("-ERR")}, quit()))));
  }
  if (!a.sasl.empty()) {
    const bool plain = std::find(a.sasl.begin(), a.sasl.end(), "PLAIN") != a.sasl.end();
    const std::string mech = plain ? "PLAIN" : a.sasl.front();
    out.push_back(script("auth-cancel",
                         "AUTH " + mech +
                             " gets a continuation; \"*\" cancels it with -ERR "
                             "(RFC 5034 section 4)",
                         secure,
                         with(greeting(secure), with({send("AUTH " + mech), expect_status("+"),
                                                      send("*"), expect_status("-ERR")},
                                                     quit()))));
    if (plain) {
      out.push_back(script(
          "auth-invalid-base64",
          "a SASL response that is not base64 gets -ERR (RFC 5034 section 4)", secure,
          with(greeting(secure),
               with({send("AUTH PLAIN"), expect_status("+"), send("!!!!"), expect_status("-ERR")},
                    quit()))));
    }
    out.push_back(
        script("auth-unknown-mechanism",
               "AUTH with an unknown mechanism gets -ERR (RFC 5034 section 4)", secure,
               with(greeting(secure),
                    with({send("AUTH X-POPCHECK-UNKNOWN"), expect_status("-ERR")}, quit()))));
  }
  if (options.credentials) {
    auto login = [&](std::string name, std::string why, std::vector<Step> steps) {
      auto all = with(greeting(secure), steps);
      all = with(all, {send("STAT"), expect_regex("^\\+OK [0-9]+ [0-9]+"), send("RETR 1"),
                       expect_multi("+OK")});
      out.push_back(script(std::move(name), std::move(why), secure, with(all, quit())));
    };
    login("login-user-pass", "USER/PASS logs in; STAT and RETR 1 answer (RFC 1939 sections 5, 7)",
          {send("USER ${user}"), expect_status("+OK"), send("PASS ${password}"),
           expect_status("+OK")});
    if (std::find(a.sasl.begin(), a.sasl.end(), "PLAIN") != a.sasl.end()) {
      login("login-auth-plain", "AUTH PLAIN with an initial response logs in (RFC 5034)",
            {send("AUTH PLAIN ${plain(user, password)}"), expect_status("+OK")});
    }
  }
  return out;
}

} // namespace popcheck::probe
