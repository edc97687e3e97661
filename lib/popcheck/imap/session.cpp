#include <algorithm>
#include <popcheck/imap/replies.hpp>
#include <popcheck/imap/session.hpp>

namespace popcheck::imap {

// IMAP's bytes where nginx's shared mail code answers.
const mail::ProtocolReplies Session::k_replies{
    .internal_error = k_internal_error,
    .cert_error = k_cert_error,
    .no_cert = k_no_cert,
    .sasl_prefix = "+ ",
    .plain_continue = k_plain_continue,
    .username_prompt = k_username_prompt,
    .password_prompt = k_password_prompt,
};

namespace {

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

} // namespace

SessionSettings session_settings(const model::EffectiveServer& s) {
  SessionSettings out;
  out.capabilities = s.imap_capabilities.value;
  out.auth_methods = s.imap_auth.value;
  out.starttls = starttls_of(s.tls.starttls.value);
  out.max_errors = static_cast<unsigned>(s.max_errors.value);
  out.timeout = std::chrono::milliseconds(s.timeout_ms.value);
  out.client_buffer =
      static_cast<std::size_t>(std::max<std::int64_t>(s.imap_client_buffer.value, 0));
  out.server_name = s.server_name.value;
  return out;
}

std::shared_ptr<const SessionShared> prepare_session(SessionSettings settings) {
  auto shared = std::make_shared<SessionShared>();
  const auto& caps = settings.capabilities;
  shared->capability = capability_line(caps, settings.auth_methods, settings.starttls, false);
  shared->capability_tls = capability_line(caps, settings.auth_methods, settings.starttls, true);
  shared->settings = std::move(settings);
  return shared;
}

Session::Session(SessionSettings settings, SessionEnvironment environment)
    : Session(prepare_session(std::move(settings)), std::move(environment)) {}

Session::Session(std::shared_ptr<const SessionShared> shared, SessionEnvironment environment)
    : m_shared(std::move(shared)),
      m_core(k_replies, std::move(environment), m_shared->settings.connection_is_tls) {}

// ngx_mail_imap_init_session: the greeting never changes; the buffer comes with the first read
// in nginx, here with the greeting.
void Session::start() {
  m_buffer = util::ByteBuffer(std::max<std::size_t>(settings().client_buffer, 1));
  m_core.arm_timer(settings().timeout);
  m_core.send_shared(k_greeting);
  m_core.phase = SessionPhase::reading;
}

// ngx_mail_read_command + ngx_mail_imap_auth_state for one line.
void Session::on_input(std::size_t n) {
  if (m_core.phase != SessionPhase::reading) {
    return;
  }
  const std::size_t size = settings().client_buffer;
  m_last += std::min(n, size - m_last);
  if (n == 0 && m_pos == m_last && m_last < size) {
    return;
  }
  // nginx: tag = 1, no untagged text, "OK completed", whatever the line turns out to be.
  m_text = {};
  m_core.out = k_tagged_ok;
  m_tagged = true;
  Result result = Result::invalid;
  switch (m_parser.parse(m_buffer.data(), m_pos, m_last)) {
  case ParseStatus::again:
    if (m_last < size) {
      return;
    }
    m_core.command_too_long(masked_buffer());
    break;
  case ParseStatus::invalid:
    if (m_parser.quit_requested()) {
      m_parser.clear_quit();
      m_core.quit = true;
    }
    m_core.count_invalid_command(settings().max_errors);
    break;
  case ParseStatus::literal:
    result = Result::literal;
    break;
  case ParseStatus::ok:
    result = handle_line();
    break;
  }
  finish_line(result);
}

Session::Result Session::handle_line() {
  if (m_core.mail_state == MailState::start) {
    return handle_start_command();
  }
  return handle_sasl_response();
}

Session::Result Session::handle_start_command() {
  switch (m_parser.command()) {
  case Command::login:
    return cmd_login();
  case Command::authenticate: {
    const Result result = cmd_authenticate();
    m_tagged = result != Result::ok;
    return result;
  }
  case Command::capability:
    m_text = m_core.tls ? m_shared->capability_tls : m_shared->capability;
    return Result::ok;
  case Command::logout:
    m_core.quit = true;
    m_text = k_bye;
    return Result::ok;
  case Command::noop:
    return Result::ok;
  case Command::starttls:
    return cmd_starttls();
  case Command::none:
    break;
  }
  return Result::invalid;
}

bool Session::starttls_only() const {
  return settings().starttls == Starttls::only && !m_core.tls;
}

// ngx_mail_imap_login: two arguments, a non-empty login; imap_auth is not consulted.
Session::Result Session::cmd_login() {
  if (starttls_only() || m_parser.argument_count() != 2 || arg(0).empty()) {
    return Result::invalid;
  }
  m_core.login = arg(0);
  m_core.password = std::string(arg(1));
  return Result::auth;
}

Session::Result Session::cmd_starttls() {
  if (m_core.tls || settings().starttls == Starttls::off) {
    return Result::invalid;
  }
  // STARTTLS injection protection: whatever was pipelined behind the command is dropped.
  m_pos = 0;
  m_last = 0;
  m_core.start_tls = true;
  return Result::ok;
}

// The tag nginx puts before a tagged reply: the parsed one, or "* " when there is none. nginx
// keeps a pointer into its buffer, so these are the bytes there now.
std::string_view Session::tag() const {
  if (m_parser.tag_length() == 0) {
    return "* ";
  }
  return {m_buffer.data() + m_parser.tag_offset(), m_parser.tag_length()};
}

// The tail of ngx_mail_imap_auth_state: ngx_mail_auth, or the reply to a line answered at once.
void Session::finish_line(Result result) {
  if (result == Result::auth) {
    m_core.start_auth(m_parser, m_pos, m_last); // the tag stays: the refusal and LOGIN use it
    return;
  }
  if (result == Result::literal) {
    m_tagged = false;
    m_core.out = k_literal_continue;
    m_text = {};
  } else if (result == Result::invalid) {
    m_parser.reset_state();
    m_core.refuse_line(k_tagged_bad);
  }
  if (m_tagged) {
    std::string line;
    const auto the_tag = tag();
    line.reserve(m_text.size() + the_tag.size() + m_core.out.size());
    line += m_text;
    line += the_tag;
    line += m_core.out;
    m_core.out = std::move(line);
  }
  if (result != Result::literal) {
    m_parser.clear_arguments();
    if (!m_parser.in_start_state()) {
      m_parser.set_argument_start(m_pos);
    } else {
      mail::rewind_if_consumed(m_pos, m_last);
      m_parser.clear_tag();
    }
  }
  m_text = {};
  m_core.finish_reply(std::move(m_core.out));
  m_core.out.clear();
}

// nginx logs the whole buffer, which may hold a password, a literal or a SASL payload: only a
// leading tag and command word are kept, the rest becomes "...".
std::string Session::masked_buffer() const {
  const std::string_view data(m_buffer.data(), m_last);
  if (data.empty()) {
    return {}; // imap_client_buffer 0: nothing to hide, nginx logs ""
  }
  std::size_t tag_end = 0;
  while (tag_end < data.size() && tag_end < k_max_tag_octets && data[tag_end] != ' ' &&
         data[tag_end] != '\r' && data[tag_end] != '\n' && data[tag_end] != '"' &&
         data[tag_end] != '{') {
    ++tag_end;
  }
  std::size_t word = tag_end + 1;
  while (word < data.size() &&
         ((data[word] >= 'A' && data[word] <= 'Z') || (data[word] >= 'a' && data[word] <= 'z'))) {
    ++word;
  }
  if (m_core.mail_state != MailState::start || tag_end == 0 || tag_end >= data.size() ||
      data[tag_end] != ' ' || word == tag_end + 1 || word >= data.size() || data[word] != ' ') {
    return "...";
  }
  return std::string(data.substr(0, word)) + " ...";
}

} // namespace popcheck::imap
