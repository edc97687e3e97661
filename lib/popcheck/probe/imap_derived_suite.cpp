#include <cctype>
#include <nlohmann/json.hpp>
#include <popcheck/imap/capabilities.hpp>
#include <popcheck/imap/replies.hpp>
#include <popcheck/imap/wire_json.hpp>
#include <popcheck/model/server_json.hpp>
#include <popcheck/probe/client_certificate.hpp>
#include <popcheck/probe/imap_derived_suite.hpp>
#include <popcheck/probe/imap_protocol.hpp>
#include <popcheck/probe/suite_builder.hpp>

namespace popcheck::probe {
namespace {

using namespace build;
using nlohmann::json;

// The nginx source (1.22.1, src/mail/) each check's description cites.
const std::string k_handler = "src/mail/ngx_mail_imap_handler.c ";
const std::string k_mail_handler = "src/mail/ngx_mail_handler.c ";
const std::string k_parse = "src/mail/ngx_mail_parse.c ";

// What this listener does, in nginx's terms; `wire` is imap::wire_json() of the server.
struct Facts {
  const model::EffectiveServer& s;
  json wire;
  bool implicit;         // TLS from the first byte
  bool stls;             // STARTTLS is accepted before TLS
  bool gated;            // starttls only, before TLS
  ConnectionKind first;  // how a connection starts
  ConnectionKind usable; // where LOGIN/AUTHENTICATE are accepted
  // The wire section's key for a connection of `kind` (a STARTTLS one is TLS).
  static const char* side(ConnectionKind kind) {
    return kind == ConnectionKind::plain ? "plain_connection" : "tls_connection";
  }
  const json& on(const char* fact, ConnectionKind kind) const { return wire.at(fact).at(side(kind)); }
};

std::string tagged(std::string_view tag, std::string_view reply) {
  return std::string(tag) + " " + std::string(reply);
}

// The tagged completion of `tag` with `status`, whatever its text (the backend's after login).
Step completion(std::string_view tag, std::string_view status) {
  Step step = expect_multi(status);
  step.multi.first.status.reset();
  step.multi.first.regex = "^" + std::string(tag) + " " + std::string(status) + "( |$)";
  return step;
}

std::vector<Step> then(std::vector<Step> a, const std::vector<Step>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A connection of `kind` starts with the greeting (a STARTTLS connection has read it already).
std::vector<Step> greeting(ConnectionKind kind) {
  if (kind == ConnectionKind::starttls) {
    return {};
  }
  return {expect_bytes(imap::k_greeting)};
}

// LOGOUT: "* BYE", the tagged OK, the close (ngx_mail_imap_auth_state(), ngx_imap_logout).
std::vector<Step> logout(std::string_view tag = "z") {
  return {send(std::string(tag) + " LOGOUT"),
          expect_bytes(std::string(imap::k_bye) + imap::tagged_ok(tag)), expect_close()};
}

std::vector<Step> noop(std::string_view tag) {
  return {send(std::string(tag) + " NOOP"), expect_bytes(imap::tagged_ok(tag))};
}

Script imap_script(std::string name, std::string why, ConnectionKind kind, std::vector<Step> steps) {
  auto s = script(std::move(name), std::move(why), kind, std::move(steps));
  s.protocol = &imap_protocol();
  return s;
}

const char* kind_word(ConnectionKind k) {
  return k == ConnectionKind::plain ? "plain" : k == ConnectionKind::tls ? "TLS" : "STARTTLS";
}

// `line` is refused with a tagged BAD and the session goes on.
Script refusal(ConnectionKind kind, std::string name, std::string why, std::string line) {
  auto steps = greeting(kind);
  steps.push_back(send(line));
  steps.push_back(expect_bytes(tagged(line.substr(0, line.find(' ')), imap::k_tagged_bad)));
  steps = then(then(steps, noop("a2")), logout());
  return imap_script(std::move(name), std::move(why), kind, std::move(steps));
}

std::string lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

void add_state_checks(const Facts& f, std::vector<Script>& out) {
  out.push_back(imap_script("greeting",
                            "\"* OK IMAP4 ready\", never salted nor with capabilities; LOGOUT gets "
                            "\"* BYE\", the tagged OK and the close (" +
                                k_handler + "ngx_mail_imap_init_session(), ngx_mail_imap_auth_state())",
                            f.first, then(greeting(f.first), logout())));
  const std::string capability = f.on("capability", f.first).get<std::string>();
  out.push_back(imap_script(
      "capability",
      std::string("CAPABILITY and NOOP on a ") + kind_word(f.first) + " connection" +
          (f.wire.at("logindisabled").get<bool>() && f.first == ConnectionKind::plain
               ? ", LOGINDISABLED and no AUTH= item (starttls only)"
               : "") +
          " (" + k_handler + "ngx_mail_imap_capability(), " +
          "src/mail/ngx_mail_imap_module.c ngx_mail_imap_merge_srv_conf())",
      f.first,
      then(then(greeting(f.first), {send("a1 CAPABILITY"),
                                    expect_bytes(capability + imap::tagged_ok("a1"))}),
           then(noop("a2"), logout()))));
  out.push_back(refusal(f.first, "unknown-command",
                        "a command nginx does not know before login (SELECT) is a parse error: "
                        "tagged BAD (" +
                            k_parse + "ngx_mail_imap_parse_command())",
                        "a1 SELECT INBOX"));
  if (!f.stls) {
    out.push_back(refusal(f.first, "starttls-refused",
                          std::string(f.implicit ? "STARTTLS on a TLS connection"
                                                 : "STARTTLS with starttls off") +
                              " is refused (" + k_handler + "ngx_mail_imap_starttls())",
                          "a1 STARTTLS"));
    return;
  }
  const auto after = f.on("capability", ConnectionKind::starttls).get<std::string>();
  out.push_back(imap_script(
      "starttls",
      "STARTTLS: tagged OK, handshake, no new greeting; then CAPABILITY has the normal list and "
      "STARTTLS is refused (" +
          k_handler + "ngx_mail_imap_starttls(), ngx_mail_imap_capability())",
      ConnectionKind::plain,
      then(greeting(ConnectionKind::plain),
           then({send("a1 STARTTLS"), expect_bytes(imap::tagged_ok("a1")), handshake(),
                 send("a2 CAPABILITY"), expect_bytes(after + imap::tagged_ok("a2")),
                 send("a3 STARTTLS"), expect_bytes(tagged("a3", imap::k_tagged_bad))},
                logout()))));
  out.push_back(imap_script(
      "starttls-injection",
      "a command pipelined behind STARTTLS is discarded, never answered after the handshake (" +
          k_handler + "ngx_mail_imap_starttls())",
      ConnectionKind::plain,
      then(greeting(ConnectionKind::plain),
           then({send_lines({"a1 STARTTLS", "a2 CAPABILITY"}), expect_bytes(imap::tagged_ok("a1")),
                 handshake()},
                then(noop("a3"), logout())))));
  if (!f.gated) {
    return;
  }
  out.push_back(refusal(ConnectionKind::plain, "starttls-only-login",
                        "LOGIN before STARTTLS is refused under starttls only (" + k_mail_handler +
                            "ngx_mail_starttls_only(), " + k_handler + "ngx_mail_imap_login())",
                        "a1 LOGIN probe probe"));
  for (const auto& [mechanism, first] : f.on("authenticate", ConnectionKind::plain).items()) {
    const std::string name = "starttls-only-authenticate-" + lower(mechanism);
    // The wire section says what the refusal is: a tagged BAD for every mechanism.
    auto s = refusal(ConnectionKind::plain, name,
                     "AUTHENTICATE " + mechanism +
                         " before STARTTLS is refused under starttls only (" + k_mail_handler +
                         "ngx_mail_starttls_only(), " + k_handler + "ngx_mail_imap_authenticate())",
                     "a1 AUTHENTICATE " + mechanism);
    s.steps[2] = expect_bytes(tagged("a1", first.at("reply").get<std::string>()));
    out.push_back(std::move(s));
  }
}

void add_method_checks(const Facts& f, std::vector<Script>& out) {
  const auto& mechanisms = f.on("authenticate", f.usable);
  for (const auto& [mechanism, first] : mechanisms.items()) {
    const bool advertised = first.at("advertised").get<bool>();
    const bool refused = first.at("tagged").get<bool>();
    auto steps = greeting(f.usable);
    steps.push_back(send("a1 AUTHENTICATE " + mechanism));
    std::string why;
    if (refused) {
      steps.push_back(expect_bytes(tagged("a1", first.at("reply").get<std::string>())));
      why = "AUTHENTICATE " + mechanism + " is refused: " + lower(mechanism) +
            " is not in imap_auth (" + k_handler + "ngx_mail_imap_authenticate())";
    } else {
      if (first.at("reply").is_string()) {
        steps.push_back(expect_bytes(first.at("reply").get<std::string>()));
      } else {
        // The CRAM-MD5 challenge: "+ " and base64 of this session's salt.
        std::string pattern = first.at("reply_pattern").get<std::string>();
        const std::string crlf = "\\r\\n$";
        if (pattern.ends_with(crlf)) {
          pattern.resize(pattern.size() - crlf.size());
        }
        steps.push_back(expect_regex(pattern + "$"));
      }
      // "*" (the IMAP client's cancel) is invalid base64 to nginx: BAD, the session goes on.
      steps.push_back(send("*"));
      steps.push_back(expect_bytes(
          (first.at("cancel_tagged").get<bool>() ? "a1 " : "") +
          first.at("cancel_reply").get<std::string>()));
      why = "AUTHENTICATE " + mechanism + " gets its first continuation" +
            (advertised ? "" : " although AUTH=" + mechanism + " is not advertised") +
            "; \"*\" then gets BAD (nginx has no cancel) and the session goes on (" + k_handler +
            "ngx_mail_imap_authenticate(), " + k_mail_handler + "ngx_mail_auth_parse())";
    }
    steps = then(then(steps, noop("a2")), logout());
    out.push_back(imap_script("authenticate-" + lower(mechanism) + (refused ? "-disabled" : ""),
                              std::move(why), f.usable, std::move(steps)));
  }
  out.push_back(imap_script(
      "authenticate-login-username",
      "AUTHENTICATE LOGIN with the user name as initial response gets the password prompt (" +
          k_handler + "ngx_mail_imap_authenticate())",
      f.usable,
      then(then(greeting(f.usable),
                {send("a1 AUTHENTICATE LOGIN cHJvYmU="), expect_bytes(imap::k_password_prompt),
                 send("*"), expect_bytes(tagged("a1", imap::k_tagged_bad))}),
           then(noop("a2"), logout()))));
  out.push_back(refusal(f.usable, "authenticate-unknown-mechanism",
                        "AUTHENTICATE with a mechanism nginx does not know is refused (" +
                            k_mail_handler + "ngx_mail_auth_parse())",
                        "a1 AUTHENTICATE DIGEST-MD5"));
}

void add_limit_checks(const Facts& f, std::vector<Script>& out) {
  const auto buffer = f.wire.at("client_buffer").at("octets").get<long long>();
  if (buffer >= 16 && buffer <= 1024 * 1024) {
    // "a1 NOOP " + padding + CR LF: exactly the buffer, then one byte more.
    const auto padding = static_cast<std::size_t>(buffer) - 10;
    out.push_back(imap_script(
        "client-buffer",
        "imap_client_buffer " + std::to_string(buffer) + ": a command line of " +
            std::to_string(buffer) + " bytes is answered, one of " + std::to_string(buffer + 1) +
            " gets BAD and the close (" + k_mail_handler + "ngx_mail_read_command())",
        f.first,
        then(greeting(f.first),
             {send("a1 NOOP " + std::string(padding, 'x')), expect_bytes(imap::tagged_ok("a1")),
              send("a2 NOOP " + std::string(padding + 1, 'x')),
              expect_bytes(f.wire.at("client_buffer").at("too_long").get<std::string>().insert(0, "a2 ")),
              expect_close()})));
  }
  const auto max_errors = f.s.max_errors.value;
  if (max_errors > 20) {
    return; // too many round trips to be worth it
  }
  auto steps = greeting(f.first);
  for (long long i = 1; i <= std::max<long long>(max_errors, 1); ++i) {
    const std::string tag = "e" + std::to_string(i);
    steps.push_back(send(tag + " FOO"));
    steps.push_back(expect_bytes(tagged(tag, imap::k_tagged_bad)));
  }
  steps.push_back(expect_close());
  out.push_back(imap_script("max-errors",
                            "max_errors " + std::to_string(max_errors) +
                                ": that many invalid commands are answered, then the connection is "
                                "closed (" +
                                k_mail_handler + "ngx_mail_read_command())",
                            f.first, std::move(steps)));
}

void add_login_checks(const Facts& f, std::vector<Script>& out) {
  auto login = [&](std::string name, std::string why, std::vector<Step> steps) {
    auto all = then(greeting(f.usable), steps);
    // The backend's own tagged reply to nginx's LOGIN is the first thing the client gets
    // (ngx_mail_proxy_imap_handler()); then the backend session: EXAMINE (read-only) and a
    // FETCH of whatever UIDs exist, so an empty or huge mailbox passes as well.
    all.push_back(completion("a1", "OK"));
    all.push_back(send("a2 EXAMINE INBOX"));
    all.push_back(completion("a2", "OK"));
    all.push_back(send("a3 UID FETCH 1:* (FLAGS)"));
    all.push_back(completion("a3", "OK"));
    all.push_back(send("a4 LOGOUT"));
    all.push_back(completion("a4", "OK"));
    all.push_back(expect_close());
    out.push_back(imap_script(std::move(name),
                              std::move(why) + "; EXAMINE INBOX and UID FETCH on the backend",
                              f.usable, std::move(all)));
  };
  login("login", "LOGIN user password logs in whatever imap_auth says (" + k_handler +
                     "ngx_mail_imap_login())",
        {send("a1 LOGIN ${user} ${password}")});
  login("login-quoted",
        "LOGIN with quoted strings logs in (" + k_parse + "ngx_mail_imap_parse_command())",
        {send("a1 LOGIN \"${user}\" \"${password}\"")});
  // Synchronizing literals: nginx answers each "{N}" with its own continuation.
  login("login-literal",
        "LOGIN with the user name and password as literals: each \"{N}\" gets \"+ OK\" (" +
            k_parse + "ngx_mail_imap_parse_command(), " + k_handler + "ngx_mail_imap_login())",
        {send("a1 LOGIN {${len(user)}}"), expect_bytes(imap::k_literal_continue),
         send("${user} {${len(password)}}"), expect_bytes(imap::k_literal_continue),
         send("${password}")});
  if (f.wire.at("literals").at("non_synchronizing_accepted").get<bool>()) {
    // LITERAL+ (RFC 7888) literals need no continuation: the whole LOGIN goes in one write.
    Step pipelined = send("a1 LOGIN {${len(user)}+}");
    pipelined.lines.push_back(tmpl("${user} {${len(password)}+}"));
    pipelined.lines.push_back(tmpl("${password}"));
    login("login-literal-plus",
          "LOGIN with non-synchronizing literals \"{N+}\" in one write logs in, LITERAL+ "
          "advertised or not (" +
              k_parse + "ngx_mail_imap_parse_command())",
          {pipelined});
  }
  login("login-authenticate-plain-initial",
        "AUTHENTICATE PLAIN with an initial response logs in (" + k_mail_handler +
            "ngx_mail_auth_plain())",
        {send("a1 AUTHENTICATE PLAIN ${plain(user, password)}")});
  login("login-authenticate-plain",
        "AUTHENTICATE PLAIN, continuation, response logs in (" + k_mail_handler +
            "ngx_mail_auth_plain())",
        {send("a1 AUTHENTICATE PLAIN"), expect_bytes(imap::k_plain_continue),
         send("${plain(user, password)}")});
  login("login-authenticate-login",
        "AUTHENTICATE LOGIN with user name and password prompts logs in (" + k_mail_handler +
            "ngx_mail_auth_login_username())",
        {send("a1 AUTHENTICATE LOGIN"), expect_bytes(imap::k_username_prompt),
         send("${base64(user)}"), expect_bytes(imap::k_password_prompt),
         send("${base64(password)}")});
  login("login-authenticate-external-initial",
        "AUTHENTICATE EXTERNAL with an initial response reaches the auth server even when "
        "external is not enabled (" +
            k_mail_handler + "ngx_mail_auth_parse()); needs an auth server that accepts it",
        {send("a1 AUTHENTICATE EXTERNAL ${base64(user)}")});
  const auto& mechanisms = f.on("authenticate", f.usable);
  if (!mechanisms.at("CRAM-MD5").at("tagged").get<bool>()) {
    login("login-authenticate-cram-md5",
          "AUTHENTICATE CRAM-MD5 with the HMAC of the challenge logs in (" + k_mail_handler +
              "ngx_mail_auth_cram_md5())",
          {send("a1 AUTHENTICATE CRAM-MD5"),
           capture(expect_status("+"), "challenge", "^\\+ (.*)$", true),
           send("${cram_md5(user, password, challenge)}")});
  }
  if (!mechanisms.at("EXTERNAL").at("tagged").get<bool>()) {
    login("login-authenticate-external",
          "AUTHENTICATE EXTERNAL, the user name prompt, the user name logs in (" + k_mail_handler +
              "ngx_mail_auth_external())",
          {send("a1 AUTHENTICATE EXTERNAL"), expect_bytes(imap::k_username_prompt),
           send("${base64(user)}")});
  }
}

// `ssl_verify_client on` and no client certificate: after the handshake (instead of the greeting
// on an ssl port; after STARTTLS's OK and the handshake otherwise) nginx sends the untagged
// "* BYE No required SSL certificate" and closes (src/mail/ngx_mail_handler.c
// ngx_mail_verify_cert(), called by ngx_mail_ssl_handshake_handler()). No check that needs a TLS
// session can run; one check expects the refusal where TLS starts.
void expect_certificate_refusal(const Facts& f, std::vector<Script>& out) {
  drop_tls_scripts(out);
  if (!f.implicit && !f.stls) {
    return; // no TLS on this listener: nothing to refuse
  }
  std::vector<Step> steps;
  if (!f.implicit) {
    steps = then(greeting(ConnectionKind::plain),
                 {send("a1 STARTTLS"), expect_bytes(imap::tagged_ok("a1")), handshake()});
  }
  steps.push_back(expect_bytes(imap::k_no_cert));
  steps.push_back(expect_close());
  out.push_back(imap_script("client-certificate-required",
                            std::string("ssl_verify_client on, no client certificate: ") +
                                (f.implicit ? "after the handshake, instead of the greeting, "
                                            : "after STARTTLS and the handshake, ") +
                                "the untagged BYE and the close (" + k_mail_handler +
                                "ngx_mail_verify_cert())",
                            f.implicit ? ConnectionKind::tls : ConnectionKind::plain,
                            std::move(steps)));
}

} // namespace

std::vector<Script> derive_imap_suite(const model::EffectiveServer& server,
                                      const model::Listener& listener,
                                      const DerivedOptions& options) {
  const bool implicit = model::listener_tls(server, listener) == "implicit";
  const auto mode = server.tls.starttls.value;
  const bool stls = !implicit && mode != model::StarttlsMode::off;
  const bool gated = !implicit && mode == model::StarttlsMode::only;
  const auto first = implicit ? ConnectionKind::tls : ConnectionKind::plain;
  const Facts f{server, imap::wire_json(server), implicit, stls, gated, first,
                gated ? ConnectionKind::starttls : first};
  std::vector<Script> out;
  add_state_checks(f, out);
  add_method_checks(f, out);
  add_limit_checks(f, out);
  if (options.credentials) {
    add_login_checks(f, out);
  }
  if (server.tls.verify_client.value == model::VerifyClient::on && !options.client_certificate) {
    expect_certificate_refusal(f, out);
  }
  return out;
}

} // namespace popcheck::probe
