#include <algorithm>
#include <popcheck/smtp/session.hpp>
#include <popcheck/util/base64.hpp>

namespace popcheck::smtp {

// SMTP's bytes where nginx's shared mail code answers; a granted login needs no password.
const mail::ProtocolReplies Session::k_replies{
    .internal_error = k_internal_error,
    .cert_error = k_cert_error,
    .no_cert = k_no_cert,
    .sasl_prefix = "334 ",
    .plain_continue = k_plain_continue,
    .username_prompt = k_username_prompt,
    .password_prompt = k_password_prompt,
    .password_required = false,
};

namespace {

using mail::k_in_auth_state;
using mail::LogLevel;

constexpr std::string_view k_resolving_address = "in resolving client address";
constexpr std::string_view k_resolving_name = "in resolving client hostname";

Starttls starttls_of(model::StarttlsMode mode) {
  switch (mode) {
  case model::StarttlsMode::on:
    return Starttls::on;
  case model::StarttlsMode::only:
    return Starttls::only;
  case model::StarttlsMode::off:
    break;
  }
  return Starttls::off;
}

bool equals_ignoring_case(std::string_view a, std::string_view upper_b) {
  if (a.size() != upper_b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char ch = (a[i] >= 'a' && a[i] <= 'z') ? static_cast<char>(a[i] - 'a' + 'A') : a[i];
    if (ch != upper_b[i]) {
      return false;
    }
  }
  return true;
}

// One line of a logged buffer: kept when it cannot carry a secret (a command other than AUTH, or
// the start of one, or AUTH with its mechanism only), "..." otherwise (SASL payloads, initial
// responses).
std::string loggable_line(std::string_view line) {
  static constexpr std::string_view k_plain_words[] = {
      "HELO", "EHLO", "MAIL", "RCPT", "RSET", "NOOP", "QUIT", "STARTTLS", "VRFY", "EXPN", "HELP"};
  std::string_view text = line;
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  const auto space = text.find(' ');
  const std::string_view word = text.substr(0, space);
  for (const auto name : k_plain_words) {
    // A whole command word, or the start of one that has not arrived in full.
    const bool partial =
        space == std::string_view::npos && !word.empty() && word.size() < name.size();
    if (equals_ignoring_case(word, partial ? name.substr(0, word.size()) : name)) {
      return std::string(line);
    }
  }
  if (equals_ignoring_case(word, "AUTH")) {
    const auto rest = space == std::string_view::npos ? std::string_view() : text.substr(space);
    const auto second = rest.find_first_not_of(' ');
    const auto end = second == std::string_view::npos ? second : rest.find(' ', second);
    if (end == std::string_view::npos) {
      return std::string(line);
    }
    return std::string(text.substr(0, space + end)) + " ..." +
           std::string(line.substr(text.size()));
  }
  return "..." + std::string(line.substr(text.size()));
}

} // namespace

SessionSettings session_settings(const model::EffectiveServer& s) {
  SessionSettings out;
  out.capabilities = s.smtp_capabilities.value;
  out.auth_methods = s.smtp_auth.value;
  out.starttls = starttls_of(s.tls.starttls.value);
  out.max_errors = static_cast<unsigned>(s.max_errors.value);
  out.timeout = std::chrono::milliseconds(s.timeout_ms.value);
  out.greeting_delay = std::chrono::milliseconds(s.smtp_greeting_delay_ms.value);
  out.client_buffer = static_cast<std::size_t>(s.smtp_client_buffer.value);
  const auto& r = s.resolver.value;
  out.resolver = !(r.empty() || (r.size() == 1 && r[0] == "off"));
  out.server_name = s.server_name.value;
  return out;
}

std::shared_ptr<const SessionShared> prepare_session(SessionSettings settings) {
  auto shared = std::make_shared<SessionShared>();
  const auto& name = settings.server_name;
  shared->greeting = greeting(name);
  shared->helo = helo_reply(name);
  shared->ehlo_start = ehlo_reply(name, settings.capabilities, settings.auth_methods,
                                  settings.starttls, settings.connection_is_tls);
  shared->ehlo_tls =
      ehlo_reply(name, settings.capabilities, settings.auth_methods, settings.starttls, true);
  shared->settings = std::move(settings);
  return shared;
}

Session::Session(std::shared_ptr<const SessionShared> shared, SessionEnvironment environment)
    : m_shared(std::move(shared)),
      m_buffer(m_shared->settings.client_buffer),
      m_core(k_replies, std::move(environment), m_shared->settings.connection_is_tls) {}

void Session::start() {
  if (settings().resolver) {
    m_core.phase = SessionPhase::resolving;
    m_core.emit(mail::ResolveEvent{});
    return;
  }
  m_context.host = k_host_unavailable;
  greet();
}

// ngx_mail_smtp_resolve_addr_handler(): a failed PTR lookup is logged; an NXDOMAIN gives
// [UNAVAILABLE], any other failure [TEMPUNAVAIL].
void Session::on_address_resolved(const HostLookup& lookup) {
  if (m_core.phase != SessionPhase::resolving) {
    return;
  }
  if (lookup.skipped) {
    m_context.host = k_host_tempunavail;
  } else if (lookup.state != k_resolve_ok) {
    m_core.log(LogLevel::error,
               lookup.query + " could not be resolved (" + std::to_string(lookup.state) + ": " +
                   std::string(resolver_error_text(lookup.state)) + ")",
               k_resolving_address);
    m_context.host = lookup.state == k_resolve_nxdomain ? k_host_unavailable : k_host_tempunavail;
  } else if (!valid_host_name(lookup.name)) {
    m_core.log(LogLevel::error,
               lookup.query + " resolved to invalid host name \"" + lookup.name + "\"",
               k_resolving_address);
    m_context.host = k_host_tempunavail;
  } else {
    m_context.host = lookup.name;
    m_core.emit(mail::ResolveEvent{lookup.name});
    return;
  }
  greet();
}

// ngx_mail_smtp_resolve_name_handler(): the PTR name stands only when one of its addresses is the
// client's (a mismatch is not logged).
void Session::on_name_resolved(const HostLookup& lookup) {
  if (m_core.phase != SessionPhase::resolving) {
    return;
  }
  if (lookup.state != k_resolve_ok) {
    m_core.log(LogLevel::error,
               "\"" + lookup.query + "\" could not be resolved (" + std::to_string(lookup.state) +
                   ": " + std::string(resolver_error_text(lookup.state)) + ")",
               k_resolving_name);
    m_context.host = lookup.state == k_resolve_nxdomain ? k_host_unavailable : k_host_tempunavail;
  } else if (!lookup.address_matches) {
    m_context.host = k_host_unavailable;
  }
  greet();
}

// ngx_mail_smtp_greeting(): with smtp_greeting_delay the greeting waits and the client must not
// talk meanwhile (ngx_mail_smtp_invalid_pipelining()).
void Session::greet() {
  if (settings().greeting_delay.count() > 0) {
    m_core.phase = SessionPhase::greeting_delay;
    m_core.arm_timer(settings().greeting_delay);
    return;
  }
  m_core.arm_timer(settings().timeout);
  m_core.send_shared(m_shared->greeting);
  m_core.phase = SessionPhase::reading;
}

// ngx_mail_read_command() + ngx_mail_smtp_auth_state() for one line.
void Session::on_input(std::size_t n) {
  if (m_core.phase == SessionPhase::greeting_delay) {
    if (n == 0) {
      // smtp_client_buffer 0: ngx_mail_smtp_discard_command() recv()s 0 bytes, gets 0 and
      // closes as if the client had (no reply, no log line).
      if (buffer_size() == 0) {
        on_eof();
      }
      return;
    }
    // ngx_mail_smtp_discard_command(): what one read brought is logged and refused.
    m_last += std::min(n, buffer_size() - m_last);
    m_core.log(LogLevel::info, "client was rejected before greeting: \"" + logged_buffer() + "\"",
               "in delay pipelining state");
    m_pos = 0;
    m_last = 0;
    m_core.send(std::string(k_invalid_pipelining));
    m_core.close_after_send();
    return;
  }
  if (m_core.phase != SessionPhase::reading) {
    return;
  }
  m_last += std::min(n, buffer_size() - m_last);
  if (n == 0 && m_pos == m_last && m_last < buffer_size()) {
    return;
  }
  Result result = Result::invalid;
  std::string_view shared_reply; // the EHLO/HELO reply, sent from m_shared
  switch (m_parser.parse(m_buffer.data(), m_pos, m_last)) {
  case ParseStatus::again:
    if (m_last < buffer_size()) {
      return;
    }
    m_core.command_too_long(logged_buffer(false));
    break;
  case ParseStatus::invalid:
    m_core.count_invalid_command(settings().max_errors);
    break;
  case ParseStatus::ok:
    result = handle_line(shared_reply);
    break;
  }
  m_core.finish_line(result, k_invalid_command, m_parser, m_pos, m_last, shared_reply);
}

Session::Result Session::handle_line(std::string_view& shared_reply) {
  m_core.out = k_ok;
  if (m_core.mail_state == MailState::start) {
    return handle_command(shared_reply);
  }
  return handle_sasl_response();
}

Session::Result Session::handle_command(std::string_view& shared_reply) {
  switch (m_parser.command()) {
  case Command::helo:
  case Command::ehlo:
    return cmd_helo(shared_reply);
  case Command::auth:
    return cmd_auth();
  case Command::quit:
    m_core.quit = true;
    m_core.out = k_bye;
    return Result::ok;
  case Command::mail:
    return cmd_mail();
  case Command::rcpt:
    return cmd_rcpt();
  case Command::rset:
    m_context.from.clear();
    m_context.to.clear();
    return Result::ok;
  case Command::noop:
    return Result::ok;
  case Command::starttls:
    return cmd_starttls();
  default:
    // VRFY, EXPN, HELP: refused, but not counted in max_errors (not a parse error).
    return Result::invalid;
  }
}

bool Session::starttls_only() const {
  return settings().starttls == Starttls::only && !m_core.tls;
}

// ngx_mail_smtp_helo(): stores the name (the last one wins) and forgets MAIL and RCPT.
Session::Result Session::cmd_helo(std::string_view& shared_reply) {
  if (m_parser.argument_count() != 1) {
    m_core.out = k_invalid_argument;
    m_parser.reset_state();
    return Result::ok;
  }
  m_context.helo = arg(0);
  m_context.from.clear();
  m_context.to.clear();
  if (m_parser.command() == Command::helo) {
    shared_reply = m_shared->helo;
  } else {
    m_context.esmtp = true;
    shared_reply = m_core.tls ? m_shared->ehlo_tls : m_shared->ehlo_start;
  }
  return Result::ok;
}

// The command text nginx keeps for MAIL and RCPT: from the command word to the end of the last
// argument, inner spaces included.
std::string Session::command_text() const {
  const auto last = m_parser.last_argument(m_buffer.data());
  const char* begin = m_buffer.data() + m_parser.command_start();
  return std::string(begin, static_cast<std::size_t>(last.data() + last.size() - begin));
}

// ngx_mail_smtp_mail(): only `smtp_auth none` lets MAIL through without AUTH.
Session::Result Session::cmd_mail() {
  if (!settings().auth_methods.has(model::AuthMethod::none)) {
    m_core.log(LogLevel::info, "client was rejected: \"" + logged_buffer() + "\"", k_in_auth_state);
    if (settings().info_log) {
      // nginx turns CR and LF of the whole buffer into '_' for that line, in place: a command
      // pipelined behind the MAIL loses its line end and runs into the next one.
      std::replace_if(
          m_buffer.data(), m_buffer.data() + m_last, [](char ch) { return ch == '\r' || ch == '\n'; },
          '_');
    }
    m_core.out = k_auth_required;
    return Result::ok;
  }
  if (!m_context.from.empty()) {
    m_core.out = k_bad_sequence;
    return Result::ok;
  }
  if (m_parser.argument_count() == 0) {
    m_core.out = k_invalid_argument;
    return Result::ok;
  }
  m_context.from = command_text();
  return Result::ok;
}

// ngx_mail_smtp_rcpt(): the first RCPT after a stored MAIL asks the auth server (method none).
Session::Result Session::cmd_rcpt() {
  if (m_context.from.empty()) {
    m_core.out = k_bad_sequence;
    return Result::ok;
  }
  if (m_parser.argument_count() == 0) {
    m_core.out = k_invalid_argument;
    return Result::ok;
  }
  m_context.to = command_text();
  m_core.auth_method = mail::AuthMethodName::none;
  return Result::auth;
}

// ngx_mail_smtp_starttls(): RFC 3207 section 4.2, everything learnt before is forgotten, and so
// is whatever was pipelined behind STARTTLS (no command injection).
Session::Result Session::cmd_starttls() {
  if (m_core.tls || settings().starttls == Starttls::off) {
    return Result::invalid;
  }
  m_context.helo.clear();
  m_context.from.clear();
  m_context.to.clear();
  m_pos = 0;
  m_last = 0;
  m_core.start_tls = true;
  m_core.out = k_starttls_ok;
  return Result::ok;
}

// nginx logs the whole buffer: ngx_mail_smtp_log_rejected_command() with CR and LF shown as '_',
// the "too long" line of ngx_mail_read_command() raw. Lines that may carry a secret (AUTH
// payloads, SASL responses) are shown as "..." here.
std::string Session::logged_buffer(bool underscores) const {
  const std::string_view data(m_buffer.data(), m_last);
  std::string out;
  std::size_t start = 0;
  while (start < data.size()) {
    auto end = data.find('\n', start);
    end = end == std::string_view::npos ? data.size() : end + 1;
    out += loggable_line(data.substr(start, end - start));
    start = end;
  }
  for (auto& ch : out) {
    if (underscores && (ch == '\r' || ch == '\n')) {
      ch = '_';
    }
  }
  return out;
}

} // namespace popcheck::smtp
