#include <popcheck/probe/client_certificate.hpp>

namespace popcheck::probe {

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
    return "ssl_verify_client on and no --cert: the TLS checks expected nginx's refusal after "
           "the handshake (-ERR No required SSL certificate, then the close); --cert/--key run "
           "them with a client certificate";
  }
  return "ssl_verify_client " + word +
         " and no --cert: the TLS checks ran without a client certificate, as nginx lets the "
         "session go on";
}

} // namespace popcheck::probe
