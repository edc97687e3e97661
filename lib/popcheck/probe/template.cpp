#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <popcheck/probe/digest.hpp>
#include <popcheck/probe/template.hpp>
#include <popcheck/util/base64.hpp>

namespace popcheck::probe {
namespace {

struct Function {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;
};

constexpr Function k_functions[] = {
    {"base64", 1, 16},  {"b64decode", 1, 1}, {"plain", 2, 3}, {"apop", 2, 2},
    {"cram_md5", 3, 3}, {"repeat", 2, 2},    {"hex", 1, 1},     {"len", 1, 1},
};

const Function* find_function(std::string_view name) {
  for (const auto& f : k_functions) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

// Recursive-descent parser over the text between "${" and the matching "}".
class ExprParser {
public:
  ExprParser(std::string_view text, std::size_t base) : m_text(text), m_base(base) {}

  std::expected<Expr, std::string> parse_all() {
    auto expr = parse_expr();
    if (!expr) {
      return expr;
    }
    skip_space();
    if (m_pos != m_text.size()) {
      return fail("unexpected \"" + std::string(1, m_text[m_pos]) + "\"");
    }
    return expr;
  }

private:
  std::unexpected<std::string> fail(const std::string& what) const {
    return std::unexpected("column " + std::to_string(m_base + m_pos + 1) + ": " + what);
  }
  void skip_space() {
    while (m_pos < m_text.size() && m_text[m_pos] == ' ') {
      ++m_pos;
    }
  }
  static bool ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  }

  std::expected<Expr, std::string> parse_quoted() {
    Expr e;
    ++m_pos;
    while (m_pos < m_text.size() && m_text[m_pos] != '\'') {
      char c = m_text[m_pos++];
      if (c == '\\' && m_pos < m_text.size()) {
        const char n = m_text[m_pos++];
        c = n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : n == '0' ? '\0' : n;
      }
      e.text += c;
    }
    if (m_pos == m_text.size()) {
      return fail("unterminated quoted text");
    }
    ++m_pos;
    return e;
  }

  std::expected<Expr, std::string> parse_expr() {
    skip_space();
    if (m_pos == m_text.size()) {
      return fail("missing expression");
    }
    if (m_text[m_pos] == '\'') {
      return parse_quoted();
    }
    const std::size_t start = m_pos;
    while (m_pos < m_text.size() && ident_char(m_text[m_pos])) {
      ++m_pos;
    }
    if (start == m_pos) {
      return fail("unexpected \"" + std::string(1, m_text[m_pos]) + "\"");
    }
    Expr e;
    e.text = std::string(m_text.substr(start, m_pos - start));
    if (std::isdigit(static_cast<unsigned char>(e.text[0])) != 0) {
      return e; // a number is a literal
    }
    skip_space();
    if (m_pos == m_text.size() || m_text[m_pos] != '(') {
      e.kind = Expr::Kind::variable;
      return e;
    }
    const Function* f = find_function(e.text);
    if (f == nullptr) {
      m_pos = start;
      return fail("unknown function \"" + e.text + "\"");
    }
    e.kind = Expr::Kind::call;
    ++m_pos;
    skip_space();
    while (m_pos < m_text.size() && m_text[m_pos] != ')') {
      auto arg = parse_expr();
      if (!arg) {
        return arg;
      }
      e.args.push_back(std::move(*arg));
      skip_space();
      if (m_pos < m_text.size() && m_text[m_pos] == ',') {
        ++m_pos;
      } else if (m_pos < m_text.size() && m_text[m_pos] != ')') {
        return fail("expected \",\" or \")\"");
      }
    }
    if (m_pos == m_text.size()) {
      return fail("missing \")\"");
    }
    ++m_pos;
    if (e.args.size() < f->min_args || e.args.size() > f->max_args) {
      m_pos = start;
      return fail(e.text + "() takes " + std::to_string(f->min_args) +
                  (f->max_args > f->min_args ? "+" : "") + " argument(s)");
    }
    return e;
  }

  std::string_view m_text;
  std::size_t m_base;
  std::size_t m_pos = 0;
};

std::expected<Value, std::string> evaluate(const Expr& e, const Variables& variables) {
  if (e.kind == Expr::Kind::literal) {
    return Value{e.text, false};
  }
  if (e.kind == Expr::Kind::variable) {
    const auto it = variables.find(e.text);
    if (it == variables.end()) {
      return std::unexpected("undefined variable \"" + e.text + "\"");
    }
    return it->second;
  }
  std::vector<std::string> args;
  bool secret = false;
  for (const auto& a : e.args) {
    auto v = evaluate(a, variables);
    if (!v) {
      return v;
    }
    secret = secret || v->secret;
    args.push_back(std::move(v->text));
  }
  const std::string& f = e.text;
  if (f == "base64") {
    std::string all;
    for (const auto& a : args) {
      all += a;
    }
    return Value{util::base64_encode(all), secret};
  }
  if (f == "b64decode") {
    auto decoded = util::base64_decode_lenient(args[0]);
    if (!decoded) {
      return std::unexpected("b64decode: invalid base64");
    }
    return Value{std::move(*decoded), secret};
  }
  if (f == "plain") {
    const std::string authzid = args.size() == 3 ? args[0] : std::string();
    const std::size_t u = args.size() - 2;
    return Value{util::base64_encode(authzid + '\0' + args[u] + '\0' + args[u + 1]), secret};
  }
  if (f == "apop") {
    return Value{md5_hex(args[0] + args[1]), secret};
  }
  if (f == "cram_md5") {
    return Value{util::base64_encode(args[0] + " " + hmac_md5_hex(args[1], args[2])), secret};
  }
  if (f == "repeat") {
    const auto count = std::strtoull(args[1].c_str(), nullptr, 10);
    if (count > 16u * 1024 * 1024 / std::max<std::size_t>(args[0].size(), 1)) {
      return std::unexpected("repeat: result over 16 MiB");
    }
    std::string out;
    for (unsigned long long i = 0; i < count; ++i) {
      out += args[0];
    }
    return Value{std::move(out), secret};
  }
  if (f == "len") {
    return Value{std::to_string(args[0].size()), secret};
  }
  // hex
  std::string out;
  const std::string& digits = args[0];
  if (digits.size() % 2 != 0 ||
      digits.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return std::unexpected("hex: \"" + digits + "\" is not an even number of hex digits");
  }
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    out += static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16));
  }
  return Value{std::move(out), secret};
}

} // namespace

