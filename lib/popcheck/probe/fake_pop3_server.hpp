#pragma once

// An in-memory POP3 server for the generic suite's unit tests: RFC 1939/2449/2595/5034 as
// written, over MemoryTransport, with one switch per deviation a real server has been seen to
// have (mailutils' +OK to a second DELE, a LIST size that changes, CAPA -ERR, ...), so that each
// check is shown to pass on the conforming server and to catch its own deviation.

#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <popcheck/probe/digest.hpp>
#include <popcheck/probe/memory_transport.hpp>
#include <popcheck/util/base64.hpp>
#include <set>
#include <string>
#include <vector>

namespace popcheck::probe::testing {

struct FakeBehaviour {
  bool capa = true;            // false: CAPA -> -ERR (popa3d, solid-pop3d)
  bool stls = true;            // advertise and do STLS
  bool sasl_before_tls = true; // false: SASL only after STLS (nginx `starttls only`)
  bool timestamp = true;       // APOP timestamp in the greeting
  bool fixed_timestamp = false;
  bool dele_twice_ok = false;    // mailutils: +OK to DELE of a deleted message
  bool list_size_drifts = false; // mailutils: LIST n changes after RETR n
  bool retr_deleted_ok = false;  // RETR of a deleted message succeeds
  bool list_deleted_ok = false;
  bool rset_keeps_deleted = false;
  bool stat_counts_deleted = false;
  bool unknown_ok = false;               // +OK to an unknown command
  bool case_sensitive = false;           // only upper-case keywords
  bool wrong_password_ok = false;        // accepts any password (!)
  bool transaction_before_login = false; // STAT etc. answered before login
  bool out_of_range_ok = false;          // LIST/RETR/DELE/TOP/UIDL of a missing message: +OK
  bool bare_lf = false;                  // RETR lines end in LF only
  bool no_dot_stuffing = false;
  bool top_sends_body = false; // TOP n 0 sends body lines too
  bool uid_unstable = false;   // UIDs change from one session to the next
  bool uid_duplicate = false;
  bool uid_too_long = false;
  bool retr_size_off = false; // LIST size one octet more than RETR sends
  bool cancel_ok = false;     // "*" after AUTH -> +OK
  bool bad_base64_ok = false;
  bool unknown_mech_continue = false;
  bool no_auth_code = false;       // AUTH-RESP-CODE advertised, no [AUTH]
  bool pipelining_breaks = false;  // only the first line of a write is answered
  bool long_response = false;      // a 600-octet -ERR
  bool drop_long_commands = false; // closes on lines over 100 octets
  bool quit_no_close = false;
  bool stls_inside_tls_ok = false;
  bool bad_expire = false;
  bool no_greeting = false; // never greets (times out)
  bool close_after_failed_login = false;
  bool no_uidl = false;
  bool no_top = false;
  bool pass_without_user_ok = false;    // PASS first: +OK
  bool any_user_ok = false;             // every USER/PASS logs in (as alice)
  bool apop_any_ok = false;             // every APOP digest logs in
  bool apop_broken = false;             // APOP always -ERR
  bool stls_unadvertised_ok = false;    // STLS not advertised, yet +OK
  bool stls_listed_after_tls = false;   // CAPA over TLS still lists STLS
  bool stls_in_transaction_ok = false;  // STLS after login: +OK
  bool capa_transaction_err = false;    // CAPA after login: -ERR
  bool sasl_login_broken = false;       // advertised LOGIN: -ERR
  bool auth_ir_broken = false;          // an initial response: -ERR
  bool auth_any_ok = false;             // any AUTH PLAIN initial response logs in
  bool auth_in_transaction_ok = false;  // AUTH after login: a continuation
  bool bad_resp_code = false;           // "-ERR [AUTH wrong": an unclosed code
  bool pipelining_login_breaks = false; // lines pipelined after PASS are lost (courier)
  bool bad_login_delay = false;
  bool empty_implementation = false;
  bool top_broken = false;      // TOP advertised, always -ERR
  bool top_extra_blank = false; // TOP n (n > 0): an extra blank line after the header (mailutils)
  bool stat_off = false;        // STAT's octets one more than LIST's sum
  bool list_offset = false;     // LIST numbers messages from 2
  bool list_n_off = false;      // LIST n: one octet more than LIST
  bool uidl_n_off = false;      // UIDL n: another unique-id than UIDL
  bool lenient_args = false;    // RETR without a number: +OK
  bool truncate_large = false;  // RETR of a message over 1000 octets: closes half-way
  bool noop_err = false;
  bool user_in_transaction_ok = false;
  bool deleted_visible = false; // TOP and UIDL of a deleted message answer
  std::string password = "secret";
  std::vector<std::string> messages = {
      "Subject: one\r\nFrom: a@example.test\r\n\r\nbody line 1\r\n.dotted line\r\nlast\r\n",
      "Subject: two\r\n\r\nx\r\n"};
};

// The shared mailbox (what persists across sessions: messages and their UIDs). Header-only:
// only the unit tests include it.
class FakePop3Server {
public:
  explicit FakePop3Server(FakeBehaviour behaviour) : m_b(std::move(behaviour)) {}

