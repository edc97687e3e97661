#!/usr/bin/python3
"""Differential test: what real nginx sends the auth_http server and the SMTP backend vs what
`popcheck compile` predicts (wire.auth_http_request_headers, wire.backend_login).

For one case directory (testdata/compile/<case>/, IMAP or SMTP servers):
  1. `popcheck compile` gives the predictions;
  2. the case is copied, its listens moved to free ports, its auth_http pointed at a recording
     stub (scripts/lib/auth_stub.py) and real nginx started (scripts/lib/nginx_runner.py);
  3. per server, on its first listener (after STARTTLS under `starttls only`):
       IMAP: LOGIN with a wrong password; the auth_http request's header names, in order, must be
             compile's list for a LOGIN on that connection (no Auth-Salt, Auth-SSL* only on TLS);
       SMTP: EHLO + AUTH PLAIN, HELO + AUTH PLAIN, and with smtp_auth none EHLO + MAIL + RCPT: the
             request's header names as above (Auth-SMTP-* only for none), and the exact lines a
             scripted backend receives, against compile's templates with this session's values.
No password or AUTH payload is printed: mismatches show the templates' placeholders.
Exit: 0 all passed, 1 a check failed, 2 setup error, 77 nginx or its mail module is not installed.

Run: /usr/bin/python3 scripts/nginx_backend_login_test.py --popcheck build/popcheck testdata/compile/smtp-defaults
"""

import argparse
import base64
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import nginx_runner  # noqa: E402
from auth_stub import AuthStub, point_auth_http  # noqa: E402
from smtp_backend import SmtpBackend  # noqa: E402
from wire_common import LineConnection, Report, client_context, listener_is_tls  # noqa: E402

PORT_RANGE = (22000, 22999)
SKIP = 77
USER, PASSWORD = "alice", "secret"
HELO = "client.test"
MAIL, RCPT = "MAIL FROM:<a@example.test>", "RCPT TO:<b@example.test>"


def header_names(raw):
    return [line.split(b": ", 1)[0].decode("latin-1") for line in raw.split(b"\r\n")[1:] if b": " in line]


def expected_names(wire, tls, none):
    """compile's lines for this connection: no salt (no CRAM-MD5 exchange), TLS lines only on TLS,
    the SMTP none lines only for none, no PROXY protocol lines (no listener uses it here)."""
    out = []
    for h in wire["auth_http_request_headers"]:
        name = h["name"]
        if name == "Auth-Salt" or name.startswith("Proxy-Protocol-"):
            continue
        if name.startswith("Auth-SSL") and not tls:
            continue
        if name.startswith("Auth-SMTP-") and not none:
            continue
        out.append(name)
    return out


def template_regex(line, values):
    """A compile template as a regular expression: each placeholder becomes this session's value;
    <client host> (what the resolver found) any host name."""
    out, pos = "", 0
    for m in re.finditer(r"<[a-z ]+>", line):
        out += re.escape(line[pos:m.start()])
        key = m.group(0)
        out += r"\S+" if key == "<client host>" else re.escape(values.get(key, key))
        pos = m.end()
    return "^" + out + re.escape(line[pos:]) + "$"


def placeholders(line, values):
    for key, value in sorted(values.items(), key=lambda kv: -len(kv[1])):
        if value:
            line = line.replace(value, key)
    return line


