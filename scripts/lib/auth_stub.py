"""A small auth_http server for tests (nginx's mail auth protocol), Python 3 stdlib only.

It records every raw request and answers from a policy: users {name: password} are accepted for
plain (password compared), apop (MD5 of salt + password), cram-md5 (HMAC-MD5 keyed with the
password over the salt), external and none (any known name), with Auth-Server/Auth-Port of the
backend and Auth-Pass = the plaintext password (the backend port may differ by Auth-Protocol:
`protocol_ports` {"imap": port}). Anything else is refused with `refusal` (and Auth-Wait
`wait` when set). `responses` maps a login to a canned raw response to test odd answers, or to
a list of them served in turn (the last one repeats; `rewind()` starts the lists again): nginx's
own retry after `Auth-Status: WAIT` sends the same request again.
"""

import hashlib
import hmac
import os
import re
import socket
import socketserver
import threading
import urllib.parse


_AUTH_HTTP_RE = re.compile(r"(?m)(^|[;{}\s])(auth_http\s+)([^\s;]+)")


def point_auth_http(conf_dir, stub_port):
    """Rewrites every auth_http of a running copy of a configuration (conf_dir) to the stub."""
    for root, _, files in os.walk(conf_dir):
        for name in files:
            path = os.path.join(root, name)
            with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                text = fh.read()
            new = _AUTH_HTTP_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}127.0.0.1:{stub_port}/auth", text)
            if new != text:
                with open(path, "w", encoding="utf-8", errors="surrogateescape") as fh:
                    fh.write(new)


def _unescape(value):
    return urllib.parse.unquote_to_bytes(value).decode("latin-1")


class AuthStub:
    def __init__(self, port, backend_port, users, refusal="Invalid login or password", wait=0,
                 responses=None, backend_host="127.0.0.1", protocol_ports=None):
        self.port = port
        self.backend_host = backend_host
        self.backend_port = backend_port
        self.protocol_ports = protocol_ports or {}
        self.users = users
        self.refusal = refusal
        self.wait = wait
        self.responses = responses or {}
        self.served = {}  # login -> how many of its listed responses were served
        self.requests = []
        self.lock = threading.Lock()
        stub = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                data = b""
                self.request.settimeout(5)
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = self.request.recv(4096)
                        if not chunk:
                            return
                        data += chunk
                except OSError:
                    return
                with stub.lock:
                    stub.requests.append(data)
                try:
                    self.request.sendall(stub.answer(data))
                except OSError:
                    pass

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def headers(self, raw):
        out = {}
        for line in raw.split(b"\r\n")[1:]:
            if b": " in line:
                k, v = line.split(b": ", 1)
                out[k.decode("latin-1").lower()] = v.decode("latin-1")
        return out

    def ok(self, password, protocol=""):
        port = self.protocol_ports.get(protocol, self.backend_port)
        return (f"HTTP/1.0 200 OK\r\nAuth-Status: OK\r\nAuth-Server: {self.backend_host}\r\n"
                f"Auth-Port: {port}\r\nAuth-Pass: {password}\r\n\r\n").encode()

    def refuse(self):
        wait = f"Auth-Wait: {self.wait}\r\n" if self.wait else ""
        return f"HTTP/1.0 200 OK\r\nAuth-Status: {self.refusal}\r\n{wait}\r\n".encode()

    def answer(self, raw):
        h = self.headers(raw)
        user = _unescape(h.get("auth-user", ""))
        given = _unescape(h.get("auth-pass", ""))
        method = h.get("auth-method", "")
        salt = h.get("auth-salt", "")
        if user in self.responses:
            canned = self.responses[user]
            if isinstance(canned, list):
                with self.lock:
                    n = self.served.get(user, 0)
                    self.served[user] = n + 1
                return canned[min(n, len(canned) - 1)]
            return canned
        password = self.users.get(user)
        if password is None:
            return self.refuse()
        good = False
        if method == "plain":
            good = given == password
        elif method == "apop":
            good = given == hashlib.md5((salt + password).encode()).hexdigest()
        elif method == "cram-md5":
            good = given == hmac.new(password.encode(), salt.encode(), hashlib.md5).hexdigest()
        elif method in ("external", "none"):  # none: SMTP's RCPT without AUTH (a stale login)
            good = True
        return self.ok(password, h.get("auth-protocol", "")) if good else self.refuse()

    def rewind(self):
        with self.lock:
            self.served.clear()

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
