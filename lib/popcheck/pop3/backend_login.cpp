#include <popcheck/pop3/backend_login.hpp>
#include <popcheck/util/free_list.hpp>

namespace popcheck::pop3 {
namespace {

constexpr std::string_view k_sending_user = "sending user name to upstream";
constexpr std::string_view k_sending_pass = "sending password to upstream";

} // namespace

BackendLogin::BackendLogin(BackendLoginSettings settings, std::string login, std::string password)
    : m_reply(settings, k_err_internal), m_login(std::move(login)),
      m_password(std::move(password)) {}

// ngx_mail_proxy_read_response + ngx_mail_proxy_pop3_handler.
BackendStep BackendLogin::on_input(std::size_t n) {
  BackendStep step;
  if (!m_reply.read(n, step)) {
    return step;
  }
  if (!m_reply.data().starts_with("+OK")) {
    return m_reply.invalid_response(0);
  }
  switch (m_state) {
  case BackendLoginState::greeting:
    step.to_backend = util::strings::join({"USER ", m_login, "\r\n"});
    m_state = BackendLoginState::user_sent;
    m_reply.set_action(k_sending_user);
    break;
  case BackendLoginState::user_sent:
    step.to_backend = util::strings::join({"PASS ", m_password, "\r\n"});
    m_state = BackendLoginState::pass_sent;
    m_reply.set_action(k_sending_pass);
    break;
  case BackendLoginState::pass_sent:
    // The PASS reply (and whatever came with it) is the client's first post-login data.
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

} // namespace popcheck::pop3