class Case:
    def __init__(self, report, label, stub, backend):
        self.report, self.label, self.stub, self.backend = report, label, stub, backend

    def connect(self, server, listener, port):
        tls = listener_is_tls(server, listener)
        conn = LineConnection("127.0.0.1", port, client_context() if tls else None)
        wire = server["wire"]
        delay = wire.get("greeting_delay_ms", 0) / 1000.0
        conn.read_reply(timeout=delay + 5)
        if not tls and listener.get("tls") == "starttls_only":
            word = "STARTTLS" if server["protocol"] == "smtp" else "s1 STARTTLS"
            conn.command(word)
            conn.start_tls(client_context())
            tls = True
        return conn, tls

    def check_headers(self, label, wire, tls, none):
        with self.stub.lock:
            raw = self.stub.requests[-1] if self.stub.requests else b""
            self.stub.requests.clear()
        want = expected_names(wire, tls, none)
        self.report.check(f"{label}: auth_http header names", "\n".join(want).encode(),
                          "\n".join(header_names(raw)).encode())

    def imap(self, server, listener, port):
        label = f"{self.label} imap {listener['text']}"
        conn, tls = self.connect(server, listener, port)
        try:
            got = conn.command(f"a1 LOGIN {USER} wrong-password")
            self.report.check(f"{label}: LOGIN refused by auth_http", b"a1 NO Invalid login or password\r\n", got)
        finally:
            conn.close()
        self.check_headers(label, server["wire"], tls, False)

    def smtp(self, server, listener, port):
        wire = server["wire"]
        auth_plain = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
        values = {"<client address>": "127.0.0.1", "<login>": USER, "<helo>": HELO,
                  "<auth plain>": auth_plain, "<mail>": MAIL, "<rcpt>": RCPT}
        scenarios = [("ehlo_then_auth", ["EHLO " + HELO, "AUTH PLAIN " + auth_plain], b"235 2.0.0 OK\r\n"),
                     ("helo_then_auth", ["HELO " + HELO, "AUTH PLAIN " + auth_plain], b"235 2.0.0 OK\r\n")]
        if wire["backend_login"]["ehlo_then_mail_rcpt"] is not None:
            scenarios.append(("ehlo_then_mail_rcpt", ["EHLO " + HELO, MAIL, RCPT],
                              SmtpBackend.reply(b"RCPT", RCPT.encode() + b"\r\n")))
        for name, lines, final in scenarios:
            label = f"{self.label} smtp {listener['text']} {name}"
            self.backend.clear()
            conn, tls = self.connect(server, listener, port)
            try:
                got = b""
                for line in lines:
                    got = conn.command(line)
                self.report.check(f"{label}: reply to the client", final, got)
                conn.command("QUIT")
            finally:
                conn.close()
            template = wire["backend_login"][name]
            # Every line the backend received, one session at a time, but the client's QUIT.
            lines = [line for session in self.backend.sessions() for line in session
                     if line.split(" ", 1)[0].upper() != "QUIT"]
            seen = [placeholders(line, values) for line in lines]
            ok = len(seen) == len(template) and all(
                re.match(template_regex(t, values), line) for t, line in zip(template, lines))
            if ok:
                self.report.ok(f"{label}: backend lines")
            else:
                self.report.fail(f"{label}: backend lines", f"expected {template}\n  got      {seen}")
            self.check_headers(label, wire, tls, name == "ehlo_then_mail_rcpt")


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
    r = subprocess.run([os.path.abspath(args.popcheck), "compile", "--hostname", "test-host", "--no-resolve", conf],
                       cwd=case_dir, capture_output=True, timeout=60)
    if r.returncode != 0:
        print(f"ERROR {label}: popcheck compile exited {r.returncode}")
        return 2
    servers = [s for s in json.loads(r.stdout)["servers"] if s.get("protocol") in ("imap", "smtp") and s["listeners"]]
    if not servers:
        print(f"ERROR {label}: no IMAP or SMTP server")
        return 2
    taken = set()
    port_map = {}
    for port in nginx_runner.ports_in(case_dir):
        port_map[port] = nginx_runner.free_port(*PORT_RANGE, taken=taken)
        taken.add(port_map[port])
    stub_port = nginx_runner.free_port(*PORT_RANGE, taken=taken)
    backend_port = nginx_runner.free_port(*PORT_RANGE, taken=taken | {stub_port})
    none_ok = (f"HTTP/1.0 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 127.0.0.1\r\n"
               f"Auth-Port: {backend_port}\r\n\r\n").encode()
    report = Report()
    backend = SmtpBackend(backend_port)
    try:
        with AuthStub(stub_port, backend_port, {USER: PASSWORD}, responses={"": none_ok}) as stub, \
                nginx_runner.Instance(case_dir, port_map, runnable=True) as nginx:
            point_auth_http(nginx.conf_dir, stub_port)
            try:
                nginx.start(sorted(port_map.values()))
            except RuntimeError as e:
                print(f"ERROR {label}: {e}")
                return 2
            case = Case(report, label, stub, backend)
            try:
                for server in servers:
                    listener = server["listeners"][0]
                    port = port_map[listener["port"]]
                    try:
                        getattr(case, server["protocol"])(server, listener, port)
                    except (OSError, ValueError) as e:
                        report.fail(f"{label} {listener['text']}", f"connection error: {e!r}")
            finally:
                nginx.stop()
                if report.failed:
                    print("nginx error.log (tail):\n  " + nginx.log_tail().rstrip("\n").replace("\n", "\n  "))
    finally:
        backend.stop()
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