  std::unique_ptr<MemoryTransport> connect() {
    int id = 0;
    {
      std::lock_guard lock(m_mutex);
      id = ++m_sessions;
    }
    auto s = std::make_shared<Session>();
    s->id = id;
    std::string greeting = "+OK fake POP3";
    if (m_b.timestamp) {
      greeting += m_b.fixed_timestamp ? " <1.1@fake>" : " <" + std::to_string(id) + ".42@fake>";
    }
    s->timestamp = greeting.substr(greeting.find('<') == std::string::npos ? greeting.size()
                                                                           : greeting.find('<'));
    return std::make_unique<MemoryTransport>(
        m_b.no_greeting ? "" : greeting + "\r\n",
        [this, s](MemoryTransport& peer, std::string_view line) { handle(peer, *s, line); });
  }

  // Every client line any session received, for "was DELE ever sent" assertions.
  std::vector<std::string> received() const {
    std::lock_guard lock(m_mutex);
    return m_received;
  }

private:
  struct Session {
    int id = 0;
    std::string timestamp;
    bool tls = false;
    bool logged_in = false;
    std::string user;  // after USER
    int sasl_step = 0; // 1: waiting for a SASL response
    std::set<std::size_t> deleted;
    std::set<std::size_t> retrieved;
    bool just_logged_in = false; // for pipelining_login_breaks
  };

  static std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
  }

  std::string capa_lines(const Session& s) const {
    std::string out =
        "+OK\r\nTOP\r\nUIDL\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
    if (m_b.no_top) {
      out = "+OK\r\nUIDL\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
    }
    out += m_b.bad_expire ? "EXPIRE soon\r\n" : "EXPIRE NEVER\r\n";
    out += m_b.bad_login_delay ? "LOGIN-DELAY soon\r\n" : "LOGIN-DELAY 0\r\n";
    out += m_b.empty_implementation ? "IMPLEMENTATION\r\n" : "IMPLEMENTATION fake\r\n";
    if (s.tls || m_b.sasl_before_tls || !m_b.stls) {
      out += "SASL PLAIN LOGIN\r\n";
    }
    if (m_b.stls && (!s.tls || m_b.stls_listed_after_tls)) {
      out += "STLS\r\n";
    }
    return out + ".\r\n";
  }

  std::size_t size_of(std::size_t i, const Session& s) const {
    std::size_t n = m_b.messages[i].size() + (m_b.retr_size_off ? 1 : 0);
    if (m_b.list_size_drifts && s.retrieved.contains(i)) {
      n += 7;
    }
    return n;
  }

  std::string uid_of(std::size_t i, const Session& s) const {
    if (m_b.uid_duplicate) {
      return "same";
    }
    if (m_b.uid_too_long) {
      return std::string(71, 'u');
    }
    return "uid-" + std::to_string(i + 1) + (m_b.uid_unstable ? "-" + std::to_string(s.id) : "");
  }

  // Message number `arg` (1-based) if it exists and is not deleted.
  std::optional<std::size_t> message(std::string_view arg, const Session& s,
                                     bool deleted_ok) const {
    if (arg.empty() || arg.find_first_not_of("0123456789") != std::string_view::npos ||
        arg.size() > 9) {
      return std::nullopt;
    }
    const auto n = static_cast<std::size_t>(std::stoul(std::string(arg)));
    if (n == 0 || n > m_b.messages.size() || (s.deleted.contains(n - 1) && !deleted_ok)) {
      return std::nullopt;
    }
    return n - 1;
  }

