// The SMTP generic suite's runner: discovery (greeting and EHLO; STARTTLS and EHLO again when
// advertised on a plain port), then every check of the table (smtp_generic_checks.cpp) as a
// script, graded by its requirement level.

#include <cctype>
#include <popcheck/probe/smtp_generic_suite.hpp>
#include <popcheck/probe/smtp_protocol.hpp>
#include <popcheck/probe/suite_builder.hpp>
#include <sstream>

namespace popcheck::probe {
namespace {

using namespace build;

std::string upper(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

const char* level_name(SmtpLevel level) {
  return level == SmtpLevel::must ? "MUST" : level == SmtpLevel::should ? "SHOULD" : "MAY";
}

// A script's result as the check of `spec`: what does not hold fails only for a MUST.
CheckResult graded(CheckResult result, const SmtpCheck& spec) {
  result.name = spec.name;
  result.description =
      spec.requirement + " (" + spec.reference + ", " + level_name(spec.level) + ")";
  result.reference = spec.reference;
  result.level = level_name(spec.level);
  if (result.outcome == Outcome::fail && spec.level != SmtpLevel::must) {
    result.outcome = spec.level == SmtpLevel::should ? Outcome::warn : Outcome::info;
  }
  return result;
}

CheckResult skipped(const SmtpCheck& spec, std::string why) {
  CheckResult result;
  result.outcome = Outcome::skip;
  result.message = std::move(why);
  return graded(std::move(result), spec);
}

// Discovery: the greeting and the EHLO reply, whose extensions decide the rest.
SmtpCheck greeting_check() {
  return {"greeting-ehlo", "RFC 5321 sections 3.1, 4.1.1.1, 4.2 (greeting, EHLO)", SmtpLevel::must,
          "the server greets with 220 and answers EHLO with 250, its domain on the first line "
          "and an extension per further line",
          [](const SmtpFacts& facts, const GenericOptions&) -> std::expected<Script, std::string> {
            Step ehlo = expect_multi("250");
            ehlo.multi.first.regex = "^250[ -][^ ]+";
            ehlo.multi.capture_lines = "ehlo";
            auto s = script("greeting-ehlo", "",
                            facts.tls_port ? ConnectionKind::tls : ConnectionKind::plain,
                            {expect_multi("220"), send("EHLO " + std::string(k_smtp_client_domain)),
                             ehlo, send("QUIT"), expect_multi("221")});
            s.protocol = &smtp_protocol();
            return s;
          }};
}

SmtpCheck starttls_check() {
  return {"starttls", "RFC 3207 sections 4, 4.2 (STARTTLS)", SmtpLevel::must,
          "STARTTLS, advertised, gets 220 and a TLS handshake; EHLO is answered again on TLS "
          "and no longer lists STARTTLS",
          [](const SmtpFacts&, const GenericOptions&) -> std::expected<Script, std::string> {
            Step ehlo = expect_multi("250");
            ehlo.multi.capture_lines = "ehlo_tls";
            ehlo.multi.excludes.push_back(literal_template("STARTTLS"));
            auto s = script("starttls", "", ConnectionKind::plain,
                            {expect_multi("220"), starttls(),
                             send("EHLO " + std::string(k_smtp_client_domain)), ehlo, send("QUIT"),
                             expect_multi("221")});
            s.protocol = &smtp_protocol();
            return s;
          }};
}

} // namespace

std::vector<std::string> SmtpExtensions::auth() const {
  std::vector<std::string> out;
  for (const auto* key : {"AUTH", "AUTH="}) {
    const auto it = keywords.find(key);
    if (it == keywords.end()) {
      continue;
    }
    std::istringstream words(it->second);
    for (std::string mech; words >> mech;) {
      out.push_back(upper(mech));
    }
  }
  return out;
}

bool SmtpExtensions::auth_has(std::string_view mechanism) const {
  for (const auto& m : auth()) {
    if (m == mechanism) {
      return true;
    }
  }
  return false;
}

SmtpExtensions parse_smtp_extensions(std::string_view lines) {
  SmtpExtensions out;
  while (!lines.empty()) {
    const auto lf = lines.find('\n');
    const auto line = lines.substr(0, lf);
    lines = lf == std::string_view::npos ? std::string_view() : lines.substr(lf + 1);
    // "AUTH=PLAIN LOGIN" (pre-RFC 4954 servers) is the keyword "AUTH=" with its mechanisms.
    auto end = line.find_first_of(" =");
    if (end != std::string_view::npos && line[end] == '=') {
      ++end;
    }
    const auto keyword = upper(std::string(line.substr(0, end)));
    if (keyword.empty()) {
      continue;
    }
    const auto rest = end >= line.size() ? std::string_view() : line.substr(end);
    out.keywords[keyword] = std::string(rest.starts_with(' ') ? rest.substr(1) : rest);
  }
  return out;
}

std::vector<CheckResult> run_smtp_generic_suite(Connector& connector, const Variables& variables,
                                                const RunOptions& run, TimeSource& time,
                                                const GenericOptions& options) {
  SmtpFacts facts;
  facts.tls_port = options.tls;
  std::vector<CheckResult> results;
  const auto checks = smtp_generic_checks();
  const auto stop = [&](const std::string& why) {
    for (const auto& spec : checks) {
      results.push_back(skipped(spec, why));
    }
    return results;
  };

  const auto greeting = greeting_check();
  auto first = run_script(*greeting.build(facts, options), connector, variables, run, time);
  results.push_back(graded(std::move(first), greeting));
  if (results.back().outcome != Outcome::pass) {
    // A server whose greeting or EHLO is broken fails every other check the same way.
    return stop("the discovery check greeting-ehlo did not pass");
  }
  facts.greeting = results.back().captured["greeting"].text;
  facts.ehlo = parse_smtp_extensions(results.back().captured["ehlo"].text);
  if (!facts.tls_port && facts.ehlo.has("STARTTLS")) {
    const auto tls = starttls_check();
    auto r = graded(run_script(*tls.build(facts, options), connector, variables, run, time), tls);
    if (r.outcome == Outcome::pass) {
      facts.ehlo_tls = parse_smtp_extensions(r.captured["ehlo_tls"].text);
    }
    results.push_back(std::move(r));
  }

  std::vector<Script> scripts;
  std::vector<const SmtpCheck*> ran;
  std::vector<CheckResult> rest(checks.size());
  for (std::size_t i = 0; i < checks.size(); ++i) {
    if (checks[i].judge) {
      CheckResult judged;
      if (auto wrong = checks[i].judge(facts)) {
        judged.outcome = Outcome::fail;
        judged.message = *wrong;
      }
      rest[i] = graded(std::move(judged), checks[i]);
      continue;
    }
    auto s = checks[i].build(facts, options);
    if (s) {
      s->name = checks[i].name;
      s->protocol = &smtp_protocol();
      scripts.push_back(std::move(*s));
      ran.push_back(&checks[i]);
    } else {
      rest[i] = skipped(checks[i], s.error());
    }
  }
  auto done = run_scripts(scripts, connector, variables, run, time);
  for (std::size_t i = 0, j = 0; i < checks.size(); ++i) {
    if (j < ran.size() && ran[j] == &checks[i]) {
      rest[i] = graded(std::move(done[j++]), checks[i]);
    }
  }
  results.insert(results.end(), std::make_move_iterator(rest.begin()),
                 std::make_move_iterator(rest.end()));
  return results;
}

} // namespace popcheck::probe
