"""Shared pieces of the wire tests (scripts/nginx_wire_test.py): a line client with bounded waits,
the PASS/FAIL report with readable diffs, and the conversions from `popcheck compile` JSON.
Python 3 stdlib only; every socket operation has a 5 s timeout."""

import difflib
import re
import socket
import ssl
import time

IO_TIMEOUT = 5.0


def show(data):
    """Bytes as readable lines: CR LF shown as ⏎, other control bytes escaped."""
    if data is None:
        return ["(null: compile predicts no such reply)"]
    text = data.decode("latin-1")
    lines = text.split("\r\n")
    out = [repr(line)[1:-1] + "⏎" for line in lines[:-1]]
    if lines[-1]:
        out.append(repr(lines[-1])[1:-1])
    return out or ["(nothing)"]


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, label, expected, got, pattern=None):
        if pattern is not None:
            ok = re.search(pattern, got.decode("latin-1")) is not None
        else:
            ok = expected is not None and expected == got
        if ok:
            self.passed += 1
            print(f"PASS {label}")
            return True
        self.failed += 1
        print(f"FAIL {label}")
        if pattern is not None:
            print(f"  expected to match /{pattern}/")
            print("  got: " + " ".join(show(got)))
        else:
            diff = difflib.unified_diff(show(expected), show(got), "expected (popcheck compile)",
                                        "got (nginx)", lineterm="")
            for line in diff:
                print("  " + line)
        return False

    def ok(self, label):
        self.passed += 1
        print(f"PASS {label}")

    def fail(self, label, why):
        self.failed += 1
        print(f"FAIL {label}\n  {why}")


def wire_bytes(value):
    """compile's wire strings are the exact bytes; JSON strings carry them as text (bytes < 0x100)."""
    return None if value is None else value.encode("latin-1")


def listener_is_tls(server, listener):
    """compile marks each listener's mode: "implicit" (listen ... ssl, or 1.22.1 `ssl on`) is TLS from
    the first byte; anything else ("starttls", "none") starts in plain text."""
    if "tls" in listener:
        return listener["tls"] == "implicit"
    return bool(listener.get("ssl"))


def client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class LineConnection:
    """A client that sends one line and reads one reply: up to a CR LF that is not inside the
    expected reply (so a multi-line reply is read whole, and a wrong one is cut at its first line
    end), with bounded waits."""

    def __init__(self, host, port, tls_context=None):
        self.sock = socket.create_connection((host, port), timeout=IO_TIMEOUT)
        self.sock.settimeout(IO_TIMEOUT)
        if tls_context is not None:
            self.sock = tls_context.wrap_socket(self.sock, server_hostname="mail.example.test")

    def start_tls(self, context):
        self.sock = context.wrap_socket(self.sock, server_hostname="mail.example.test")

    def read_reply(self, expected=None, timeout=IO_TIMEOUT):
        buf = b""
        deadline = time.monotonic() + timeout
        while True:
            want_more = expected is not None and len(buf) < len(expected) and expected.startswith(buf)
            if buf.endswith(b"\r\n") and not want_more:
                return buf
            left = deadline - time.monotonic()
            if left <= 0:
                return buf + b"<timeout>"
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return buf + b"<timeout>"
            except (ConnectionError, ssl.SSLError) as e:
                return buf + f"<{type(e).__name__}>".encode()
            if not chunk:
                return buf + b"<eof>"
            buf += chunk

    def send(self, data):
        self.sock.sendall(data)

    def command(self, line, expected=None):
        self.send(line.encode("latin-1") + b"\r\n")
        return self.read_reply(expected)

    def read_eof(self):
        """b"" when the peer closed the connection (a reset counts: nginx closed with unread input),
        else what arrived instead."""
        try:
            self.sock.settimeout(IO_TIMEOUT)
            rest = self.sock.recv(4096)
        except (ConnectionResetError, ssl.SSLEOFError):
            return b""
        except (socket.timeout, ConnectionError, ssl.SSLError, OSError):
            return b"<no eof>"
        return rest

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
