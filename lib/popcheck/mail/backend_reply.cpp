#include <algorithm>
#include <popcheck/mail/backend_reply.hpp>
#include <popcheck/util/free_list.hpp>

namespace popcheck::mail {
namespace {

// nginx logs these with %s: the text stops at the first NUL.
std::string up_to_nul(std::string_view text) {
  return std::string(text.substr(0, text.find('\0')));
}

} // namespace

LogEvent logged_in_log() {
  return LogEvent{LogLevel::info, util::strings::join({"client logged in"}), {}};
}

BackendReply::BackendReply(BackendLoginSettings settings, std::string_view internal_error)
    : m_settings(settings), m_internal_error(internal_error),
      m_buffer(std::max<std::size_t>(settings.buffer_size, 4)) {}

BackendStep BackendReply::fail(std::string to_client, std::optional<LogEvent> log) {
  if (m_end != End::open) {
    return {};
  }
  m_end = End::failed;
  BackendStep step;
  step.to_client = std::move(to_client);
  step.close_client = true;
  step.log = std::move(log);
  return step;
}

BackendStep BackendReply::error() {
  return fail(std::string(m_internal_error), std::nullopt);
}

BackendStep BackendReply::internal_error(LogEvent log) {
  return fail(std::string(m_internal_error), std::move(log));
}

BackendStep BackendReply::timeout() {
  // Logged with NGX_ETIMEDOUT and whatever action the last step left.
  return internal_error(
      LogEvent{LogLevel::info, "upstream timed out (110: Connection timed out)", m_action});
}

bool BackendReply::read(std::size_t n, BackendStep& failure) {
  if (m_end != End::open) {
    return false;
  }
  m_action = k_reading_from_upstream;
  if (n == 0) {
    failure = error(); // recv() == 0
    return false;
  }
  m_last += std::min(n, m_buffer.size() - m_last);
  const std::string_view bytes = data();
  if (bytes.size() < 4) {
    return false;
  }
  if (!bytes.ends_with("\r\n")) {
    if (m_last < m_buffer.size()) {
      return false;
    }
    // nginx overwrites the last byte with NUL before logging the buffer.
    failure = internal_error(LogEvent{LogLevel::error,
                                      "upstream sent too long response line: \"" +
                                          up_to_nul(bytes.substr(0, bytes.size() - 1)) + "\"",
                                      k_reading_from_upstream});
    return false;
  }
  return true;
}

BackendStep BackendReply::invalid_response(std::size_t text_start) {
  const std::string_view bytes = data();
  const std::size_t end = bytes.size() - 2;
  const auto text = bytes.substr(text_start, end - std::min(text_start, end));
  if (!m_settings.pass_error_message) {
    return internal_error(LogEvent{LogLevel::error,
                                   "upstream sent invalid response: \"" + up_to_nul(text) + "\"",
                                   k_reading_from_upstream});
  }
  // Everything the read brought goes to the client verbatim (IMAP: its tag included).
  return fail(std::string(bytes),
              LogEvent{LogLevel::info,
                       "upstream sent invalid response: \"" + std::string(text) + "\"",
                       k_reading_from_upstream});
}

} // namespace popcheck::mail