bool Template::has_expressions() const {
  for (const auto& p : pieces) {
    if (p.is_expr) {
      return true;
    }
  }
  return false;
}

std::expected<Template, std::string> parse_template(std::string_view source) {
  Template t;
  t.source = std::string(source);
  std::string literal;
  std::size_t i = 0;
  while (i < source.size()) {
    if (source.compare(i, 3, "$${") == 0) { // escaped: a literal "${"
      literal += "${";
      i += 3;
      continue;
    }
    if (source.compare(i, 2, "${") != 0) {
      literal += source[i++];
      continue;
    }
    // The matching '}' is the first one outside quotes.
    std::size_t j = i + 2;
    bool quoted = false;
    for (; j < source.size(); ++j) {
      if (quoted && source[j] == '\\') {
        ++j;
      } else if (source[j] == '\'') {
        quoted = !quoted;
      } else if (!quoted && source[j] == '}') {
        break;
      }
    }
    if (j >= source.size()) {
      return std::unexpected("column " + std::to_string(i + 1) + ": \"${\" without \"}\"");
    }
    auto expr = ExprParser(source.substr(i + 2, j - i - 2), i + 2).parse_all();
    if (!expr) {
      return std::unexpected(expr.error());
    }
    if (!literal.empty()) {
      t.pieces.push_back({false, std::move(literal), {}});
      literal.clear();
    }
    t.pieces.push_back({true, {}, std::move(*expr)});
    i = j + 1;
  }
  if (!literal.empty()) {
    t.pieces.push_back({false, std::move(literal), {}});
  }
  return t;
}

Template literal_template(std::string_view text) {
  Template t;
  t.source = std::string(text);
  if (!text.empty()) {
    t.pieces.push_back({false, std::string(text), {}});
  }
  return t;
}

std::expected<Rendered, std::string> render(const Template& tmpl, const Variables& variables) {
  Rendered out;
  for (const auto& piece : tmpl.pieces) {
    if (!piece.is_expr) {
      out.text += piece.literal;
      out.masked += piece.literal;
      continue;
    }
    auto value = evaluate(piece.expr, variables);
    if (!value) {
      return std::unexpected(value.error());
    }
    out.text += value->text;
    out.masked += value->secret ? std::string(k_mask) : value->text;
    out.secret = out.secret || value->secret;
  }
  return out;
}

namespace {

bool reads(const Expr& e, std::string_view name) {
  if (e.kind == Expr::Kind::variable) {
    return e.text == name;
  }
  return std::any_of(e.args.begin(), e.args.end(), [&](const Expr& a) { return reads(a, name); });
}

} // namespace

bool uses_variable(const Template& tmpl, std::string_view name) {
  return std::any_of(tmpl.pieces.begin(), tmpl.pieces.end(),
                     [&](const Template::Piece& p) { return p.is_expr && reads(p.expr, name); });
}

} // namespace popcheck::probe
