#!/usr/bin/python3
"""Differential test: the bytes real nginx sends vs the "wire" bytes `popcheck compile` predicts.

For one case directory (testdata/compile/<case>/, marked with a `wire` file):
  1. `popcheck compile --hostname test-host --no-resolve CASE/nginx.conf` gives the expected bytes;
  2. the case is copied to a temporary directory, every listen moved to a free 127.0.0.1 port in
     22000-22999, made runnable (mail module, events, pid, info error_log; scripts/lib/nginx_runner.py)
     and started with the real nginx (`daemon off`, our child, always stopped at the end);
  3. for every listener of every POP3 server, three connections:
       A: greeting, CAPA, AUTH, STLS on an ssl listener (all after the implicit handshake), QUIT
       B: greeting (salted: a different salt than A's), USER x, CAPA in the USER state, QUIT
       C (plain listeners): greeting, STLS, and if +OK: handshake, CAPA, AUTH, STLS, USER x, CAPA, QUIT
     for every listener of every IMAP server (scripts/lib/wire_imap.py): greeting, tagged CAPABILITY,
     NOOP, a refused LOGIN (`starttls only`), AUTHENTICATE per mechanism, STARTTLS and the same on
     TLS, LOGOUT; a line without tag, a literal and the imap_client_buffer boundary;
     for every listener of every SMTP server (scripts/lib/wire_smtp.py): a client that talks before a
     delayed greeting, greeting, EHLO, HELO, AUTH per mechanism, MAIL before AUTH, RCPT without
     MAIL, EHLO without argument, NOOP, STARTTLS and the same on TLS, QUIT; the smtp_client_buffer
     boundary;
     and compares every reply byte for byte. No login happens, so auth_http is never contacted.
Prints one line per check, a readable diff per mismatch, and `N passed, N failed`.
Exit: 0 all passed, 1 a check failed, 2 setup error, 77 nginx or its mail module is not installed.
Python 3 stdlib only. Every socket operation has a 5 s timeout.

Run: /usr/bin/python3 scripts/nginx_wire_test.py --popcheck build/popcheck testdata/compile/starttls-on
"""

import argparse
import json
import os
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import nginx_runner  # noqa: E402
import wire_imap  # noqa: E402
import wire_smtp  # noqa: E402
from wire_common import IO_TIMEOUT, Report, client_context, listener_is_tls, wire_bytes  # noqa: E402

PORT_RANGE = (22000, 22999)
SKIP = 77
OK = b"+OK\r\n"
ERR = b"-ERR invalid command\r\n"
MULTILINE = {"CAPA", "AUTH"}  # exact lines whose +OK reply is a dot-terminated list


class Pop3Connection:
    """A minimal POP3 client that reads exactly one reply per command, with bounded waits."""

    def __init__(self, host, port, tls_context=None):
        self.sock = socket.create_connection((host, port), timeout=IO_TIMEOUT)
        self.sock.settimeout(IO_TIMEOUT)
        self.context = tls_context
        if tls_context is not None:
            self.sock = tls_context.wrap_socket(self.sock, server_hostname="mail.example.test")

    def start_tls(self, context):
        self.sock = context.wrap_socket(self.sock, server_hostname="mail.example.test")

    def read_reply(self, multiline, expected=None):
        """One reply: a line, or a dot-terminated list after +OK to CAPA/AUTH. While what arrived is a
        proper prefix of `expected`, keep reading, so that replies with an early lone "." (a "."
        capability) are compared whole."""
        buf = b""
        deadline = time.monotonic() + IO_TIMEOUT
        while True:
            want_more = expected is not None and len(buf) < len(expected) and expected.startswith(buf)
            if buf.endswith(b"\r\n") and not want_more:
                if not (multiline and buf.startswith(b"+OK")) or buf.endswith(b"\r\n.\r\n"):
                    return buf
            if time.monotonic() > deadline:
                return buf + b"<timeout>"
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                return buf + b"<timeout>"
            except (ConnectionError, ssl.SSLError) as e:
                return buf + f"<{type(e).__name__}>".encode()
            if not chunk:
                return buf + b"<eof>"
            buf += chunk

    def command(self, line, expected=None):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.read_reply(multiline=line.upper() in MULTILINE, expected=expected)

    def read_eof(self):
        try:
            rest = self.sock.recv(4096)
        except (socket.timeout, ConnectionError, ssl.SSLError, OSError):
            return b"<no eof>"
        return rest if rest else b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def test_pop3_listener(report, server, listener, host, port, prefix):
    wire = server["wire"]
    tls = listener_is_tls(server, listener)
    side = "tls_connection" if tls else "plain_connection"
    salted = bool(wire.get("salted"))
    greeting, pattern = wire_bytes(wire.get("greeting")), wire.get("greeting_pattern") if salted else None
    capa, auth = wire["capa"], wire["auth"]
    ctx = client_context() if tls else None
    stls_on_tls = wire_bytes((wire.get("stls") or {}).get("tls_connection", ERR.decode()))
    greetings = []

    def ask(conn, label, line, expected):
        """Send `line`, check the reply against `expected`, return the reply."""
        got = conn.command(line, expected)
        report.check(f"{prefix} {label}", expected, got)
        return got

    def check_greeting(conn, label):
        got = conn.read_reply(multiline=False, expected=greeting)
        greetings.append(got)
        report.check(f"{prefix} {label}: greeting", greeting, got, pattern)

    def quit_(conn, label):
        ask(conn, f"{label}: QUIT", "QUIT", OK)
        report.check(f"{prefix} {label}: close after QUIT", b"", conn.read_eof())

    # A: the start state on this listener.
    conn = Pop3Connection(host, port, ctx)
    try:
        check_greeting(conn, "A")
        ask(conn, "A: CAPA", "CAPA", wire_bytes(capa.get(side)))
        ask(conn, "A: AUTH", "AUTH", wire_bytes(auth.get(side)))
        if tls:
            ask(conn, "A: STLS on a TLS connection", "STLS", stls_on_tls)
        quit_(conn, "A")
    finally:
        conn.close()

    # B: USER then CAPA in the USER state.
    conn = Pop3Connection(host, port, ctx)
    try:
        check_greeting(conn, "B")
        user_reply = OK if tls else wire_bytes(wire.get("user_command_before_tls"))
        if ask(conn, "B: USER x", "USER x", user_reply) == OK:
            ask(conn, "B: CAPA in USER state", "CAPA", wire_bytes(capa.get("user_state")))
        quit_(conn, "B")
    finally:
        conn.close()
    if salted and len(greetings) == 2:
        if greetings[0] == greetings[1]:
            report.fail(f"{prefix} salts differ per session", f"both greetings were {greetings[0]!r}")
        else:
            report.passed += 1
            print(f"PASS {prefix} salts differ per session")

    if tls:
        return
    # C: STLS on a plain listener, and the TLS states after it.
    conn = Pop3Connection(host, port)
    try:
        check_greeting(conn, "C")
        if ask(conn, "C: STLS", "STLS", wire_bytes((wire.get("stls") or {}).get("plain_connection"))) != OK:
            quit_(conn, "C")
            return
        try:
            conn.start_tls(client_context())
        except (ssl.SSLError, OSError) as e:
            report.fail(f"{prefix} C: TLS handshake after STLS", repr(e))
            return
        ask(conn, "C: CAPA after STLS", "CAPA", wire_bytes(capa.get("tls_connection")))
        ask(conn, "C: AUTH after STLS", "AUTH", wire_bytes(auth.get("tls_connection")))
        ask(conn, "C: STLS after STLS", "STLS", stls_on_tls)
        if ask(conn, "C: USER x after STLS", "USER x", OK) == OK:
            ask(conn, "C: CAPA in USER state after STLS", "CAPA", wire_bytes(capa.get("user_state")))
        quit_(conn, "C")
    finally:
        conn.close()


