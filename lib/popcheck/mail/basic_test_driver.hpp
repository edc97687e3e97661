#pragma once

// The unit tests' driver for a mail session (pop3::Session, imap::Session, smtp::Session: one
// sans-IO contract, pop3/session.hpp), shared by pop3/, imap/ and smtp/session_test_driver.hpp.
// It behaves like nginx's read loop over one TCP stream: each packet is made available at once,
// read into the session's free space, and every buffered line is handled before more is read.
// No sockets. Test-only: no library code includes it.

#include <popcheck/model/merge.hpp>
#include <popcheck/mail/auth_http_response.hpp>
#include <popcheck/mail/session_core.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace popcheck::mail::testing {

// A server that sets nothing, merged: nginx's defaults, from the directive table through the merge.
inline model::EffectiveServer merged_defaults() {
  const model::ContextConf mail;
  const model::ServerConf server;
  model::MailMerger merger(mail, {});
  model::EffectiveServer merged;
  merger.merge(server, merged);
  return merged;
}

// A fixed salt source and clock, so salts and timestamps in replies are the same every run.
inline SessionEnvironment fixed_environment() {
  return {[] { return 434347702U; }, [] { return std::int64_t{1795786003}; }};
}

template <class SessionT, class SettingsT> struct BasicDriver {
  // `start`: send the greeting now (false: the test starts the session itself).
  explicit BasicDriver(SettingsT settings, bool start = true)
      : session(std::move(settings), fixed_environment()) {
    if (start) {
      session.start();
      drain();
    }
  }

  SessionT session;
  std::string wire; // everything sent to the client, in order
  std::vector<std::string> writes; // the same, one entry per send
  std::string pending; // client bytes not read yet
  std::vector<AuthRequestEvent> auth;
  std::vector<LogEvent> logs;
  std::vector<LoginGrantedEvent> granted;
  std::vector<std::optional<std::chrono::milliseconds>> timers;
  std::vector<std::string> resolves; // "" for the PTR lookup, else the name (SMTP)
  bool closed = false;
  int tls_starts = 0;

  void drain() {
    for (auto& event : session.take_events()) {
      if (auto* send = std::get_if<SendEvent>(&event)) {
        wire += send->data();
        writes.emplace_back(send->data());
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
      } else if (auto* resolve = std::get_if<ResolveEvent>(&event)) {
        resolves.push_back(resolve->name);
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
    while (session.wants_input() && !closed) {
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

  std::string auth_result(const AuthHttpResponse& response) {
    return after([&] { session.on_auth_result(response); });
  }

  std::string timer_fires() {
    return after([&] { session.on_timer(); });
  }

  void tls_established() {
    session.on_tls_established();
    drain();
  }

  // `message while action` per log line, "\n"-terminated (action omitted when empty).
  std::string log_text() const {
    std::string out;
    for (const auto& line : log_texts()) {
      out += line + "\n";
    }
    return out;
  }

  std::vector<std::string> log_texts() const {
    std::vector<std::string> out;
    for (const auto& l : logs) {
      out.push_back(l.message + (l.action.empty() ? "" : " while " + std::string(l.action)));
    }
    return out;
  }

protected:
  // Runs `call`, then whatever input it unblocked; returns what the client received.
  template <class Call> std::string after(Call&& call) {
    const auto before = wire.size();
    call();
    drain();
    pump();
    return wire.substr(before);
  }
};

inline AuthHttpResponse refusal(std::string text, std::int64_t wait = 0) {
  AuthHttpResponse response;
  response.error = std::move(text);
  response.sleep_seconds = wait;
  return response;
}

// An auth_http answer that sends the login to 127.0.0.1:`port`.
inline AuthHttpResponse accept(std::string pass = {}, std::string port = "2110") {
  AuthHttpResponse response;
  response.server = "127.0.0.1";
  response.port = std::move(port);
  if (!pass.empty()) {
    response.pass = std::move(pass);
  }
  return response;
}

} // namespace popcheck::mail::testing
