#pragma once

// A test driver for imap::Session that behaves like nginx's read loop over one TCP stream (as
// pop3/session_test_driver.hpp does for POP3): each packet is made available at once, read into
// the session's free space, and every buffered line is handled before more is read. No sockets.

#include <algorithm>
#include <popcheck/imap/session.hpp>
#include <string>
#include <vector>

namespace popcheck::imap::testing {

// The settings of an imap server that sets nothing: nginx's defaults, from the directive table
// through the merge.
inline SessionSettings default_settings() {
  const model::ContextConf mail;
  const model::ServerConf server;
  model::MailMerger merger(mail, {});
  model::EffectiveServer merged;
  merger.merge(server, merged);
  auto settings = session_settings(merged);
  settings.server_name = "mail.example.test";
  settings.auth_server_name = "127.0.0.1:9000";
  return settings;
}

inline SessionEnvironment fixed_environment() {
  return {[] { return 434347702U; }, [] { return std::int64_t{1795786003}; }};
}

struct Driver {
  explicit Driver(SessionSettings settings) : session(std::move(settings), fixed_environment()) {
    session.start();
    drain();
  }

  Session session;
  std::string wire; // everything sent to the client, in order
  std::string pending;
  std::vector<pop3::AuthRequestEvent> auth;
  std::vector<pop3::LogEvent> logs;
  std::vector<pop3::LoginGrantedEvent> granted;
  std::vector<std::optional<std::chrono::milliseconds>> timers;
  bool closed = false;
  int tls_starts = 0;

  void drain() {
    for (auto& event : session.take_events()) {
      if (auto* send = std::get_if<pop3::SendEvent>(&event)) {
        wire += send->bytes;
      } else if (std::get_if<pop3::StartTlsEvent>(&event)) {
        ++tls_starts;
      } else if (auto* request = std::get_if<pop3::AuthRequestEvent>(&event)) {
        auth.push_back(*request);
      } else if (auto* log = std::get_if<pop3::LogEvent>(&event)) {
        logs.push_back(*log);
      } else if (auto* grant = std::get_if<pop3::LoginGrantedEvent>(&event)) {
        granted.push_back(*grant);
      } else if (auto* timer = std::get_if<pop3::TimerEvent>(&event)) {
        timers.push_back(timer->after);
      } else if (std::get_if<pop3::CloseEvent>(&event)) {
        closed = true;
      }
    }
  }

  // One client packet; returns what the client receives in reply to it.
  std::string send(std::string_view bytes) {
    const auto before = wire.size();
    pending += bytes;
    pump();
    return wire.substr(before);
  }

  void pump() {
    while (session.wants_input()) {
      auto space = session.input_space();
      if (!pending.empty() && !space.empty()) {
        const auto n = std::min(space.size(), pending.size());
        std::copy_n(pending.data(), n, space.data());
        pending.erase(0, n);
        session.on_input(n);
      } else if (session.has_buffered_input()) {
        const auto before = session.pending_input().size();
        session.on_input(0);
        if (session.pending_input().size() == before && session.wants_input()) {
          drain();
          break; // an incomplete line waits for more bytes
        }
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

  void tls_established() {
    session.on_tls_established();
    drain();
  }

  std::string log_text() const {
    std::string out;
    for (const auto& l : logs) {
      out += l.message + " while " + std::string(l.action) + "\n";
    }
    return out;
  }
};

inline pop3::AuthHttpResponse refusal(std::string text, std::int64_t wait = 0) {
  pop3::AuthHttpResponse response;
  response.error = std::move(text);
  response.sleep_seconds = wait;
  return response;
}

inline pop3::AuthHttpResponse accept(std::string pass = {}) {
  pop3::AuthHttpResponse response;
  response.server = "127.0.0.1";
  response.port = "1143";
  if (!pass.empty()) {
    response.pass = std::move(pass);
  }
  return response;
}

} // namespace popcheck::imap::testing
