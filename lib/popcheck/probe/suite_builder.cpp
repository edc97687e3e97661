#include <popcheck/probe/suite_builder.hpp>
#include <stdexcept>

namespace popcheck::probe::build {
namespace {

Step of(StepKind kind) {
  Step s;
  s.kind = kind;
  return s;
}

Step with_raw(StepKind kind, Template raw) {
  Step s = of(kind);
  s.raw = std::move(raw);
  return s;
}

} // namespace

Template tmpl(std::string_view source) {
  auto t = parse_template(source);
  if (!t) {
    throw std::logic_error("bad built-in template \"" + std::string(source) + "\": " + t.error());
  }
  return *t;
}

Step send(std::string_view line_template) {
  Step s = of(StepKind::send);
  s.lines.push_back(tmpl(line_template));
  return s;
}

Step send_lines(const std::vector<std::string>& lines) {
  Step s = of(StepKind::send);
  for (const auto& l : lines) {
    s.lines.push_back(literal_template(l));
  }
  return s;
}

Step send_raw(std::string_view bytes) {
  return with_raw(StepKind::send_raw, literal_template(bytes));
}

Step expect_bytes(std::string_view bytes) {
  return with_raw(StepKind::expect_bytes, literal_template(bytes));
}

Step expect_bytes_template(std::string_view bytes_template) {
  return with_raw(StepKind::expect_bytes, tmpl(bytes_template));
}

Step expect_status(std::string_view status) {
  Step s = of(StepKind::expect_line);
  s.line.status = std::string(status);
  return s;
}

Step expect_prefix(std::string_view prefix) {
  Step s = of(StepKind::expect_line);
  s.line.prefix = literal_template(prefix);
  return s;
}

Step expect_regex(std::string_view regex) {
  Step s = of(StepKind::expect_line);
  s.line.regex = std::string(regex);
  return s;
}

Step expect_multi(std::string_view status) {
  Step s = of(StepKind::expect_multi);
  s.multi.first.status = std::string(status);
  return s;
}

Step capture(Step step, std::string variable, std::string regex, bool base64) {
  auto& line = step.kind == StepKind::expect_multi ? step.multi.first : step.line;
  line.captures.push_back({std::move(variable), std::move(regex), base64});
  return step;
}

Step starttls() {
  return of(StepKind::starttls);
}
Step handshake() {
  return of(StepKind::handshake);
}
Step expect_close() {
  return of(StepKind::expect_close);
}
Step reconnect() {
  return of(StepKind::reconnect);
}

Step distinct(std::vector<std::string> names) {
  Step s = of(StepKind::distinct);
  s.names = std::move(names);
  return s;
}

Step noted(Step step, std::string note) {
  step.note = std::move(note);
  return step;
}

Script script(std::string name, std::string description, ConnectionKind kind,
              std::vector<Step> steps) {
  Script s;
  s.name = std::move(name);
  s.description = std::move(description);
  s.connection = kind;
  s.steps = std::move(steps);
  return s;
}

} // namespace popcheck::probe::build
