#pragma once

// A test driver for smtp::Session like pop3's (pop3/session_test_driver.hpp): nginx's read loop
// over one TCP stream, no sockets; the client host lookups are answered by the test.

#include <algorithm>
#include <popcheck/pop3/session_test_driver.hpp>
#include <popcheck/smtp/session.hpp>
#include <string>
#include <vector>

namespace popcheck::smtp::testing {

// nginx's defaults, from the directive table through the merge, with a server_name.
inline SessionSettings default_settings() {
  const model::ContextConf mail;
  const model::ServerConf server;
  model::MailMerger merger(mail, {});
  model::EffectiveServer merged;
  merger.merge(server, merged);
  auto s = session_settings(merged);
  s.server_name = "mail.example.test";
  s.auth_server_name = "127.0.0.1:9000";
  return s;
}

struct Driver {
  explicit Driver(SessionSettings settings, bool start = true)
      : session(std::move(settings), pop3::testing::fixed_environment()) {
    if (start) {
      session.start();
      drain();
    }
  }

  Session session;
  std::string wire;
  std::string pending;
  std::vector<AuthRequestEvent> auth;
  std::vector<pop3::LogEvent> logs;
  std::vector<pop3::LoginGrantedEvent> granted;
  std::vector<std::optional<std::chrono::milliseconds>> timers;
  std::vector<std::string> resolves; // "" for the PTR lookup, else the name
  bool closed = false;
  int tls_starts = 0;

  void drain() {
    for (auto& event : session.take_events()) {
      if (auto* send = std::get_if<pop3::SendEvent>(&event)) {
        wire += send->bytes;
      } else if (std::get_if<pop3::StartTlsEvent>(&event)) {
        ++tls_starts;
      } else if (auto* request = std::get_if<AuthRequestEvent>(&event)) {
        auth.push_back(*request);
      } else if (auto* log = std::get_if<pop3::LogEvent>(&event)) {
        logs.push_back(*log);
      } else if (auto* grant = std::get_if<pop3::LoginGrantedEvent>(&event)) {
        granted.push_back(*grant);
      } else if (auto* timer = std::get_if<pop3::TimerEvent>(&event)) {
        timers.push_back(timer->after);
      } else if (std::get_if<pop3::CloseEvent>(&event)) {
        closed = true;
      } else if (auto* resolve = std::get_if<pop3::ResolveEvent>(&event)) {
        resolves.push_back(resolve->name);
      }
    }
  }

  std::string send(std::string_view bytes) {
    const auto before = wire.size();
    pending += bytes;
    pump();
    return wire.substr(before);
  }

  void pump() {
    while (session.wants_input() && !closed) {
      auto space = session.input_space();
      if (!pending.empty() && !space.empty()) {
        const auto n = std::min(space.size(), pending.size());
        std::copy_n(pending.data(), n, space.data());
        pending.erase(0, n);
        session.on_input(n);
      } else if (session.has_buffered_input()) {
        session.on_input(0);
      } else if (space.empty() && !pending.empty()) {
        // A full buffer and the client's next bytes: nginx's read event parses the buffer
        // without reading (ngx_mail_read_command()).
        session.on_input(0);
        drain();
        break;
      } else {
        break;
      }
      drain();
    }
  }

  std::string auth_result(const pop3::AuthHttpResponse& response) {
    const auto before = wire.size();
    session.on_auth_result(response);
    drain();
    pump();
    return wire.substr(before);
  }

  std::string timer_fires() {
    const auto before = wire.size();
    session.on_timer();
    drain();
    pump();
    return wire.substr(before);
  }

  std::string address_resolved(HostLookup lookup) {
    const auto before = wire.size();
    session.on_address_resolved(lookup);
    drain();
    pump();
    return wire.substr(before);
  }

  std::string name_resolved(HostLookup lookup) {
    const auto before = wire.size();
    session.on_name_resolved(lookup);
    drain();
    pump();
    return wire.substr(before);
  }

  void tls_established() {
    session.on_tls_established();
    drain();
  }

  std::vector<std::string> log_texts() const {
    std::vector<std::string> out;
    for (const auto& l : logs) {
      out.push_back(l.message + (l.action.empty() ? "" : " while " + std::string(l.action)));
    }
    return out;
  }
};

} // namespace popcheck::smtp::testing
