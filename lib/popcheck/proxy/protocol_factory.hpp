#pragma once

// The one place that maps a server's protocol to its implementations of mail_protocol.hpp.
// A pre-login session lives inside its Connection (PreLoginSlot): an idle session costs no heap
// allocation of its own, whichever the protocol.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <popcheck/proxy/imap_protocol.hpp>
#include <popcheck/proxy/mail_protocol.hpp>
#include <popcheck/proxy/pop3_protocol.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <popcheck/proxy/smtp_protocol.hpp>
#include <string_view>
#include <utility>

namespace popcheck::proxy {

// Room for the largest protocol's pre-login session.
class PreLoginSlot {
public:
  static constexpr std::size_t k_size =
      std::max({sizeof(Pop3PreLogin), sizeof(ImapPreLogin), sizeof(SmtpPreLogin)});
  static constexpr std::size_t k_align =
      std::max({alignof(Pop3PreLogin), alignof(ImapPreLogin), alignof(SmtpPreLogin)});

  PreLoginSlot() = default;
  ~PreLoginSlot() { reset(); }
  PreLoginSlot(const PreLoginSlot&) = delete;
  PreLoginSlot& operator=(const PreLoginSlot&) = delete;

  template <class T, class... Args> T& emplace(Args&&... args) {
    static_assert(sizeof(T) <= k_size && alignof(T) <= k_align, "add T to k_size and k_align");
    reset();
    T* made = ::new (static_cast<void*>(m_storage)) T(std::forward<Args>(args)...);
    m_session = made;
    return *made;
  }
  void reset() {
    if (m_session != nullptr) {
      m_session->~PreLoginSession();
      m_session = nullptr;
    }
  }
  explicit operator bool() const { return m_session != nullptr; }
  PreLoginSession* operator->() const { return m_session; }
  PreLoginSession& operator*() const { return *m_session; }

private:
  alignas(k_align) std::byte m_storage[k_size];
  PreLoginSession* m_session = nullptr;
};

// The pre-login session of `server` for a plain or a `listen ... ssl` listener.
PreLoginSession& make_pre_login_session(PreLoginSlot& slot, const ServerPlan& server,
                                        bool tls_listener, mail::SessionEnvironment environment);

// The backend login of `server` with what the auth server granted. `session` is the pre-login
// session that was granted and `client_address` the client's (realip applied): IMAP's backend
// LOGIN repeats the client's tag; SMTP's login replays the client's HELO, MAIL and RCPT and names
// the client in XCLIENT, from views of `session` and `client_address`, which must outlive the
// returned login.
std::unique_ptr<UpstreamLogin> make_upstream_login(const ServerPlan& server,
                                                   const LoginGrantedEvent& granted,
                                                   const PreLoginSession& session,
                                                   std::string_view client_address);

} // namespace popcheck::proxy
