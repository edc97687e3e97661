#include <algorithm>
#include <nlohmann/json.hpp>
#include <popcheck/probe/pattern.hpp>
#include <popcheck/probe/protocol.hpp>
#include <popcheck/probe/script_json.hpp>
#include <set>

namespace popcheck::probe {
namespace {

using nlohmann::json;
using Error = std::unexpected<std::string>;

Error fail(const std::string& path, const std::string& what) {
  return Error(path + ": " + what);
}

std::expected<void, std::string> only_keys(const json& object, const std::string& path,
                                           const std::set<std::string>& allowed) {
  for (const auto& [key, value] : object.items()) {
    if (!allowed.contains(key)) {
      return fail(path, "unknown key \"" + key + "\"");
    }
  }
  return {};
}

std::expected<std::string, std::string> get_string(const json& value, const std::string& path) {
  if (!value.is_string()) {
    return fail(path, "must be a string");
  }
  return value.get<std::string>();
}

std::expected<Template, std::string> get_template(const json& value, const std::string& path) {
  auto text = get_string(value, path);
  if (!text) {
    return Error(text.error());
  }
  auto tmpl = parse_template(*text);
  if (!tmpl) {
    return fail(path, tmpl.error());
  }
  return tmpl;
}

std::expected<std::vector<Template>, std::string> get_templates(const json& value,
                                                                const std::string& path) {
  std::vector<Template> out;
  if (value.is_string()) {
    auto t = get_template(value, path);
    if (!t) {
      return Error(t.error());
    }
    out.push_back(std::move(*t));
    return out;
  }
  if (!value.is_array()) {
    return fail(path, "must be a string or an array of strings");
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto t = get_template(value[i], path + "[" + std::to_string(i) + "]");
    if (!t) {
      return Error(t.error());
    }
    out.push_back(std::move(*t));
  }
  return out;
}

std::expected<void, std::string> check_regex(const std::string& regex, const std::string& path) {
  if (auto compiled = Pattern::compile(regex); !compiled) {
    return fail(path, "invalid regular expression: " + compiled.error());
  }
  return {};
}

// The statuses of `framing` as an error lists them: "\"+OK\", \"-ERR\" or \"+\"".
std::string status_list(const std::vector<std::string_view>& statuses) {
  std::string out;
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    out += i == 0 ? "" : i + 1 == statuses.size() ? " or " : ", ";
    out += "\"" + std::string(statuses[i]) + "\"";
  }
  return out;
}

std::expected<LineExpect, std::string> parse_line_expect(const json& object,
                                                         const std::string& path,
                                                         std::set<std::string> allowed,
                                                         const ReplyFraming& framing) {
  if (!object.is_object()) {
    return fail(path, "must be an object");
  }
  allowed.insert({"status", "text", "prefix", "regex", "capture"});
  if (auto ok = only_keys(object, path, allowed); !ok) {
    return Error(ok.error());
  }
  LineExpect e;
  if (object.contains("status")) {
    auto s = get_string(object["status"], path + ".status");
    if (!s) {
      return Error(s.error());
    }
    const auto statuses = framing.statuses();
    if (!statuses.empty() && std::find(statuses.begin(), statuses.end(), *s) == statuses.end()) {
      return fail(path + ".status", "must be " + status_list(statuses));
    }
    if (auto why = framing.status_error(*s)) {
      return fail(path + ".status", *why);
    }
    e.status = *s;
  }
  for (const char* key : {"text", "prefix"}) {
    if (object.contains(key)) {
      auto t = get_template(object[key], path + "." + key);
      if (!t) {
        return Error(t.error());
      }
      (std::string(key) == "text" ? e.text : e.prefix) = std::move(*t);
    }
  }
  if (object.contains("regex")) {
    auto r = get_string(object["regex"], path + ".regex");
    if (!r) {
      return Error(r.error());
    }
    if (auto ok = check_regex(*r, path + ".regex"); !ok) {
      return Error(ok.error());
    }
    e.regex = *r;
  }
  if (object.contains("capture")) {
    const json& captures = object["capture"];
    if (!captures.is_object()) {
      return fail(path + ".capture", "must be an object of variable: regex");
    }
    for (const auto& [name, spec] : captures.items()) {
      const std::string cpath = path + ".capture." + name;
      Capture c{name, {}, false};
      if (spec.is_string()) {
        c.regex = spec.get<std::string>();
      } else if (spec.is_object() && spec.contains("regex") && spec["regex"].is_string()) {
        if (auto ok = only_keys(spec, cpath, {"regex", "base64"}); !ok) {
          return Error(ok.error());
        }
        c.regex = spec["regex"].get<std::string>();
        c.base64 = spec.value("base64", false);
      } else {
        return fail(cpath, "must be a regex string or {\"regex\": ..., \"base64\": bool}");
      }
      if (auto ok = check_regex(c.regex, cpath); !ok) {
        return Error(ok.error());
      }
      e.captures.push_back(std::move(c));
    }
  }
  return e;
}

std::expected<MultiExpect, std::string>
parse_multi_expect(const json& object, const std::string& path, const ReplyFraming& framing) {
  auto first = parse_line_expect(
      object, path, {"lines", "includes", "excludes", "ordered", "each", "capture_lines"}, framing);
  if (!first) {
    return Error(first.error());
  }
  MultiExpect m;
  m.first = std::move(*first);
  if (object.contains("lines")) {
    auto lines = get_templates(object["lines"], path + ".lines");
    if (!lines) {
      return Error(lines.error());
    }
    m.lines = std::move(*lines);
  }
  for (const char* key : {"includes", "excludes"}) {
    if (object.contains(key)) {
      auto list = get_templates(object[key], path + "." + key);
      if (!list) {
        return Error(list.error());
      }
      (std::string(key) == "includes" ? m.includes : m.excludes) = std::move(*list);
    }
  }
  if (object.contains("ordered")) {
    if (!object["ordered"].is_boolean()) {
      return fail(path + ".ordered", "must be true or false");
    }
    m.ordered = object["ordered"].get<bool>();
  }
  if (object.contains("each")) {
    auto each = get_string(object["each"], path + ".each");
    if (!each) {
      return Error(each.error());
    }
    if (auto ok = check_regex(*each, path + ".each"); !ok) {
      return Error(ok.error());
    }
    m.each = *each;
  }
  if (object.contains("capture_lines")) {
    auto name = get_string(object["capture_lines"], path + ".capture_lines");
    if (!name) {
      return Error(name.error());
    }
    m.capture_lines = *name;
  }
  return m;
}

const std::set<std::string> k_actions = {
    "send",         "send_raw",     "starttls",     "handshake", "pause",   "expect",
    "expect_lines", "expect_bytes", "expect_close", "reconnect", "distinct"};

std::expected<Step, std::string> parse_step(const json& object, const std::string& path,
                                            const ReplyFraming& framing) {
  if (!object.is_object()) {
    return fail(path, "must be an object");
  }
  std::string action;
  for (const auto& [key, value] : object.items()) {
    if (key == "timeout_ms" || key == "note") {
      continue;
    }
    if (!k_actions.contains(key)) {
      return fail(path, "unknown key \"" + key + "\"");
    }
    if (!action.empty()) {
      return fail(path, "two actions \"" + action + "\" and \"" + key + "\" in one step");
    }
    action = key;
  }
  if (action.empty()) {
    return fail(path, "no action (send, expect, ...)");
  }
  Step step;
  if (object.contains("timeout_ms")) {
    if (!object["timeout_ms"].is_number_integer() || object["timeout_ms"].get<int>() < 1) {
      return fail(path + ".timeout_ms", "must be a positive integer");
    }
    step.timeout_ms = object["timeout_ms"].get<int>();
  }
  if (object.contains("note")) {
    auto note = get_string(object["note"], path + ".note");
    if (!note) {
      return Error(note.error());
    }
    step.note = *note;
  }
  const json& v = object[action];
  const std::string vpath = path + "." + action;
  auto flag = [&](StepKind kind) -> std::expected<Step, std::string> {
    if (v != true) {
      return fail(vpath, "must be true");
    }
    step.kind = kind;
    return step;
  };
  if (action == "send") {
    auto lines = get_templates(v, vpath);
    if (!lines) {
      return Error(lines.error());
    }
    step.kind = StepKind::send;
    step.lines = std::move(*lines);
  } else if (action == "send_raw" || action == "expect_bytes") {
    auto raw = get_template(v, vpath);
    if (!raw) {
      return Error(raw.error());
    }
    step.kind = action == "send_raw" ? StepKind::send_raw : StepKind::expect_bytes;
    step.raw = std::move(*raw);
  } else if (action == "pause") {
    if (!v.is_number_integer() || v.get<int>() < 0) {
      return fail(vpath, "must be a number of milliseconds");
    }
    step.kind = StepKind::pause;
    step.pause_ms = v.get<int>();
  } else if (action == "expect") {
    auto line = parse_line_expect(v, vpath, {}, framing);
    if (!line) {
      return Error(line.error());
    }
    step.kind = StepKind::expect_line;
    step.line = std::move(*line);
  } else if (action == "expect_lines") {
    auto multi = parse_multi_expect(v, vpath, framing);
    if (!multi) {
      return Error(multi.error());
    }
    step.kind = StepKind::expect_multi;
    step.multi = std::move(*multi);
  } else if (action == "distinct") {
    if (!v.is_array() || v.size() < 2) {
      return fail(vpath, "must be an array of at least two variable names");
    }
    for (const auto& name : v) {
      if (!name.is_string()) {
        return fail(vpath, "must be an array of at least two variable names");
      }
      step.names.push_back(name.get<std::string>());
    }
    step.kind = StepKind::distinct;
  } else if (action == "starttls") {
    return flag(StepKind::starttls);
  } else if (action == "handshake") {
    return flag(StepKind::handshake);
  } else if (action == "expect_close") {
    return flag(StepKind::expect_close);
  } else {
    return flag(StepKind::reconnect);
  }
  return step;
}

} // namespace

