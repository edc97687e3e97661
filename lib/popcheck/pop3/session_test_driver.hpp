#pragma once

// A test driver for pop3::Session that behaves like nginx's read loop over one TCP stream: each
// packet is made available at once, read into the session's free space, and every buffered line
// is handled before more is read. No sockets.

#include <popcheck/pop3/session.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace popcheck::pop3::testing {

// The settings of a server that sets nothing: nginx's defaults, from the directive table through
// the merge.
inline SessionSettings default_settings() {
  const model::ContextConf mail;
  const model::ServerConf server;
  model::MailMerger merger(mail, {});
  model::EffectiveServer merged;
  merger.merge(server, merged);
  return session_settings(merged);
}

inline SessionEnvironment fixed_environment() {
  return {[] { return 434347702U; }, [] { return std::int64_t{1795786003}; }};
}

struct Driver {
  explicit Driver(SessionSettings settings)
      : session(std::move(settings), fixed_environment()) {
    session.start();
    drain();
  }

  Session session;
  std::string wire;    // everything sent to the client, in order
  std::vector<std::string> writes;
  std::string pending; // client bytes not read yet
  std::vector<AuthRequestEvent> auth;
  std::vector<LogEvent> logs;
  std::vector<LoginGrantedEvent> granted;
  std::vector<std::optional<std::chrono::milliseconds>> timers;
  bool closed = false;
  int tls_starts = 0;

  void drain() {
    for (auto& event : session.take_events()) {
      if (auto* send = std::get_if<SendEvent>(&event)) {
        wire += send->bytes;
        writes.push_back(send->bytes);
      } else if (std::get_if<StartTlsEvent>(&event)) {
        ++tls_starts;
      } else if (auto* request = std::get_if<AuthRequestEvent>(&event)) {
        auth.push_back(*request);
      } else if (auto* log = std::get_if<LogEvent>(&event)) {
        logs.push_back(*log);
      } else if (auto* grant = std::get_if<LoginGrantedEvent>(&event)) {
        granted.push_back(*grant);
      } else if (auto* timer = std::get_if<TimerEvent>(&event)) {
        timers.push_back(timer->after);
      } else if (std::get_if<CloseEvent>(&event)) {
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
        session.on_input(0);
      } else {
        break;
      }
      drain();
    }
  }

  std::string auth_result(const AuthHttpResponse& response) {
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

  std::string tls_established() {
    session.on_tls_established();
    drain();
    return {};
  }
};

inline AuthHttpResponse refusal(std::string text, std::int64_t wait = 0) {
  AuthHttpResponse response;
  response.error = std::move(text);
  response.sleep_seconds = wait;
  return response;
}

inline AuthHttpResponse accept(std::string pass = {}) {
  AuthHttpResponse response;
  response.server = "127.0.0.1";
  response.port = "2110";
  if (!pass.empty()) {
    response.pass = std::move(pass);
  }
  return response;
}

} // namespace popcheck::pop3::testing
