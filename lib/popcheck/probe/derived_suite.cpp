#include <algorithm>
#include <popcheck/model/server_json.hpp>
#include <popcheck/pop3/capabilities.hpp>
#include <popcheck/pop3/replies.hpp>
#include <popcheck/probe/client_certificate.hpp>
#include <popcheck/probe/derived_suite.hpp>
#include <popcheck/probe/suite_builder.hpp>

namespace popcheck::probe {
namespace {

using namespace build;
using model::StarttlsMode;

// The nginx source (1.22.1, src/mail/) each check's description cites for the behaviour.
const std::string k_pop3_handler = "src/mail/ngx_mail_pop3_handler.c ";
const std::string k_pop3_module = "src/mail/ngx_mail_pop3_module.c ";
const std::string k_mail_handler = "src/mail/ngx_mail_handler.c ";
const std::string k_mail_parse = "src/mail/ngx_mail_parse.c ";

// Derivation context: what this listener does, in nginx's terms.
struct Facts {
  const model::EffectiveServer& s;
  model::AuthMethods methods;
  bool salted;
  bool implicit;         // TLS from the first byte (listen ... ssl, or `ssl on`)
  StarttlsMode mode;     // meaningful on plain listeners only
  bool stls;             // STLS is accepted before TLS
  ConnectionKind first;  // how a connection starts
  ConnectionKind usable; // where USER/AUTH/APOP are accepted
};

std::string greeting_regex(const Facts& f) {
  std::string pattern = pop3::greeting_pattern(f.s.server_name.value);
  const std::string tail = "\\r\\n$";
  if (pattern.ends_with(tail)) {
    pattern.resize(pattern.size() - tail.size());
  }
  return pattern + "$";
}

// The greeting expectation on a plain/tls connection (starttls connections read it themselves).
std::vector<Step> greeting(const Facts& f, ConnectionKind kind) {
  if (kind == ConnectionKind::starttls) {
    return {};
  }
  if (f.salted) {
    return {expect_regex(greeting_regex(f))};
  }
  return {expect_bytes(pop3::greeting(""))};
}

std::vector<Step> then(std::vector<Step> a, const std::vector<Step>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<Step> quit() {
  return {send("QUIT"), expect_bytes(pop3::k_ok), expect_close()};
}

std::string capa_before_tls(const Facts& f) {
  const auto& caps = f.s.pop3_capabilities.value;
  if (f.implicit || f.mode == StarttlsMode::off) {
    return pop3::capa_normal(caps, f.methods);
  }
  return f.mode == StarttlsMode::on ? pop3::capa_starttls_on(caps, f.methods)
                                    : pop3::capa_starttls_only(caps);
}

const char* kind_word(ConnectionKind k) {
  return k == ConnectionKind::plain ? "plain" : k == ConnectionKind::tls ? "TLS" : "STLS";
}

// A SASL exchange started by `line` must get `continuation`; "*" (invalid base64, nginx has no
// cancel) then gets -ERR and the session goes on.
Script continuation(const Facts& f, std::string name, std::string why, std::string line,
                    Step reply) {
  auto steps = greeting(f, f.usable);
  steps.push_back(send(line));
  steps.push_back(std::move(reply));
  steps.push_back(send("*"));
  steps.push_back(expect_bytes(pop3::k_err_invalid));
  steps = then(steps, quit());
  return script(std::move(name), std::move(why), f.usable, std::move(steps));
}

Script refusal(const Facts& f, ConnectionKind kind, std::string name, std::string why,
               std::string line) {
  auto steps = greeting(f, kind);
  steps.push_back(send(line));
  steps.push_back(expect_bytes(pop3::k_err_invalid));
  steps.push_back(send("NOOP"));
  steps.push_back(expect_bytes(pop3::k_ok));
  steps = then(steps, quit());
  return script(std::move(name), std::move(why), kind, std::move(steps));
}

void add_state_checks(const Facts& f, std::vector<Script>& out) {
  const auto& caps = f.s.pop3_capabilities.value;
  out.push_back(script("greeting",
                       f.salted
                           ? "salted greeting: pop3_auth has apop or cram-md5 (" + k_pop3_handler +
                                 "ngx_mail_pop3_init_session()); QUIT gets +OK and the close"
                           : "plain greeting \"+OK POP3 ready\" (" + k_pop3_handler +
                                 "ngx_mail_pop3_init_session()); QUIT gets +OK and the close",
                       f.first, then(greeting(f, f.first), quit())));
  if (f.salted) {
    auto steps = greeting(f, f.first);
    steps.back() = capture(steps.back(), "salt1", "(<[^>]*>)");
    steps.push_back(reconnect());
    steps.push_back(capture(greeting(f, f.first).back(), "salt2", "(<[^>]*>)"));
    steps.push_back(distinct({"salt1", "salt2"}));
    out.push_back(script("salt-unique",
                         "each session gets its own salt (" + k_mail_handler + "ngx_mail_salt())",
                         f.first, std::move(steps)));
  }
  out.push_back(script(
      "capa",
      std::string("CAPA in the start state on a ") + kind_word(f.first) + " connection (" +
          k_pop3_handler + "ngx_mail_pop3_capa())",
      f.first,
      then(then(greeting(f, f.first), {send("CAPA"), expect_bytes(capa_before_tls(f))}), quit())));
  const bool only_gate = !f.implicit && f.mode == StarttlsMode::only;
  out.push_back(
      script("auth-list",
             only_gate ? "bare AUTH is refused before STLS under starttls only (" + k_mail_handler +
                             "ngx_mail_starttls_only())"
                       : "bare AUTH lists the enabled SASL mechanisms, one per line (" +
                             k_pop3_module + "ngx_mail_pop3_merge_srv_conf())",
             f.first,
             then(then(greeting(f, f.first),
                       {send("AUTH"), expect_bytes(only_gate ? std::string(pop3::k_err_invalid)
                                                             : pop3::auth_list(f.methods))}),
                  quit())));
  out.push_back(script(
      "capa-user-state",
      "CAPA after USER is always the normal list, never STLS (" + k_pop3_handler +
          "ngx_mail_pop3_auth_state())",
      f.usable,
      then(then(greeting(f, f.usable), {send("USER probe"), expect_bytes(pop3::k_ok), send("CAPA"),
                                        expect_bytes(pop3::capa_normal(caps, f.methods))}),
           quit())));
  if (f.implicit || !f.stls) {
    out.push_back(refusal(f, f.first, "stls-refused",
                          (f.implicit ? "STLS on a TLS connection is refused ("
                                      : "STLS is refused with starttls off (") +
                              k_pop3_handler + "ngx_mail_pop3_stls())",
                          "STLS"));
    return;
  }
  out.push_back(
      script("stls",
             "STLS: +OK, handshake, no new greeting; then the normal CAPA and AUTH list, and STLS "
             "is refused (" +
                 k_pop3_handler + "ngx_mail_pop3_stls(), ngx_mail_pop3_capa())",
             ConnectionKind::plain,
             then(greeting(f, ConnectionKind::plain),
                  then({starttls(), send("CAPA"), expect_bytes(pop3::capa_normal(caps, f.methods)),
                        send("AUTH"), expect_bytes(pop3::auth_list(f.methods)), send("STLS"),
                        expect_bytes(pop3::k_err_invalid)},
                       quit()))));
  out.push_back(
      script("stls-injection",
             "commands pipelined behind STLS are discarded, not run after the handshake (" +
                 k_pop3_handler + "ngx_mail_pop3_stls())",
             ConnectionKind::plain,
             then(greeting(f, ConnectionKind::plain),
                  then({send_lines({"STLS", "CAPA"}), expect_bytes(pop3::k_ok), handshake(),
                        send("NOOP"), expect_bytes(pop3::k_ok)},
                       quit()))));
  if (only_gate) {
    const std::pair<const char*, const char*> refused[] = {
        {"USER probe", "starttls-only-user"},
        {"AUTH PLAIN AHByb2JlAHByb2Jl", "starttls-only-auth-plain"},
        {"AUTH LOGIN", "starttls-only-auth-login"},
        {"APOP probe 0123456789abcdef0123456789abcdef", "starttls-only-apop"},
    };
    for (const auto& [line, name] : refused) {
      out.push_back(refusal(f, ConnectionKind::plain, name,
                            std::string("\"") + line +
                                "\" before STLS is refused under starttls only (" + k_mail_handler +
                                "ngx_mail_starttls_only())",
                            line));
    }
  }
}

void add_method_checks(const Facts& f, std::vector<Script>& out) {
  out.push_back(continuation(f, "auth-plain",
                             "AUTH PLAIN gets \"+ \" whatever pop3_auth says (" + k_pop3_handler +
                                 "ngx_mail_pop3_auth())",
                             "AUTH PLAIN", expect_bytes(pop3::k_plain_continue)));
  out.push_back(continuation(f, "auth-login",
                             "AUTH LOGIN gets the Username: prompt whatever pop3_auth says (" +
                                 k_pop3_handler + "ngx_mail_pop3_auth())",
                             "AUTH LOGIN", expect_bytes(pop3::k_username_prompt)));
  out.push_back(continuation(f, "auth-login-username",
                             "AUTH LOGIN with a user name gets the Password: prompt (" +
                                 k_pop3_handler + "ngx_mail_pop3_auth())",
                             "AUTH LOGIN cHJvYmU=", expect_bytes(pop3::k_password_prompt)));
  if (f.methods.has(model::AuthMethod::cram_md5)) {
    out.push_back(continuation(f, "auth-cram-md5",
                               "AUTH CRAM-MD5 (enabled) gets the greeting's salt as challenge (" +
                                   k_mail_handler + "ngx_mail_auth_cram_md5_salt())",
                               "AUTH CRAM-MD5", expect_bytes_template("+ ${base64(salt)}\r\n")));
  } else {
    out.push_back(refusal(f, f.usable, "auth-cram-md5-disabled",
                          "AUTH CRAM-MD5 is refused: cram-md5 is not in pop3_auth (" +
                              k_pop3_handler + "ngx_mail_pop3_auth())",
                          "AUTH CRAM-MD5"));
  }
  if (f.methods.has(model::AuthMethod::external)) {
    out.push_back(continuation(f, "auth-external",
                               "AUTH EXTERNAL (enabled) gets the Username: prompt (" +
                                   k_pop3_handler + "ngx_mail_pop3_auth())",
                               "AUTH EXTERNAL", expect_bytes(pop3::k_username_prompt)));
  } else {
    out.push_back(refusal(f, f.usable, "auth-external-disabled",
                          "AUTH EXTERNAL without a response is refused: external is not in "
                          "pop3_auth (" +
                              k_pop3_handler + "ngx_mail_pop3_auth())",
                          "AUTH EXTERNAL"));
  }
  if (!f.methods.has(model::AuthMethod::apop)) {
    out.push_back(refusal(f, f.usable, "apop-disabled",
                          "APOP is refused: apop is not in pop3_auth (" + k_pop3_handler +
                              "ngx_mail_pop3_apop())",
                          "APOP probe 0123456789abcdef0123456789abcdef"));
  }
  out.push_back(refusal(f, f.usable, "auth-unknown-mechanism",
                        "AUTH with a mechanism nginx does not know is refused (" + k_mail_parse +
                            "ngx_mail_auth_parse())",
                        "AUTH DIGEST-MD5"));
  out.push_back(continuation(f, "auth-invalid-base64",
                             "an invalid base64 SASL response is refused, the session goes on (" +
                                 k_mail_handler + "ngx_mail_auth_plain())",
                             "AUTH PLAIN", expect_bytes(pop3::k_plain_continue)));
  out.back().steps[f.usable == ConnectionKind::starttls ? 2 : 3] = send("!!!not-base64!!!");
}

void add_limit_checks(const Facts& f, std::vector<Script>& out) {
  const std::string fits = "NOOP " + std::string(121, 'x');     // 126 + CR LF = 128 bytes
  const std::string too_long = "NOOP " + std::string(122, 'x'); // 129 bytes
  out.push_back(
      script("line-limit",
             "a 128-byte line is accepted, a 129-byte one is refused and the connection closed (" +
                 k_pop3_handler + "ngx_mail_pop3_init_protocol(), " + k_mail_handler +
                 "ngx_mail_read_command())",
             f.first,
             then(greeting(f, f.first), {send(fits), expect_bytes(pop3::k_ok), send(too_long),
                                         expect_bytes(pop3::k_err_invalid), expect_close()})));
  const auto max_errors = f.s.max_errors.value;
  if (max_errors > 20) {
    return; // too many round trips to be worth it
  }
  auto steps = greeting(f, f.first);
  for (long long i = 0; i < std::max<long long>(max_errors, 1); ++i) {
    steps.push_back(send("XXXX"));
    steps.push_back(expect_bytes(pop3::k_err_invalid));
  }
  steps.push_back(expect_close());
  out.push_back(
      script("max-errors",
             "max_errors " + std::to_string(max_errors) +
                 ": that many invalid commands are answered, then the connection is closed (" +
                 k_mail_handler + "ngx_mail_read_command())",
             f.first, std::move(steps)));
}

// `ssl_verify_client on` and no client certificate: after every TLS handshake, on an ssl port
// and after STLS alike, nginx sends its refusal instead of going on and closes
// (ngx_mail_verify_cert(), called by ngx_mail_ssl_handshake_handler()). The checks that need a
// TLS session cannot run; one check expects the refusal where TLS starts.
void expect_certificate_refusal(const Facts& f, std::vector<Script>& out) {
  drop_tls_scripts(out);
  if (!f.implicit && !f.stls) {
    return; // no TLS on this listener: nothing to refuse
  }
  std::vector<Step> steps;
  if (!f.implicit) {
    steps = greeting(f, ConnectionKind::plain);
    steps.push_back(send("STLS"));
    steps.push_back(expect_bytes(pop3::k_ok));
    steps.push_back(handshake());
  }
  steps.push_back(expect_bytes(pop3::k_err_no_cert));
  steps.push_back(expect_close());
  out.push_back(script("client-certificate-required",
                       std::string("ssl_verify_client on, no client certificate: ") +
                           (f.implicit ? "after the handshake, instead of the greeting, "
                                       : "after STLS and the handshake, ") +
                           "the refusal and the close (" + k_mail_handler +
                           "ngx_mail_verify_cert())",
                       f.implicit ? ConnectionKind::tls : ConnectionKind::plain, std::move(steps)));
}

void add_login_checks(const Facts& f, std::vector<Script>& out) {
  auto login = [&](std::string name, std::string why, std::vector<Step> steps) {
    auto all = greeting(f, f.usable);
    all = then(all, steps);
    // STAT and LIST prove the session is the mailbox's without assuming a message 1 exists or
    // is small enough to read (an empty mailbox, a first message of 50 MB).
    all.push_back(send("STAT"));
    all.push_back(expect_regex("^\\+OK [0-9]+ [0-9]+"));
    all.push_back(send("LIST"));
    all.push_back(expect_multi("+OK"));
    all.push_back(send("QUIT"));
    all.push_back(expect_status("+OK"));
    all.push_back(expect_close());
    out.push_back(script(std::move(name), std::move(why), f.usable, std::move(all)));
  };
  login("login-user-pass",
        "USER/PASS logs in (always enabled: " + k_pop3_handler +
            "ngx_mail_pop3_user()); STAT and LIST after it",
        {send("USER ${user}"), expect_bytes(pop3::k_ok), send("PASS ${password}"),
         expect_status("+OK")});
  login("login-auth-plain-initial",
        "AUTH PLAIN with an initial response logs in (" + k_mail_handler + "ngx_mail_auth_plain())",
        {send("AUTH PLAIN ${plain(user, password)}"), expect_status("+OK")});
  login("login-auth-plain",
        "AUTH PLAIN, continuation, response logs in (" + k_mail_handler + "ngx_mail_auth_plain())",
        {send("AUTH PLAIN"), expect_bytes(pop3::k_plain_continue), send("${plain(user, password)}"),
         expect_status("+OK")});
  login("login-auth-login",
        "AUTH LOGIN with user name and password prompts logs in (" + k_mail_handler +
            "ngx_mail_auth_login_username())",
        {send("AUTH LOGIN"), expect_bytes(pop3::k_username_prompt), send("${base64(user)}"),
         expect_bytes(pop3::k_password_prompt), send("${base64(password)}"), expect_status("+OK")});
  login("login-auth-external-initial",
        "AUTH EXTERNAL with an initial response reaches the auth server even when external is "
        "not enabled (" +
            k_mail_parse +
            "ngx_mail_auth_parse()); needs an auth server that "
            "accepts it",
        {send("AUTH EXTERNAL ${base64(user)}"), expect_status("+OK")});
  if (f.methods.has(model::AuthMethod::apop)) {
    login("login-apop",
          "APOP with the digest of the greeting's salt logs in (" + k_pop3_handler +
              "ngx_mail_pop3_apop())",
          {send("APOP ${user} ${apop(salt, password)}"), expect_status("+OK")});
  }
  if (f.methods.has(model::AuthMethod::cram_md5)) {
    login("login-cram-md5",
          "AUTH CRAM-MD5 with the HMAC of the challenge logs in (" + k_mail_handler +
              "ngx_mail_auth_cram_md5())",
          {send("AUTH CRAM-MD5"), capture(expect_status("+"), "challenge", "^\\+ (.*)$", true),
           send("${cram_md5(user, password, challenge)}"), expect_status("+OK")});
  }
}

// AUTH EXTERNAL through its prompt, with a client certificate: the identity goes to the auth
// server with the certificate's Auth-SSL-* headers, which is what EXTERNAL is for
// (ngx_mail_auth_external() in src/mail/ngx_mail_handler.c).
void add_external_login(const Facts& f, std::vector<Script>& out) {
  auto steps = greeting(f, f.usable);
  steps = then(steps, {send("AUTH EXTERNAL"), expect_bytes(pop3::k_username_prompt),
                       send("${base64(user)}"), expect_status("+OK"), send("STAT"),
                       expect_regex("^\\+OK [0-9]+ [0-9]+"), send("QUIT"), expect_status("+OK"),
                       expect_close()});
  out.push_back(script("login-auth-external",
                       "AUTH EXTERNAL, the Username: prompt, the identity: logs in with the client "
                       "certificate presented (" +
                           k_mail_handler + "ngx_mail_auth_external())",
                       f.usable, std::move(steps)));
}

} // namespace

std::vector<Script> derive_suite(const model::EffectiveServer& server,
                                 const model::Listener& listener, const DerivedOptions& options) {
  const bool implicit = model::listener_tls(server, listener) == "implicit";
  const auto mode = server.tls.starttls.value;
  const bool stls = !implicit && mode != StarttlsMode::off;
  const auto first = implicit ? ConnectionKind::tls : ConnectionKind::plain;
  const Facts f{server,
                server.pop3_auth.value,
                pop3::greeting_is_salted(server.pop3_auth.value),
                implicit,
                mode,
                stls,
                first,
                !implicit && mode == StarttlsMode::only ? ConnectionKind::starttls : first};
  std::vector<Script> out;
  add_state_checks(f, out);
  add_method_checks(f, out);
  add_limit_checks(f, out);
  if (options.credentials) {
    add_login_checks(f, out);
    if (options.client_certificate && f.methods.has(model::AuthMethod::external)) {
      add_external_login(f, out);
    }
  }
  if (server.tls.verify_client.value == model::VerifyClient::on && !options.client_certificate) {
    expect_certificate_refusal(f, out);
  }
  return out;
}

} // namespace popcheck::probe
