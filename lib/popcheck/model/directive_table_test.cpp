#include <doctest/doctest.h>
#include <popcheck/model/directive_table.hpp>
#include <popcheck/model/values.hpp>
#include <set>
#include <string>
#include <vector>

using namespace popcheck::model;

TEST_CASE("model: the registry has the 50 mail directives in MailId order") {
  const auto all = mail_directives();
  REQUIRE(all.size() == 50);
  std::set<std::string_view> names;
  for (const auto& d : all) {
    CHECK(names.insert(d.name).second);
    CHECK(find_mail_directive(d.name) == &d);
    CHECK(&spec(mail_id(d)) == &d);
    CHECK((d.contexts & ~(k_ctx_mail | k_ctx_mail_server)) == 0);
  }
  CHECK(spec(MailId::listen).name == "listen");
  CHECK(spec(MailId::pop3_auth).name == "pop3_auth");
  CHECK(spec(MailId::set_real_ip_from).name == "set_real_ip_from");
  CHECK(spec(MailId::listen).contexts == k_ctx_mail_server);
  CHECK(spec(MailId::server).contexts == k_ctx_mail);
  CHECK(spec(MailId::pop3_auth).default_text() == "plain");
  CHECK(spec(MailId::ssl_protocols).default_text() == "TLSv1 TLSv1.1 TLSv1.2");
  CHECK(find_mail_directive("mail_log") == nullptr);
  CHECK(find_mail_directive("Listen") == nullptr);
}

TEST_CASE("model: name_contexts tells unknown from not allowed") {
  CHECK(name_contexts("proxy_pass", true) == k_ctx_http);
  CHECK(name_contexts("mail_log", true) == 0);
  CHECK(name_contexts("stream", true) == 0);
  CHECK(name_contexts("pop3_auth", false) == 0);
  CHECK(name_contexts("pop3_auth", true) == (k_ctx_mail | k_ctx_mail_server));
  CHECK(name_contexts("mail", false) == 0);
  CHECK(name_contexts("mail", true) == k_ctx_main);
  // Shared with http modules: known even without the mail module.
  CHECK(name_contexts("listen", false) == k_ctx_http);
  CHECK(name_contexts("ssl_certificate", false) == k_ctx_http);
  CHECK(name_contexts("worker_connections", false) == k_ctx_events);
  CHECK(name_contexts("worker_processes", false) == k_ctx_main);
  CHECK(name_contexts("error_log", false) == (k_ctx_main | k_ctx_http));
  CHECK(find_core_directive("events")->block);
  CHECK(find_core_directive("mail")->mail_module);
}

TEST_CASE("model: argument classes") {
  CHECK(arg_count_ok(ArgClass::flag, 1));
  CHECK_FALSE(arg_count_ok(ArgClass::flag, 2));
  CHECK(arg_count_ok(ArgClass::take12, 2));
  CHECK_FALSE(arg_count_ok(ArgClass::take12, 0));
  CHECK(arg_count_ok(ArgClass::one_more, 9));
  CHECK_FALSE(arg_count_ok(ArgClass::one_more, 0));
  CHECK(arg_count_ok(ArgClass::noargs, 0));
}

namespace {

std::vector<std::string_view> split(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto space = text.find(' ');
    out.push_back(text.substr(0, space));
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
  }
  return out;
}

} // namespace

TEST_CASE("model: every default's text reads back, with nginx's parsers, as its typed value") {
  std::size_t with_default = 0;
  for (const auto& d : mail_directives()) {
    CAPTURE(d.name);
    const Default& def = d.default_value;
    const std::string text = d.default_text();
    if (def.type == Default::Type::none) {
      CHECK(text.empty());
      continue;
    }
    ++with_default;
    REQUIRE_FALSE(text.empty());
    switch (def.type) {
    case Default::Type::time:
      REQUIRE((d.kind == ValueKind::msec || d.kind == ValueKind::sec));
      CHECK(parse_time(text, d.kind == ValueKind::sec) == def.value);
      break;
    case Default::Type::size:
      CHECK(d.kind == ValueKind::size);
      CHECK(parse_size(text) == def.value);
      break;
    case Default::Type::number:
      CHECK(d.kind == ValueKind::number);
      CHECK(parse_number(text) == def.value);
      break;
    case Default::Type::flag:
      CHECK(d.args == ArgClass::flag);
      CHECK(parse_flag(text) == (def.value != 0));
      break;
    case Default::Type::choice:
      CHECK(find_word(d.values, text) == static_cast<std::size_t>(def.value));
      break;
    case Default::Type::mask: {
      CHECK(d.kind == ValueKind::bitmask);
      std::int64_t bits = 0;
      for (const auto word : split(text)) {
        const auto i = find_word(d.values, word);
        REQUIRE(i);
        bits |= std::int64_t{1} << *i;
      }
      CHECK(bits == def.value);
      break;
    }
    case Default::Type::word:
      CHECK(d.kind == ValueKind::string);
      CHECK(text == def.word);
      break;
    case Default::Type::words:
      CHECK(split(text) == std::vector<std::string_view>(def.words.begin(), def.words.end()));
      break;
    case Default::Type::none:
      break;
    }
  }
  CHECK(with_default == 32);
  // As nginx's documentation writes them.
  CHECK(spec(MailId::timeout).default_text() == "60s");
  CHECK(spec(MailId::proxy_timeout).default_text() == "24h");
  CHECK(spec(MailId::ssl_session_timeout).default_text() == "5m");
  CHECK(spec(MailId::smtp_greeting_delay).default_text() == "0");
  CHECK(spec(MailId::proxy_buffer).default_text() == "4k");
  CHECK(spec(MailId::max_errors).default_text() == "5");
  CHECK(spec(MailId::xclient).default_text() == "on");
  CHECK(spec(MailId::starttls).default_text() == "off");
  CHECK(spec(MailId::smtp_auth).default_text() == "plain login");
  CHECK(spec(MailId::pop3_capabilities).default_text() == "TOP USER UIDL");
  CHECK(spec(MailId::ssl_ciphers).default_text() == "HIGH:!aNULL:!MD5");
  CHECK(spec(MailId::ssl_session_cache).default_text() == "none");
  CHECK(spec(MailId::server_name).default_text().empty());
}
