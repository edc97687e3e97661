#pragma once

// Text with `${...}` expressions, as dialogue scripts write what they send and expect
// (docs/dialogues.md). An expression is a variable (`${user}`, `${salt}`), a quoted literal, a
// number, or a call computing an AUTH response from other values:
//   base64(a, ...)          base64 of the concatenated arguments
//   b64decode(a)            nginx-lenient base64 decoding (fails on invalid input)
//   plain(user, pass)       base64("\0" user "\0" pass); plain(authzid, user, pass) with an authzid
//   apop(salt, pass)        hex MD5 of salt + pass (RFC 1939 section 7)
//   cram_md5(user, pass, challenge)  base64(user " " hex HMAC-MD5(pass, challenge)) (RFC 2195)
//   repeat(text, n)         text n times
//   hex(digits)             the bytes of a hex string ("0d0a")
//   len(a)                  the octets of a, in decimal (an IMAP literal's "{N}")
// A value derived from a secret (a secret variable, or a call with a secret argument) is secret:
// reports show it as `****`.

#include <expected>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::probe {

inline constexpr std::string_view k_mask = "****";

struct Value {
  std::string text;
  bool secret = false;
};

// Values by name: the command line's --var/--user/--password and the script's captures.
using Variables = std::map<std::string, Value, std::less<>>;

struct Expr {
  enum class Kind { variable, literal, call };
  Kind kind = Kind::literal;
  std::string text; // variable or function name, or the literal's value
  std::vector<Expr> args;
};

struct Template {
  struct Piece {
    bool is_expr = false;
    std::string literal;
    Expr expr;
  };
  std::string source;
  std::vector<Piece> pieces;

  bool has_expressions() const;
};

// The text of a rendered template, and the same text with every secret piece replaced by k_mask.
struct Rendered {
  std::string text;
  std::string masked;
  bool secret = false;
};

// Parses `source`; the error names the column and the problem ("unknown function \"md4\"").
std::expected<Template, std::string> parse_template(std::string_view source);
// A template without expressions (for values that must be taken literally).
Template literal_template(std::string_view text);

// Whether an expression of `tmpl` reads the variable `name` (in a call's arguments too).
bool uses_variable(const Template& tmpl, std::string_view name);

// Fails with a message such as `undefined variable "password"` or `b64decode: invalid base64`.
std::expected<Rendered, std::string> render(const Template& tmpl, const Variables& variables);

} // namespace popcheck::probe
