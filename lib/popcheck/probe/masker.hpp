#pragma once

// Keeps secrets out of transcripts: what a client line reveals by its protocol role is replaced
// by "****" whatever its origin (a literal `PASS secret` in a hand-written script too):
// the PASS argument, the APOP digest, an AUTH initial response, and the SASL lines that follow
// an AUTH command (counted on the client side, so pipelined lines are masked as well).
// Values of secret variables are also scrubbed from every text.

#include <popcheck/probe/template.hpp>
#include <string>
#include <string_view>

namespace popcheck::probe {

class ClientMasker {
public:
  // `tagged`: every command line starts with a tag (IMAP): LOGIN's password and AUTHENTICATE's
  // initial response are masked as PASS and AUTH's are (RFC 9051 sections 6.2.3, 6.2.2).
  explicit ClientMasker(bool tagged = false) : m_tagged(tagged) {}

  // One client line (without CR LF) as it may appear in a report.
  std::string mask_line(std::string_view line);
  // A server reply arrived: a "+ " continuation keeps the SASL exchange going; anything else
  // ends it (a rejected AUTH leaves the next line unmasked).
  void server_line(std::string_view line);

private:
  // An untagged command line (POP3's, or IMAP's after its tag).
  std::string mask_command(std::string_view line);

  int m_sasl_lines = 0; // client lines still expected to be SASL data
  bool m_tagged = false;
};

// `text` with every value of a secret variable (3 bytes or longer) replaced by k_mask.
std::string scrub(std::string text, const Variables& variables);

} // namespace popcheck::probe