  std::string body(std::size_t i, std::optional<std::size_t> top_lines) const {
    const std::string& m = m_b.messages[i];
    std::string out;
    bool in_body = false;
    std::size_t body_lines = 0;
    for (std::size_t start = 0; start < m.size();) {
      const auto end = m.find("\r\n", start);
      std::string line = m.substr(start, end - start);
      start = end + 2;
      if (in_body && top_lines && !m_b.top_sends_body && body_lines++ >= *top_lines) {
        break;
      }
      if (line.empty() && !in_body && m_b.top_extra_blank && top_lines && *top_lines > 0) {
        out += "\r\n";
      }
      if (line.empty()) {
        in_body = true;
      }
      if (line.starts_with('.') && !m_b.no_dot_stuffing) {
        line = "." + line;
      }
      out += line + (m_b.bare_lf ? "\n" : "\r\n");
    }
    return out + ".\r\n";
  }

  // The deviations that replace a whole answer; true when it answered.
  bool deviation(MemoryTransport& peer, Session& s, const std::string& keyword,
                 const std::string& arg, const std::string& first_arg) {
    const bool in = s.logged_in;
    auto say = [&](std::string text) {
      peer.reply(text + "\r\n");
      return true;
    };
    if (keyword == "PASS" && !in && s.user.empty() && m_b.pass_without_user_ok) {
      return say("+OK");
    }
    if (keyword == "PASS" && !in && !s.user.empty() && m_b.any_user_ok) {
      s.logged_in = true;
      return say("+OK");
    }
    if (keyword == "PASS" && !in && !s.user.empty() && arg != m_b.password && m_b.bad_resp_code) {
      s.user.clear();
      return say("-ERR [AUTH wrong");
    }
    if (keyword == "APOP" && !in && (m_b.apop_any_ok || m_b.apop_broken)) {
      s.logged_in = m_b.apop_any_ok;
      return say(m_b.apop_any_ok ? "+OK" : "-ERR no APOP here");
    }
    if (keyword == "STLS" && !in && !s.tls && !m_b.stls && m_b.stls_unadvertised_ok) {
      s.tls = true;
      return say("+OK");
    }
    if (keyword == "STLS" && in && m_b.stls_in_transaction_ok) {
      return say("+OK");
    }
    if (keyword == "CAPA" && in && m_b.capa_transaction_err) {
      return say("-ERR not now");
    }
    if (keyword == "AUTH" && !in && upper(first_arg) == "LOGIN" && m_b.sasl_login_broken) {
      return say("-ERR no LOGIN");
    }
    if (keyword == "AUTH" && !in && arg.find(' ') != std::string::npos &&
        (m_b.auth_ir_broken || m_b.auth_any_ok)) {
      s.logged_in = m_b.auth_any_ok;
      return say(m_b.auth_any_ok ? "+OK" : "-ERR no initial response");
    }
    if (keyword == "AUTH" && in && m_b.auth_in_transaction_ok) {
      s.sasl_step = 1;
      return say("+ ");
    }
    if (!in) {
      return false;
    }
    if ((keyword == "NOOP" && m_b.noop_err)) {
      return say("-ERR no");
    }
    if ((keyword == "USER" || keyword == "PASS") && m_b.user_in_transaction_ok) {
      return say("+OK");
    }
    if (keyword == "RETR" && arg.empty() && m_b.lenient_args) {
      return say("+OK\r\n.");
    }
    if (keyword == "TOP" && m_b.top_broken) {
      return say("-ERR no TOP");
    }
    auto n = message(first_arg, s, true);
    if (!n) {
      return false;
    }
    const std::string number = std::to_string(*n + 1);
    if (keyword == "LIST" && !arg.empty() && m_b.list_n_off && !s.deleted.contains(*n)) {
      return say("+OK " + number + " " + std::to_string(size_of(*n, s) + 1));
    }
    if (keyword == "UIDL" && !arg.empty() && m_b.uidl_n_off && !s.deleted.contains(*n)) {
      return say("+OK " + number + " other");
    }
    if (s.deleted.contains(*n) && m_b.deleted_visible) {
      if (keyword == "TOP") {
        return say("+OK\r\n.");
      }
      if (keyword == "UIDL") {
        return say("+OK " + number + " " + uid_of(*n, s));
      }
    }
    if (keyword == "RETR" && m_b.truncate_large && m_b.messages[*n].size() > 1000) {
      peer.reply("+OK\r\n" + m_b.messages[*n].substr(0, 500));
      peer.close();
      return true;
    }
    return false;
  }

