#include <cctype>
#include <popcheck/model/server_json.hpp>
#include <popcheck/probe/client_certificate.hpp>
#include <popcheck/probe/smtp_derived_suite.hpp>
#include <popcheck/probe/smtp_protocol.hpp>
#include <popcheck/probe/suite_builder.hpp>
#include <popcheck/smtp/capabilities.hpp>
#include <popcheck/smtp/replies.hpp>
#include <popcheck/smtp/wire_json.hpp>

namespace popcheck::probe {
namespace {

using namespace build;
using model::AuthMethod;
using model::StarttlsMode;

// The nginx source (1.22.1, src/mail/) each check's description cites for the behaviour.
const std::string k_smtp_handler = "src/mail/ngx_mail_smtp_handler.c ";
const std::string k_smtp_module = "src/mail/ngx_mail_smtp_module.c ";
const std::string k_mail_handler = "src/mail/ngx_mail_handler.c ";
const std::string k_mail_parse = "src/mail/ngx_mail_parse.c ";

// The sender of the probe's MAIL commands: a reserved domain (RFC 2606) nobody delivers to.
const std::string k_mail_from = "MAIL FROM:<probe@popcheck.invalid>";

// How long a greeting may take on top of the run's step timeout: nginx looks the client up
// (up to two resolver_timeouts) and then holds the greeting for smtp_greeting_delay
// (ngx_mail_smtp_init_session(), ngx_mail_smtp_greeting()).
constexpr int k_greeting_margin_ms = 5000;

// Derivation context: what this listener does, in nginx's terms.
struct Facts {
  const model::EffectiveServer& s;
  nlohmann::json wire; // smtp::wire_json(s): what `popcheck compile` prints for the server
  model::AuthMethods methods;
  std::string name;       // server_name
  bool implicit = false;  // TLS from the first byte (listen ... ssl)
  StarttlsMode mode{};    // meaningful on plain listeners only
  bool starttls = false;  // STARTTLS is accepted before TLS
  bool only_gate = false; // AUTH is refused before STARTTLS (`starttls only`)
  bool none = false;      // smtp_auth none: MAIL without AUTH
  ConnectionKind first{}; // how a connection starts
  long long greeting_wait_ms = 0;
};

std::string lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

std::vector<Step> then(std::vector<Step> a, const std::vector<Step>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Script smtp_script(std::string name, std::string why, ConnectionKind kind,
                   std::vector<Step> steps) {
  auto s = script(std::move(name), std::move(why), kind, std::move(steps));
  s.protocol = &smtp_protocol();
  return s;
}

Step greeting(const Facts& f) {
  auto step = expect_bytes(smtp::greeting(f.name));
  if (f.greeting_wait_ms > 0) {
    step.timeout_ms = static_cast<int>(f.greeting_wait_ms + k_greeting_margin_ms);
  }
  return step;
}

// The greeting, and with `secure` the STARTTLS exchange where AUTH needs it (the runner sends
// EHLO first, as RFC 3207 section 4 has a client do; nginx does not require it).
std::vector<Step> start(const Facts& f, bool secure) {
  std::vector<Step> steps{greeting(f)};
  if (secure && f.only_gate) {
    steps.push_back(starttls());
  }
  return steps;
}

std::vector<Step> quit() {
  return {send("QUIT"), expect_bytes(smtp::k_bye), expect_close()};
}

// The EHLO reply this connection gets: before TLS it depends on `starttls`, on TLS it is the
// normal one (ngx_mail_smtp_helo()).
std::string ehlo(const Facts& f, bool tls) {
  return smtp::ehlo_reply(f.name, f.s.smtp_capabilities.value, f.methods,
                          f.mode == StarttlsMode::on     ? smtp::Starttls::on
                          : f.mode == StarttlsMode::only ? smtp::Starttls::only
                                                         : smtp::Starttls::off,
                          tls);
}

// `line` is refused with 500 and the session goes on.
Script refusal(const Facts& f, bool secure, std::string name, std::string why, std::string line) {
  auto steps = start(f, secure);
  steps.push_back(send(line));
  steps.push_back(expect_bytes(smtp::k_invalid_command));
  steps.push_back(send("NOOP"));
  steps.push_back(expect_bytes(smtp::k_ok));
  return smtp_script(std::move(name), std::move(why), f.first, then(steps, quit()));
}

void add_session_checks(const Facts& f, std::vector<Script>& out) {
  out.push_back(smtp_script("greeting",
                            "greeting \"220 server_name ESMTP ready\" (" + k_smtp_handler +
                                "ngx_mail_smtp_greeting()); QUIT gets 221 and the close",
                            f.first, then({greeting(f)}, quit())));
  if (f.s.smtp_greeting_delay_ms.value > 0) {
    out.push_back(smtp_script(
        "greeting-delay-early-talker",
        "smtp_greeting_delay " + std::to_string(f.s.smtp_greeting_delay_ms.value) +
            "ms: a client that talks before the greeting gets 503 and the close, never the "
            "greeting (" +
            k_smtp_handler + "ngx_mail_smtp_invalid_pipelining())",
        f.first,
        {send("EHLO " + std::string(k_smtp_client_domain)),
         expect_bytes(smtp::k_invalid_pipelining), expect_close()}));
  }
  const bool tls = f.implicit;
  out.push_back(smtp_script(
      "ehlo-helo",
      std::string("EHLO and HELO on a ") + (tls ? "TLS" : "plain") +
          " connection: the precomputed replies, HELO never listing extensions (" + k_smtp_module +
          "ngx_mail_smtp_merge_srv_conf(), " + k_smtp_handler + "ngx_mail_smtp_helo())",
      f.first,
      then({greeting(f), send("EHLO " + std::string(k_smtp_client_domain)),
            expect_bytes(ehlo(f, tls)), send("HELO " + std::string(k_smtp_client_domain)),
            expect_bytes(smtp::helo_reply(f.name))},
           quit())));
  out.push_back(smtp_script("helo-invalid-argument",
                            "HELO and EHLO without exactly one argument get 501 (" +
                                k_smtp_handler + "ngx_mail_smtp_helo())",
                            f.first,
                            then({greeting(f), send("EHLO"), expect_bytes(smtp::k_invalid_argument),
                                  send("HELO a b"), expect_bytes(smtp::k_invalid_argument)},
                                 quit())));
  out.push_back(smtp_script(
      "noop-rset", "NOOP and RSET get 250 (" + k_smtp_handler + "ngx_mail_smtp_auth_state())",
      f.first,
      then({greeting(f), send("NOOP"), expect_bytes(smtp::k_ok), send("RSET"),
            expect_bytes(smtp::k_ok)},
           quit())));
  out.push_back(refusal(f, false, "unknown-command",
                        "a command nginx does not know (DATA before login too) gets 500 (" +
                            k_mail_parse + "ngx_mail_smtp_parse_command())",
                        "DATA"));
  out.push_back(
      refusal(f, false, "vrfy-refused",
              "VRFY is refused before login (" + k_smtp_handler + "ngx_mail_smtp_auth_state())",
              "VRFY probe"));
  out.push_back(
      smtp_script("rcpt-without-mail",
                  "RCPT before MAIL gets 503 (" + k_smtp_handler + "ngx_mail_smtp_rcpt())", f.first,
                  then({greeting(f), send("RCPT TO:<probe@popcheck.invalid>"),
                        expect_bytes(smtp::k_bad_sequence)},
                       quit())));
  if (f.none) {
    out.push_back(smtp_script(
        "mail-without-auth",
        "smtp_auth none: MAIL without AUTH is stored with 250 (not gated by starttls only), a "
        "second MAIL gets 503, RSET clears it (" +
            k_smtp_handler + "ngx_mail_smtp_mail(), ngx_mail_smtp_rset())",
        f.first,
        then({greeting(f), send(k_mail_from), expect_bytes(smtp::k_ok), send(k_mail_from),
              expect_bytes(smtp::k_bad_sequence), send("RSET"), expect_bytes(smtp::k_ok),
              send(k_mail_from), expect_bytes(smtp::k_ok)},
             quit())));
  } else {
    out.push_back(smtp_script("mail-before-auth",
                              "MAIL before AUTH gets 530: smtp_auth has no none (" +
                                  k_smtp_handler + "ngx_mail_smtp_mail())",
                              f.first,
                              then({greeting(f), send(k_mail_from),
                                    expect_bytes(f.wire["mail_before_auth"].get<std::string>())},
                                   quit())));
  }
}

void add_starttls_checks(const Facts& f, std::vector<Script>& out) {
  if (!f.starttls) {
    out.push_back(refusal(f, false, "starttls-refused",
                          (f.implicit ? "STARTTLS on a TLS connection gets 500 ("
                                      : "STARTTLS with starttls off gets 500 (") +
                              k_smtp_handler + "ngx_mail_smtp_starttls())",
                          "STARTTLS"));
    return;
  }
  out.push_back(smtp_script(
      "starttls",
      "STARTTLS (after EHLO) gets 220, handshake, no new greeting; then EHLO gets the normal "
      "reply, HELO its reply and STARTTLS 500 (" +
          k_smtp_handler + "ngx_mail_smtp_starttls(), ngx_mail_smtp_helo())",
      ConnectionKind::plain,
      then({greeting(f), starttls(), send("EHLO " + std::string(k_smtp_client_domain)),
            expect_bytes(ehlo(f, true)), send("HELO " + std::string(k_smtp_client_domain)),
            expect_bytes(smtp::helo_reply(f.name)), send("STARTTLS"),
            expect_bytes(smtp::k_invalid_command)},
           quit())));
  out.push_back(smtp_script(
      "starttls-injection",
      "commands pipelined behind STARTTLS are discarded, not run after the handshake (" +
          k_smtp_handler + "ngx_mail_smtp_starttls())",
      ConnectionKind::plain,
      then({greeting(f), send_lines({"STARTTLS", "HELO injected.invalid"}),
            expect_bytes(smtp::k_starttls_ok), handshake(), send("NOOP"), expect_bytes(smtp::k_ok)},
           quit())));
  if (f.only_gate) {
    const std::pair<const char*, const char*> refused[] = {
        {"AUTH PLAIN", "starttls-only-auth-plain"},
        {"AUTH PLAIN AHByb2JlAHByb2Jl", "starttls-only-auth-plain-initial"},
        {"AUTH LOGIN", "starttls-only-auth-login"},
        {"AUTH", "starttls-only-auth-bare"},
    };
    for (const auto& [line, name] : refused) {
      out.push_back(refusal(f, false, name,
                            std::string("\"") + line +
                                "\" before STARTTLS gets 500 under starttls only (" +
                                k_smtp_handler + "ngx_mail_smtp_auth())",
                            line));
    }
  }
}

// The first reply to `AUTH MECH` where AUTH is accepted, as compiled (wire_json's "auth"), then
// "*" (bad base64 to nginx: no SASL cancel) gets 500 and the session goes on.
void add_method_checks(const Facts& f, std::vector<Script>& out) {
  const auto& side =
      f.wire["auth"][f.implicit || f.only_gate ? "tls_connection" : "plain_connection"];
  for (const auto& [mechanism, reply] : side.items()) {
    const bool refused =
        reply["reply"].is_string() && reply["reply"].get<std::string>() == smtp::k_invalid_command;
    if (refused) {
      out.push_back(refusal(f, true, "auth-" + lower(mechanism) + "-disabled",
                            "AUTH " + mechanism + " is refused: it is not in smtp_auth (" +
                                k_smtp_handler + "ngx_mail_smtp_auth())",
                            "AUTH " + mechanism));
      continue;
    }
    Step first;
    if (reply["reply"].is_string()) {
      first = expect_bytes(reply["reply"].get<std::string>());
    } else {
      std::string pattern = reply["reply_pattern"].get<std::string>();
      pattern.resize(pattern.size() - std::string_view("\\r\\n$").size());
      first = expect_regex(pattern + "$");
    }
    auto steps = start(f, true);
    steps.push_back(send("AUTH " + mechanism));
    steps.push_back(std::move(first));
    steps.push_back(send("*"));
    steps.push_back(expect_bytes(smtp::k_invalid_command));
    out.push_back(smtp_script(
        "auth-" + lower(mechanism),
        "AUTH " + mechanism + " gets its first reply" +
            std::string(reply["advertised"].get<bool>() ? "" : " though not advertised") +
            "; \"*\" then gets 500 (" + k_smtp_handler + "ngx_mail_smtp_auth(), " + k_mail_handler +
            "ngx_mail_auth_*())",
        f.first, then(steps, quit())));
  }
  auto username = start(f, true);
  username.push_back(send("AUTH LOGIN cHJvYmU="));
  username.push_back(expect_bytes(smtp::k_password_prompt));
  username.push_back(send("*"));
  username.push_back(expect_bytes(smtp::k_invalid_command));
  out.push_back(smtp_script("auth-login-username",
                            "AUTH LOGIN with a user name gets the Password: prompt (" +
                                k_mail_handler + "ngx_mail_auth_login_username())",
                            f.first, then(username, quit())));
  out.push_back(refusal(f, true, "auth-unknown-mechanism",
                        "AUTH with a mechanism nginx does not know gets 500 (" + k_mail_parse +
                            "ngx_mail_auth_parse())",
                        "AUTH DIGEST-MD5"));
  auto steps = start(f, true);
  steps.push_back(send("AUTH"));
  steps.push_back(expect_bytes(smtp::k_invalid_argument));
  out.push_back(
      smtp_script("auth-no-mechanism",
                  "AUTH without a mechanism gets 501 (" + k_smtp_handler + "ngx_mail_smtp_auth())",
                  f.first, then(steps, quit())));
}

void add_limit_checks(const Facts& f, std::vector<Script>& out) {
  const auto buffer = f.s.smtp_client_buffer.value;
  if (buffer >= 16 && buffer <= 65536) {
    // "NOOP x...x" CR LF filling the buffer exactly is read; one byte more is not.
    const std::string fits = "NOOP " + std::string(static_cast<std::size_t>(buffer) - 7, 'x');
    out.push_back(smtp_script("line-limit",
                              "smtp_client_buffer " + std::to_string(buffer) + ": a " +
                                  std::to_string(buffer) +
                                  "-byte line is accepted, a longer one gets 500 and the close (" +
                                  k_mail_handler + "ngx_mail_read_command())",
                              f.first,
                              {greeting(f), send(fits), expect_bytes(smtp::k_ok), send(fits + "x"),
                               expect_bytes(smtp::k_invalid_command), expect_close()}));
  }
  const auto max_errors = f.s.max_errors.value;
  if (max_errors > 20) {
    return; // too many round trips to be worth it
  }
  std::vector<Step> steps{greeting(f)};
  for (long long i = 0; i < std::max<long long>(max_errors, 1); ++i) {
    steps.push_back(send("XXXX"));
    steps.push_back(expect_bytes(smtp::k_invalid_command));
  }
  steps.push_back(expect_close());
  out.push_back(smtp_script("max-errors",
                            "max_errors " + std::to_string(max_errors) +
                                ": that many invalid commands are answered, then the connection "
                                "is closed (" +
                                k_mail_handler + "ngx_mail_read_command())",
                            f.first, std::move(steps)));
}

// After nginx's own 235 the session is the backend's: MAIL, RCPT and RSET go there (never DATA:
// the probe delivers no mail), QUIT gets the backend's 221.
std::vector<Step> on_backend() {
  return {send(k_mail_from),   expect_multi("250"), send("RCPT TO:<${user}>"),
          expect_multi("2xx"), send("RSET"),        expect_multi("250"),
          send("QUIT"),        expect_multi("221"), expect_close()};
}

void add_login_checks(const Facts& f, bool options_client_certificate, std::vector<Script>& out) {
  auto login = [&](std::string name, std::string why, std::vector<Step> auth) {
    auto steps = start(f, true);
    steps.push_back(send("EHLO " + std::string(k_smtp_client_domain)));
    steps.push_back(expect_multi("250"));
    steps = then(steps, auth);
    steps.push_back(expect_bytes(smtp::k_auth_ok));
    out.push_back(smtp_script(std::move(name),
                              why + "; then MAIL, RCPT and RSET reach the backend (" +
                                  k_smtp_handler +
                                  "ngx_mail_smtp_auth(), src/mail/"
                                  "ngx_mail_proxy_module.c "
                                  "ngx_mail_proxy_smtp_handler())",
                              f.first, then(steps, on_backend())));
  };
  login("login-auth-plain-initial", "AUTH PLAIN with an initial response logs in",
        {send("AUTH PLAIN ${plain(user, password)}")});
  login(
      "login-auth-plain", "AUTH PLAIN, 334, the response logs in",
      {send("AUTH PLAIN"), expect_bytes(smtp::k_plain_continue), send("${plain(user, password)}")});
  login("login-auth-login", "AUTH LOGIN with the user name and password prompts logs in",
        {send("AUTH LOGIN"), expect_bytes(smtp::k_username_prompt), send("${base64(user)}"),
         expect_bytes(smtp::k_password_prompt), send("${base64(password)}")});
  login("login-auth-login-initial", "AUTH LOGIN with the user name as initial response logs in",
        {send("AUTH LOGIN ${base64(user)}"), expect_bytes(smtp::k_password_prompt),
         send("${base64(password)}")});
  login("login-auth-external-initial",
        "AUTH EXTERNAL with an initial response reaches the auth server even when external is not "
        "enabled (" +
            k_mail_parse + "ngx_mail_auth_parse()); needs an auth server that accepts it",
        {send("AUTH EXTERNAL ${base64(user)}")});
  if (f.methods.has(AuthMethod::cram_md5)) {
    login("login-cram-md5", "AUTH CRAM-MD5 with the HMAC of the challenge logs in",
          {send("AUTH CRAM-MD5"), capture(expect_status("334"), "challenge", "^334 (.*)$", true),
           send("${cram_md5(user, password, challenge)}")});
  }
  if (options_client_certificate && f.methods.has(AuthMethod::external)) {
    // With a client certificate, EXTERNAL through its prompt: the identity goes to the auth
    // server with the certificate's Auth-SSL-* headers (ngx_mail_auth_external()).
    login("login-auth-external",
          "AUTH EXTERNAL, the user name prompt, the identity: logs in with the client "
          "certificate presented (" +
              k_mail_handler + "ngx_mail_auth_external())",
          {send("AUTH EXTERNAL"), expect_bytes(smtp::k_username_prompt), send("${base64(user)}")});
  }
  if (f.none) {
    // No AUTH: the first RCPT asks auth_http with Auth-Method: none, and nginx replays the
    // stored MAIL and RCPT to the backend and relays its reply to the RCPT (ngx_mail_smtp_rcpt(),
    // ngx_mail_proxy_smtp_handler()).
    out.push_back(smtp_script(
        "relay-without-auth",
        "smtp_auth none: MAIL gets nginx's 250, RCPT the backend's reply; then RSET and QUIT "
        "reach the backend (" +
            k_smtp_handler + "ngx_mail_smtp_rcpt())",
        f.first,
        {greeting(f), send("EHLO " + std::string(k_smtp_client_domain)), expect_multi("250"),
         send(k_mail_from), expect_bytes(smtp::k_ok), send("RCPT TO:<${user}>"),
         expect_multi("2xx"), send("RSET"), expect_multi("250"), send("QUIT"), expect_multi("221"),
         expect_close()}));
  }
}

// `ssl_verify_client on` and no client certificate: after the handshake (on an ssl port before
// any greeting; after STARTTLS's 220 and the handshake otherwise) nginx sends "421 4.7.1 No
// required SSL certificate" and closes (src/mail/ngx_mail_handler.c ngx_mail_verify_cert(),
// called by ngx_mail_ssl_handshake_handler()). No check that needs a TLS session can run; one
// check expects the refusal where TLS starts.
void expect_certificate_refusal(const Facts& f, std::vector<Script>& out) {
  drop_tls_scripts(out);
  if (!f.implicit && !f.starttls) {
    return; // no TLS on this listener: nothing to refuse
  }
  std::vector<Step> steps;
  if (!f.implicit) {
    steps = {greeting(f), send("STARTTLS"), expect_bytes(smtp::k_starttls_ok), handshake()};
  }
  steps.push_back(expect_bytes(smtp::k_no_cert));
  steps.push_back(expect_close());
  out.push_back(smtp_script("client-certificate-required",
                            std::string("ssl_verify_client on, no client certificate: ") +
                                (f.implicit ? "after the handshake, before any greeting, "
                                            : "after STARTTLS and the handshake, ") +
                                "421 and the close (" + k_mail_handler + "ngx_mail_verify_cert())",
                            f.first, std::move(steps)));
}

} // namespace

std::vector<Script> derive_smtp_suite(const model::EffectiveServer& server,
                                      const model::Listener& listener,
                                      const DerivedOptions& options) {
  Facts f{server, smtp::wire_json(server)};
  f.methods = server.smtp_auth.value;
  f.name = server.server_name.value;
  f.implicit = model::listener_tls(server, listener) == "implicit";
  f.mode = server.tls.starttls.value;
  f.starttls = !f.implicit && f.mode != StarttlsMode::off;
  f.only_gate = !f.implicit && f.mode == StarttlsMode::only;
  f.none = f.methods.has(AuthMethod::none);
  f.first = f.implicit ? ConnectionKind::tls : ConnectionKind::plain;
  f.greeting_wait_ms = server.smtp_greeting_delay_ms.value +
                       f.wire["client_host"]["greeting_waits_ms_max"].get<long long>();
  std::vector<Script> out;
  add_session_checks(f, out);
  add_starttls_checks(f, out);
  add_method_checks(f, out);
  add_limit_checks(f, out);
  if (options.credentials) {
    add_login_checks(f, options.client_certificate, out);
  }
  if (server.tls.verify_client.value == model::VerifyClient::on && !options.client_certificate) {
    expect_certificate_refusal(f, out);
  }
  return out;
}

} // namespace popcheck::probe