std::expected<Script, std::string> parse_script_json(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    return Error("not valid JSON");
  }
  if (!doc.is_object()) {
    return Error("the script must be a JSON object");
  }
  if (auto ok = only_keys(doc, "script",
                          {"$schema", "name", "description", "protocol", "connection", "steps"});
      !ok) {
    return Error(ok.error());
  }
  Script script;
  if (doc.contains("protocol")) {
    const std::string name = doc["protocol"].is_string() ? doc["protocol"].get<std::string>() : "";
    script.protocol = find_protocol(name);
    if (script.protocol == nullptr) {
      return Error("protocol: must be " + protocol_list());
    }
  }
  if (!doc.contains("name") || !doc["name"].is_string() || doc["name"].get<std::string>().empty()) {
    return Error("name: required, a non-empty string");
  }
  script.name = doc["name"].get<std::string>();
  if (doc.contains("description")) {
    auto d = get_string(doc["description"], "description");
    if (!d) {
      return Error(d.error());
    }
    script.description = *d;
  }
  if (doc.contains("connection")) {
    const std::string kind =
        doc["connection"].is_string() ? doc["connection"].get<std::string>() : "";
    if (kind == "plain") {
      script.connection = ConnectionKind::plain;
    } else if (kind == "tls") {
      script.connection = ConnectionKind::tls;
    } else if (kind == "starttls") {
      script.connection = ConnectionKind::starttls;
    } else {
      return Error("connection: must be \"plain\", \"tls\" or \"starttls\"");
    }
  }
  if (!doc.contains("steps") || !doc["steps"].is_array() || doc["steps"].empty()) {
    return Error("steps: required, a non-empty array");
  }
  for (std::size_t i = 0; i < doc["steps"].size(); ++i) {
    auto step =
        parse_step(doc["steps"][i], "steps[" + std::to_string(i) + "]", script.protocol->framing);
    if (!step) {
      return Error(step.error());
    }
    script.steps.push_back(std::move(*step));
  }
  return script;
}

} // namespace popcheck::probe