TESTERS = {"pop3": test_pop3_listener, "imap": wire_imap.test_listener, "smtp": wire_smtp.test_listener}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--popcheck", default=os.path.join(repo, "build", "popcheck"), help="popcheck binary")
    ap.add_argument("case", help="case directory containing nginx.conf")
    args = ap.parse_args()
    case_dir = os.path.abspath(args.case)
    label = os.path.basename(case_dir)

    why = nginx_runner.available()
    if why:
        print(f"SKIP {label}: {why}")
        return SKIP
    conf = os.path.join(case_dir, "nginx.conf")
    try:
        r = subprocess.run([os.path.abspath(args.popcheck), "compile", "--hostname", "test-host", "--no-resolve", conf],
                           cwd=case_dir, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"ERROR {label}: cannot run popcheck compile: {e}")
        return 2
    if r.returncode != 0:
        print(f"ERROR {label}: popcheck compile exited {r.returncode}\n{r.stderr.decode(errors='replace')}")
        return 2
    compiled = json.loads(r.stdout)
    servers = [s for s in compiled.get("servers", []) if s.get("protocol") in TESTERS and s.get("wire")]
    if not servers:
        print(f"ERROR {label}: compile reports no server with a wire section")
        return 2

    taken = set()
    port_map = {}
    for port in nginx_runner.ports_in(case_dir):
        port_map[port] = nginx_runner.free_port(*PORT_RANGE, taken=taken)
        taken.add(port_map[port])
    report = Report()
    with nginx_runner.Instance(case_dir, port_map, runnable=True) as nginx:
        try:
            nginx.start(sorted(port_map.values()))
        except RuntimeError as e:
            print(f"ERROR {label}: {e}")
            return 2
        try:
            for server in servers:
                for listener in server.get("listeners", []):
                    port = listener.get("port")
                    if port not in port_map:
                        report.fail(f"{label} {listener.get('text')}", f"listener port {port} was not remapped")
                        continue
                    host = "::1" if str(listener.get("address", "")).startswith("[") else "127.0.0.1"
                    kind = "ssl" if listener_is_tls(server, listener) else "plain"
                    prefix = f"{label} {server.get('file', '?').rsplit('/', 1)[-1]}:{server.get('line')} " \
                             f"listen {listener.get('text', port)} ({kind})"
                    try:
                        TESTERS[server["protocol"]](report, server, listener, host, port_map[port], prefix)
                    except (OSError, ssl.SSLError) as e:
                        report.fail(prefix, f"connection error: {e!r}")
        finally:
            nginx.stop()
            if report.failed:
                tail = nginx.log_tail()
                if tail:
                    print("nginx error.log (tail):\n  " + tail.rstrip("\n").replace("\n", "\n  "))
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
