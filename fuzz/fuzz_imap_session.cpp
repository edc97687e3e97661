// libFuzzer target: the IMAP command parser and the pre-authentication session state machine
// (imap/session.hpp), driven through its sans-IO interface like the proxy's driver does, in an
// order the fuzzer chooses: client packets (literals, quoted strings, AUTHENTICATE exchanges),
// EOF, timer expiry, TLS outcomes and auth_http results (parsed from fuzzed response text). Any
// crash, sanitizer report or unbounded growth is a bug.
#include <algorithm>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <popcheck/imap/session.hpp>
#include <popcheck/model/directive_table.hpp>
#include <popcheck/pop3/auth_http_response.hpp>
#include <variant>

using namespace popcheck::imap;

namespace {

SessionSettings fuzzed_settings(FuzzedDataProvider& in) {
  SessionSettings s;
  using popcheck::model::AuthMethod;
  for (const auto method :
       {AuthMethod::plain, AuthMethod::login, AuthMethod::cram_md5, AuthMethod::external}) {
    if (in.ConsumeBool()) {
      s.auth_methods.add(method);
    }
  }
  s.timeout = std::chrono::seconds(60); // any: the fuzzer chooses when the timer fires
  s.starttls = static_cast<Starttls>(in.ConsumeIntegralInRange<int>(0, 2));
  s.connection_is_tls = in.ConsumeBool();
  s.max_errors = in.ConsumeIntegralInRange<unsigned>(0, 6);
  s.client_buffer = in.ConsumeIntegralInRange<std::size_t>(1, 512);
  s.capabilities = {"IMAP4", "IMAP4rev1", "UIDPLUS"};
  s.server_name = "fuzz.example";
  s.auth_server_name = "127.0.0.1:9000";
  return s;
}

// Replies are short and a command fits in at most 512 bytes: one call never produces much.
constexpr std::size_t k_max_output_per_call = 64 * 1024;

void drain(Session& session) {
  std::size_t bytes = 0;
  for (auto& event : session.take_events()) {
    if (auto* send = std::get_if<popcheck::pop3::SendEvent>(&event)) {
      bytes += send->bytes.size();
    } else if (auto* log = std::get_if<popcheck::pop3::LogEvent>(&event)) {
      bytes += log->message.size();
    }
  }
  if (bytes > k_max_output_per_call) {
    std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Session session(fuzzed_settings(in), {[] { return 1234567U; }, [] { return std::int64_t{42}; }});
  session.start();
  drain(session);
  for (int step = 0; step < 256 && in.remaining_bytes() > 0; ++step) {
    switch (in.ConsumeIntegralInRange<int>(0, 9)) {
    case 0:
    case 1:
    case 2:
    case 3: { // a client packet, read into the free space as nginx's recv() would
      auto packet = in.ConsumeRandomLengthString(600);
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
      break;
    }
    case 4:
      session.on_eof();
      break;
    case 5:
      session.on_timer();
      break;
    case 6:
      session.on_tls_established();
      break;
    case 7:
      session.on_tls_rejected(in.ConsumeBool() ? CertificateProblem::missing
                                               : CertificateProblem::verify_failed,
                              in.ConsumeRandomLengthString(64));
      break;
    case 8: {
      popcheck::pop3::AuthHttpResponse response;
      popcheck::pop3::parse_auth_http_response(in.ConsumeRandomLengthString(512), response);
      session.on_auth_result(response);
      break;
    }
    case 9:
      session.on_auth_error(in.ConsumeRandomLengthString(64));
      break;
    }
    drain(session);
    (void)session.pending_input();
    (void)session.login_tag();
  }
  return 0;
}
