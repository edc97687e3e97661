#pragma once

// What the analyzer keeps of each mail context (mail{} and every mail server{}): one Setting per
// directive of the registry, unset until the context sets it, like nginx's NGX_CONF_UNSET values.
// The merge (merge.hpp) then combines a server's settings with the mail{} ones.

#include <array>
#include <cstdint>
#include <optional>
#include <popcheck/conf/diagnostic.hpp>
#include <popcheck/model/directive_table.hpp>
#include <popcheck/model/net_url.hpp>
#include <string>
#include <utility>
#include <vector>

namespace popcheck::model {

// One occurrence of a directive: its arguments as written and where its ';' is.
struct Entry {
  std::vector<std::string> args;
  Location where;
};

struct Setting {
  bool set = false;
  Location where;          // the last directive that set or extended it
  std::int64_t number = 0; // flag 0/1, msec, sec, size, number, enum index, bitmask (1 << word)
  // Every occurrence, in order (lists: each argument is one item), of the directives whose words
  // the merge reads; empty for numbers, flags, masks, server, listen and protocol.
  std::vector<Entry> entries;
};

struct Listener {
  std::string text;    // the address argument as written
  std::string address; // nginx's normalised text: "0.0.0.0:110", "[::1]:110", "unix:/x"
  SockAddr sockaddr;
  int port = 0;
  bool ssl = false;
  bool wildcard = false;
  bool bind = false; // bind or a socket option that implies it
  bool proxy_protocol = false;
  std::vector<std::string> params; // the parameters after the address, as written
  Location where;
};

struct AuthHttpTarget {
  std::string url;  // as written
  std::string host; // Host header (unix: "localhost")
  int port = 0;
  std::string uri; // "/" when none was given
  std::optional<std::string> unix_path;
};

// One bit per directive, for sets of ids.
constexpr std::uint64_t mail_id_bit(MailId id) {
  return std::uint64_t{1} << static_cast<unsigned>(id);
}
static_assert(k_mail_directive_count <= 64, "one bit of a std::uint64_t per directive");

constexpr std::uint64_t k_all_lost = ~std::uint64_t{0};

// The value of every directive a context does not name (NGX_CONF_UNSET).
inline const Setting k_unset_setting{};

// One mail context. Fields beyond the settings model nginx's per-module side effects.
class ContextConf {
public:
  Location where; // servers: the line of '{'; mail: the line of 'mail {'
  // ngx_mail_ssl_conf_t file/line: where TLS was enabled (the last `listen ... ssl`; else the
  // last `ssl` or `starttls` directive of this context).
  Location ssl_where;
  bool listen_ssl = false;
  std::optional<AuthHttpTarget> auth_http;
  bool auth_http_seen = false; // an auth_http directive, even an invalid one
  // What nginx -t might have set here had it not stopped first: mail_id_bit of each directive
  // written here and rejected, every bit (k_all_lost) when any directive may be missing (a
  // syntax error or an unreadable include in the block, an unknown directive). An error about a
  // missing directive (no auth_http, no ssl_certificate, ...) is then a knock-on of the first
  // error, which nginx would never reach: the merge leaves it out.
  std::uint64_t lost = 0;
  // With every bit lost: why, for findings that depend on this context ("depends on FILE,
  // which could not be read").
  std::string lost_because;

  // Creates the entry: a reference from it is invalidated by the next creating call.
  Setting& operator[](MailId id) {
    if (m_present & bit(id)) {
      return m_settings[index(id)].second;
    }
    m_present |= bit(id);
    return m_settings.emplace_back(id, Setting{}).second;
  }
  const Setting& get(MailId id) const {
    // The merge and the lint rules ask for ~50 ids per server, most of them unset: the mask
    // answers those without a search.
    return (m_present & bit(id)) ? m_settings[index(id)].second : k_unset_setting;
  }
  const Setting& operator[](MailId id) const { return get(id); }
  // The ids this context names (mail_id_bit), also those whose directive was invalid.
  std::uint64_t present() const { return m_present; }
  // Room for `n` directives (a server block's size is known before its walk).
  void reserve(std::size_t n) { m_settings.reserve(n); }
  // Back to a fresh context that keeps the memory of its settings list (see ServerConf::recycle):
  // every field is reset by `*this = {}`, the list is set aside and put back empty.
  void recycle() {
    auto settings = std::move(m_settings);
    settings.clear();
    *this = {};
    m_settings = std::move(settings);
  }

private:
  static constexpr std::uint64_t bit(MailId id) { return mail_id_bit(id); }
  std::size_t index(MailId id) const { // only for an id in m_present
    std::size_t i = 0;
    while (m_settings[i].first != id) {
      ++i;
    }
    return i;
  }
  // Only the directives this context names (a server sets a handful of the 50): sparse, so that
  // 100k servers stay small.
  std::vector<std::pair<MailId, Setting>> m_settings;
  std::uint64_t m_present = 0; // bit(id): m_settings holds id
};

struct ServerConf {
  ContextConf conf;
  std::vector<Listener> listeners;
  std::optional<std::string> protocol; // "pop3" | "imap" | "smtp"
  bool protocol_by_port = false;
  bool protocol_seen = false; // a protocol directive, even an invalid one
  bool listen_seen = false;   // any `listen`, valid or not (nginx sets it before parsing)

  // Back to a fresh server that keeps the memory of its lists: the analyzer reuses one record
  // for server after server instead of freeing and allocating them 100k times. Every field is
  // reset by `*this = {}` (which allocates nothing); only the two reusable lists are set aside
  // first and put back empty.
  void recycle() {
    auto kept_conf = std::move(conf);
    kept_conf.recycle();
    auto kept_listeners = std::move(listeners);
    kept_listeners.clear();
    *this = {};
    conf = std::move(kept_conf);
    listeners = std::move(kept_listeners);
  }
};

struct MailConf {
  ContextConf conf;
  std::vector<ServerConf> servers;
};

} // namespace popcheck::model
