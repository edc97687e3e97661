#include <popcheck/probe/script.hpp>

namespace popcheck::probe {

const char* to_string(ConnectionKind kind) {
  switch (kind) {
  case ConnectionKind::plain:
    return "plain";
  case ConnectionKind::tls:
    return "tls";
  case ConnectionKind::starttls:
    return "starttls";
  }
  return "?";
}

const char* to_string(StepKind kind) {
  switch (kind) {
  case StepKind::send:
    return "send";
  case StepKind::send_raw:
    return "send_raw";
  case StepKind::starttls:
    return "starttls";
  case StepKind::handshake:
    return "handshake";
  case StepKind::pause:
    return "pause";
  case StepKind::expect_line:
    return "expect";
  case StepKind::expect_multi:
    return "expect_lines";
  case StepKind::expect_bytes:
    return "expect_bytes";
  case StepKind::expect_close:
    return "expect_close";
  case StepKind::reconnect:
    return "reconnect";
  case StepKind::distinct:
    return "distinct";
  }
  return "?";
}

} // namespace popcheck::probe
