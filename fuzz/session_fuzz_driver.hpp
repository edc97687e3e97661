#pragma once

// The driver loop the three session fuzz targets share (fuzz_{pop3,imap,smtp}_session.cpp): the
// sessions have one sans-IO contract (pop3/session.hpp), so one loop delivers the events the
// proxy's driver delivers, in an order the fuzzer chooses. Each target adds its protocol's own
// events (numbers 7 and up) and settings. The byte consumption order is the one each target had
// before this loop was shared, so saved corpora replay the same paths.

#include <algorithm>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <popcheck/mail/auth_http_response.hpp>
#include <popcheck/mail/session_events.hpp>
#include <popcheck/pop3/session.hpp>
#include <string>
#include <variant>

namespace popcheck::fuzzing {

// Bounded so a session never grows without limit: replies are short and a command line is
// short, so one call can never produce much output.
constexpr std::size_t k_max_output_per_call = 64 * 1024;

template <class SessionT> void drain(SessionT& session) {
  std::size_t bytes = 0;
  for (auto& event : session.take_events()) {
    if (auto* send = std::get_if<mail::SendEvent>(&event)) {
      bytes += send->data().size();
    } else if (auto* log = std::get_if<mail::LogEvent>(&event)) {
      bytes += log->message.size();
    }
  }
  if (bytes > k_max_output_per_call) {
    std::abort();
  }
}

// A client packet, read into the free space as nginx's recv() would, each buffered line handled
// before more is read.
template <class SessionT> void feed_packet(SessionT& session, const std::string& packet) {
  std::size_t off = 0;
  do {
    auto space = session.input_space();
    const auto n = std::min(space.size(), packet.size() - off);
    std::copy_n(packet.data() + off, n, space.data());
    off += n;
    session.on_input(n);
    drain(session);
    while (session.wants_input() && session.has_buffered_input()) {
      session.on_input(0);
      drain(session);
    }
  } while (off < packet.size() && session.wants_input() && !session.input_space().empty());
}

// An auth_http answer parsed from fuzzed response text.
template <class SessionT> void auth_result(SessionT& session, FuzzedDataProvider& in) {
  mail::AuthHttpResponse response;
  mail::parse_auth_http_response(in.ConsumeRandomLengthString(512), response);
  session.on_auth_result(response);
}

// A failed TLS handshake or client certificate check, with a fuzzed verify message.
template <class SessionT> void tls_rejected(SessionT& session, FuzzedDataProvider& in) {
  session.on_tls_rejected(in.ConsumeBool() ? mail::CertificateProblem::missing
                                           : mail::CertificateProblem::verify_failed,
                          in.ConsumeRandomLengthString(64));
}

template <class SessionT> void auth_error(SessionT& session, FuzzedDataProvider& in) {
  session.on_auth_error(in.ConsumeRandomLengthString(64));
}

// Starts the session and runs up to 256 events: 0-3 a client packet of at most `max_packet`
// bytes, 4 EOF, 5 the timer, 6 TLS established, 7..7+extra_events-1 `more(event)`, the
// protocol's own; `after_step(session)` after each.
template <class SessionT, class More, class After>
void run_session(SessionT& session, FuzzedDataProvider& in, std::size_t max_packet,
                 int extra_events, More&& more, After&& after_step) {
  session.start();
  drain(session);
  for (int step = 0; step < 256 && in.remaining_bytes() > 0; ++step) {
    const int event = in.ConsumeIntegralInRange<int>(0, 6 + extra_events);
    switch (event) {
    case 0:
    case 1:
    case 2:
    case 3:
      feed_packet(session, in.ConsumeRandomLengthString(max_packet));
      break;
    case 4:
      session.on_eof();
      break;
    case 5:
      session.on_timer();
      break;
    case 6:
      session.on_tls_established();
      break;
    default:
      more(event);
      break;
    }
    drain(session);
    after_step(session);
  }
}

} // namespace popcheck::fuzzing
