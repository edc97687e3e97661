#include <doctest/doctest.h>
#include <popcheck/model/directive_table.hpp>
#include <set>

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
  CHECK(spec(MailId::pop3_auth).default_text == "plain");
  CHECK(spec(MailId::ssl_protocols).default_text == "TLSv1 TLSv1.1 TLSv1.2");
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