  void handle(MemoryTransport& peer, Session& s, std::string_view raw) {
    {
      std::lock_guard lock(m_mutex);
      m_received.emplace_back(raw);
    }
    if (m_b.pipelining_breaks && peer.unread() > 0) {
      return; // a line sent before the last reply was read: dropped
    }
    if (s.just_logged_in) {
      if (peer.unread() > 0) {
        return; // pipelined behind PASS: lost, as courier's login process loses it
      }
      s.just_logged_in = false;
    }
    if (m_b.drop_long_commands && raw.size() > 100) {
      peer.close();
      return;
    }
    if (s.sasl_step == 1) {
      s.sasl_step = 0;
      if (raw == "*") {
        peer.reply(m_b.cancel_ok ? "+OK\r\n" : "-ERR cancelled\r\n");
      } else if (raw == "!!!!") {
        peer.reply(m_b.bad_base64_ok ? "+ \r\n" : "-ERR invalid base64\r\n");
      } else {
        peer.reply("-ERR [AUTH] no\r\n");
      }
      return;
    }
    const auto space = raw.find(' ');
    std::string keyword(raw.substr(0, space));
    const std::string arg =
        space == std::string_view::npos ? "" : std::string(raw.substr(space + 1));
    if (!m_b.case_sensitive) {
      keyword = upper(keyword);
    }
    const auto first_arg = arg.substr(0, arg.find(' '));
    const std::string auth_code = m_b.no_auth_code ? "" : "[AUTH] ";
    const bool txn = s.logged_in || m_b.transaction_before_login;
    if (deviation(peer, s, keyword, arg, first_arg)) {
      return;
    }

    if (keyword == "QUIT") {
      peer.reply("+OK bye\r\n");
      if (!m_b.quit_no_close) {
        peer.close();
      }
    } else if (keyword == "CAPA") {
      peer.reply(m_b.capa ? capa_lines(s) : "-ERR unknown command\r\n");
    } else if (keyword == "STLS" && m_b.stls && !s.tls && !s.logged_in) {
      peer.reply("+OK begin TLS\r\n");
      s.tls = true;
    } else if (keyword == "STLS" && s.tls && m_b.stls_inside_tls_ok) {
      peer.reply("+OK again\r\n");
    } else if (keyword == "USER" && !s.logged_in) {
      s.user = arg;
      peer.reply("+OK\r\n");
    } else if (keyword == "PASS" && !s.logged_in && !s.user.empty()) {
      if (s.user == "alice" && (arg == m_b.password || m_b.wrong_password_ok)) {
        s.logged_in = true;
        s.just_logged_in = m_b.pipelining_login_breaks;
        peer.reply("+OK logged in\r\n");
      } else {
        s.user.clear();
        peer.reply("-ERR " + auth_code + "wrong\r\n");
        if (m_b.close_after_failed_login) {
          peer.close();
        }
      }
    } else if (keyword == "APOP" && !s.logged_in) {
      if (first_arg == "alice" &&
          arg.substr(arg.find(' ') + 1) == md5_hex(s.timestamp + m_b.password)) {
        s.logged_in = true;
        peer.reply("+OK logged in\r\n");
      } else {
        peer.reply("-ERR " + auth_code + "APOP failed\r\n");
      }
    } else if (keyword == "AUTH" && !s.logged_in && (s.tls || m_b.sasl_before_tls || !m_b.stls)) {
      const auto mech = upper(first_arg);
      if (mech == "PLAIN" || mech == "LOGIN") {
        if (arg.find(' ') != std::string::npos) {
          const std::string good = util::base64_encode(std::string("\0alice\0", 7) + m_b.password);
          if (arg.substr(arg.find(' ') + 1) == good) {
            s.logged_in = true;
            peer.reply("+OK logged in\r\n");
          } else {
            peer.reply("-ERR " + auth_code + "wrong\r\n");
          }
        } else {
          s.sasl_step = 1;
          peer.reply("+ \r\n");
        }
      } else if (m_b.unknown_mech_continue) {
        s.sasl_step = 1;
        peer.reply("+ \r\n");
      } else {
        peer.reply("-ERR unknown mechanism\r\n");
      }
    } else if (keyword == "STAT" && txn) {
      std::size_t count = 0, octets = 0;
      for (std::size_t i = 0; i < m_b.messages.size(); ++i) {
        if (!s.deleted.contains(i) || m_b.stat_counts_deleted) {
          ++count;
          octets += size_of(i, s);
        }
      }
      octets += m_b.stat_off ? 1 : 0;
      peer.reply("+OK " + std::to_string(count) + " " + std::to_string(octets) + "\r\n");
    } else if ((keyword == "LIST" || keyword == "UIDL") && txn &&
               !(keyword == "UIDL" && m_b.no_uidl)) {
      const bool list = keyword == "LIST";
      if (arg.empty()) {
        std::string out = "+OK\r\n";
        for (std::size_t i = 0; i < m_b.messages.size(); ++i) {
          if (!s.deleted.contains(i)) {
            out += std::to_string(i + 1 + (m_b.list_offset && list ? 1 : 0)) + " " +
                   (list ? std::to_string(size_of(i, s)) : uid_of(i, s)) + "\r\n";
          }
        }
        peer.reply(out + ".\r\n");
      } else if (auto i = message(arg, s, list ? m_b.list_deleted_ok : false)) {
        peer.reply("+OK " + std::to_string(*i + 1) + " " +
                   (list ? std::to_string(size_of(*i, s)) : uid_of(*i, s)) + "\r\n");
      } else {
        peer.reply(m_b.out_of_range_ok ? "+OK 1 1\r\n" : "-ERR no such message\r\n");
      }
    } else if (keyword == "RETR" && txn) {
      if (auto i = message(arg, s, m_b.retr_deleted_ok)) {
        s.retrieved.insert(*i);
        peer.reply("+OK\r\n" + body(*i, std::nullopt));
      } else {
        peer.reply(m_b.out_of_range_ok ? "+OK\r\n.\r\n" : "-ERR no such message\r\n");
      }
    } else if (keyword == "TOP" && txn && !m_b.no_top) {
      const auto lines_arg =
          arg.find(' ') == std::string::npos ? "" : arg.substr(arg.find(' ') + 1);
      auto i = message(first_arg, s, false);
      if (i && !lines_arg.empty()) {
        peer.reply("+OK\r\n" + body(*i, std::stoul(lines_arg)));
      } else {
        peer.reply(m_b.out_of_range_ok ? "+OK\r\n.\r\n" : "-ERR no such message\r\n");
      }
    } else if (keyword == "DELE" && txn) {
      if (auto i = message(arg, s, m_b.dele_twice_ok)) {
        s.deleted.insert(*i);
        peer.reply("+OK deleted\r\n");
      } else {
        peer.reply(m_b.out_of_range_ok ? "+OK\r\n" : "-ERR no such message\r\n");
      }
    } else if (keyword == "RSET" && txn) {
      if (!m_b.rset_keeps_deleted) {
        s.deleted.clear();
      }
      peer.reply("+OK\r\n");
    } else if (keyword == "NOOP" && txn) {
      peer.reply("+OK\r\n");
    } else if (m_b.unknown_ok && keyword == "XYZZY") {
      peer.reply("+OK whatever\r\n");
    } else if (m_b.long_response) {
      peer.reply("-ERR " + std::string(600, 'e') + "\r\n");
    } else {
      peer.reply("-ERR unknown command or wrong state\r\n");
    }
  }

  FakeBehaviour m_b;
  mutable std::mutex m_mutex;
  std::vector<std::string> m_received;
  int m_sessions = 0;
};

} // namespace popcheck::probe::testing
