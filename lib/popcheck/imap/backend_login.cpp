#include <algorithm>
#include <popcheck/imap/backend_login.hpp>
#include <popcheck/imap/replies.hpp>
#include <popcheck/util/free_list.hpp>
#include <popcheck/util/text_cursor.hpp>

namespace popcheck::imap {
namespace {

using mail::LogEvent;
using mail::LogLevel;
// Each line in one allocation, written in place (operator+ chains made a string per step).
using util::Decimal;

constexpr std::string_view k_sending_login = "sending LOGIN command to upstream";
constexpr std::string_view k_sending_user = "sending user name to upstream";
constexpr std::string_view k_sending_pass = "sending password to upstream";

} // namespace

BackendLogin::BackendLogin(BackendLoginSettings settings, std::string tag, std::string login,
                           std::string password)
    : m_reply(settings, k_internal_error), m_tag(std::move(tag)), m_login(std::move(login)),
      m_password(std::move(password)) {}

// The IMAP case of ngx_mail_proxy_read_response(). `text_start` is where nginx's `p` ends up:
// past the tag when the reply to the password carries it.
bool BackendLogin::positive(std::string_view data, std::size_t& text_start) const {
  text_start = 0;
  switch (m_state) {
  case BackendLoginState::greeting:
    return data.starts_with("* OK");
  case BackendLoginState::login_sent:
  case BackendLoginState::user_sent:
    return data.front() == '+';
  case BackendLoginState::pass_sent:
    if (data.starts_with(m_tag)) {
      text_start = m_tag.size();
      return data.substr(text_start).starts_with("OK");
    }
    return false;
  default:
    return false;
  }
}

BackendStep BackendLogin::on_input(std::size_t n) {
  BackendStep step;
  if (!m_reply.read(n, step)) {
    return step;
  }
  std::size_t p = 0;
  if (!positive(m_reply.data(), p)) {
    return m_reply.invalid_response(p);
  }
  switch (m_state) {
  case BackendLoginState::greeting:
    step.to_backend =
        util::strings::join({m_tag, "LOGIN {", Decimal(m_login.size()), "}\r\n"});
    m_state = BackendLoginState::login_sent;
    m_reply.set_action(k_sending_login);
    break;
  case BackendLoginState::login_sent:
    step.to_backend =
        util::strings::join({m_login, " {", Decimal(m_password.size()), "}\r\n"});
    m_state = BackendLoginState::user_sent;
    m_reply.set_action(k_sending_user);
    break;
  case BackendLoginState::user_sent:
    step.to_backend = util::strings::join({m_password, "\r\n"});
    m_state = BackendLoginState::pass_sent;
    m_reply.set_action(k_sending_pass);
    break;
  case BackendLoginState::pass_sent:
    step.to_client = util::strings::join({m_reply.data()});
    step.log = mail::logged_in_log();
    m_state = BackendLoginState::logged_in;
    m_reply.finish();
    return step;
  default:
    return {};
  }
  m_reply.clear();
  return step;
}

} // namespace popcheck::imap
