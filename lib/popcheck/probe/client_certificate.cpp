#include <algorithm>
#include <popcheck/imap/replies.hpp>
#include <popcheck/pop3/replies.hpp>
#include <popcheck/probe/client_certificate.hpp>
#include <popcheck/smtp/replies.hpp>

namespace popcheck::probe {

std::string_view certificate_refusal(const model::EffectiveServer& server) {
  const auto protocol = server.protocol.value_or("pop3");
  return protocol == "imap"   ? imap::k_no_cert
         : protocol == "smtp" ? smtp::k_no_cert
                              : pop3::k_err_no_cert;
}

void drop_tls_scripts(std::vector<Script>& scripts) {
  std::erase_if(scripts, [](const Script& s) {
    return s.connection != ConnectionKind::plain ||
           std::any_of(s.steps.begin(), s.steps.end(), [](const Step& step) {
             return step.kind == StepKind::starttls || step.kind == StepKind::handshake;
           });
  });
}

std::optional<std::string> client_certificate_note(const model::EffectiveServer& server,
                                                   bool presented) {
  using model::VerifyClient;
  const auto mode = server.tls.verify_client.value;
  if (mode == VerifyClient::off || !server.tls.enabled()) {
    return std::nullopt;
  }
  const std::string word = mode == VerifyClient::on         ? "on"
                           : mode == VerifyClient::optional ? "optional"
                                                            : "optional_no_ca";
  if (presented) {
    return "ssl_verify_client " + word + ": the TLS checks presented the --cert client certificate";
  }
  if (mode == VerifyClient::on) {
    auto refusal = std::string(certificate_refusal(server));
    refusal.resize(refusal.size() - 2); // without its CR LF
    return "ssl_verify_client on and no --cert: the TLS checks expected nginx's refusal after "
           "the handshake (" +
           refusal + ", then the close); --cert/--key run them with a client certificate";
  }
  return "ssl_verify_client " + word +
         " and no --cert: the TLS checks ran without a client certificate, as nginx lets the "
         "session go on";
}

} // namespace popcheck::probe
