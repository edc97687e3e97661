"""Shared pieces of the proxy tests: a test environment (a private dovecot backend and an
auth_http stub), a running `popcheck proxy` or real nginx on a case's config, and scripted
client dialogues whose transcripts can be compared byte for byte. Python 3 stdlib only.

A case directory (testdata/proxy/<case>/) holds `nginx.conf` and `dialogues.json`. In nginx.conf,
`@AUTH_PORT@` is the auth stub's port, `@AUTH_SOCKET@` a unix socket served by the same stub,
`@CLOSED_PORT@` a port nothing listens on (connections refused), `@BLACKHOLE_PORT@` a port whose
connections never complete (Blackhole), `@DNS_PORT@` the DNS stub's UDP port (SMTP's
`resolver`), `@SOCKETS@` a directory for `listen unix:` sockets
(a dialogue's "listen": "unix:NAME" connects to @SOCKETS@/NAME), and `@CERTS@` the absolute
testdata/certs directory; listen
ports are remapped to free ports by scripts/lib/nginx_runner.py, and the very same rewritten file
is given to nginx and to popcheck.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import auth_stub  # noqa: E402
import dovecot_runner  # noqa: E402
import nginx_runner  # noqa: E402
import secrets_check  # noqa: E402
from smtp_backend import SmtpBackend  # noqa: E402,F401 (h.SmtpBackend for the client tests)

REPO = os.path.dirname(os.path.dirname(HERE))
CERTS = os.path.join(REPO, "testdata", "certs")
PORTS = (21000, 21999)  # the proxy helper's range

USERS = {"alice": "secret", "bob": "builder"}
MESSAGES = {
    "alice": ["hello\r\n", "line one\r\n.dot-stuffed line\r\n..two dots\r\n\r\nlast\r\n"],
    "bob": [],
}

_taken = set()


def alice_message(n):
    """alice's message n as dovecot stores and serves it (dovecot_runner writes it)."""
    return dovecot_runner._message(n, MESSAGES["alice"][n - 1]).encode()


def unverified_tls():
    """A client TLS context that accepts the test certificate for any name: the clients compare
    nginx and popcheck, not certificate checks."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def free_port():
    port = nginx_runner.free_port(*PORTS, taken=_taken)
    _taken.add(port)
    return port


class FakeBackend:
    """A POP3 backend that accepts USER and refuses every PASS (no delay, no penalty, unlike
    dovecot): for the backend-refusal cases, and the capture of what the proxy sends first
    (`proxy_protocol on`)."""

    def __init__(self, port, refusal=b"-ERR [AUTH] Authentication failed.\r\n"):
        import socketserver
        import threading

        self.received = []  # what each connection sent, in order (PROXY header included)
        self.lock = threading.Lock()
        backend = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"+OK fake ready\r\n")
                with backend.lock:
                    backend.received.append(b"")
                    index = len(backend.received) - 1
                for line in self.rfile:
                    with backend.lock:
                        backend.received[index] += line
                    if line.startswith(b"PROXY "):
                        continue  # `proxy_protocol on`: the header gets no reply
                    if line.upper().startswith(b"PASS"):
                        self.wfile.write(refusal)
                        return
                    self.wfile.write(b"+OK\r\n")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class FakeImapBackend:
    """An IMAP backend for the IMAP cases, exact and scripted: greets with "* OK", answers a
    synchronizing literal with "+ go ahead", and a LOGIN with the tagged OK or NO of
    `users` ({name: password}). Logged in, it answers NOOP, SELECT (one message), FETCH and LOGOUT
    like a small server; everything else gets BAD. The login "untagged" gets an untagged line
    before its OK (as some servers send), which nginx 1.22.1 refuses; a command tagged "slow" is
never answered (the backend login's deadline). `received` holds each
    connection's bytes (PROXY header included)."""

    def __init__(self, port, users):
        import socketserver
        import threading

        self.received = []
        self.lock = threading.Lock()
        backend = self

        class Handler(socketserver.StreamRequestHandler):
            def command(self, index):
                """One command with its literals (each synchronizing one gets "+ go ahead")."""
                words = []
                line = self.rfile.readline()
                while line:
                    with backend.lock:
                        backend.received[index] += line
                    if line.startswith(b"slow "):
                        self.rfile.read()  # a backend that never answers: wait for the close
                        return None
                    m = re.search(rb"\{(\d+)(\+?)\}\r?\n$", line)
                    if not m:
                        words.append(line.rstrip(b"\r\n"))
                        return b"".join(words)
                    words.append(line[:m.start()])
                    if not m.group(2):
                        self.wfile.write(b"+ go ahead\r\n")
                    data = self.rfile.read(int(m.group(1)))
                    with backend.lock:
                        backend.received[index] += data
                    words.append(b"{" + data + b"}")
                    line = self.rfile.readline()
                return None

            def handle(self):
                self.wfile.write(b"* OK [CAPABILITY IMAP4rev1 LITERAL+] fake ready\r\n")
                with backend.lock:
                    backend.received.append(b"")
                    index = len(backend.received) - 1
                user = None
                while True:
                    text = self.command(index)
                    if text is None:
                        return
                    if text.startswith(b"PROXY "):
                        continue  # `proxy_protocol on`: the header gets no reply
                    tag, _, rest = text.partition(b" ")
                    verb, _, args = rest.partition(b" ")
                    verb = verb.upper()
                    if verb == b"LOGIN" and user is None:
                        found = re.fullmatch(rb"(?:\{(.*)\}|(\S+)) ?(?:\{(.*)\}|(\S+))", args,
                                             re.S)
                        name = password = None
                        if found:
                            name = (found.group(1) or found.group(2) or b"").decode("latin-1")
                            password = (found.group(3) or found.group(4) or b"").decode("latin-1")
                        if name in users and users[name] == password:
                            user = name
                            extra = b"* CAPABILITY IMAP4rev1\r\n" if name == "untagged" else b""
                            self.wfile.write(extra + tag + b" OK [CAPABILITY IMAP4rev1 IDLE] "
                                             b"Logged in\r\n")
                        else:
                            self.wfile.write(tag + b" NO [AUTHENTICATIONFAILED] "
                                             b"Authentication failed.\r\n")
                    elif verb == b"LOGOUT":
                        self.wfile.write(b"* BYE Logging out\r\n" + tag + b" OK Logout completed.\r\n")
                        return
                    elif verb == b"NOOP":
                        self.wfile.write(tag + b" OK NOOP completed.\r\n")
                    elif verb == b"SELECT" and user:
                        self.wfile.write(b"* 1 EXISTS\r\n* 0 RECENT\r\n" + tag +
                                         b" OK [READ-WRITE] Select completed.\r\n")
                    elif verb == b"FETCH" and user:
                        self.wfile.write(b"* 1 FETCH (RFC822.SIZE 7)\r\n" + tag +
                                         b" OK Fetch completed.\r\n")
                    else:
                        self.wfile.write(tag + b" BAD Error in IMAP command.\r\n")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Blackhole:
    """A backend that never answers the connect, on 127.0.0.1: a listener with a full accept
    queue (backlog 0, one connection queued and never accepted), so the kernel drops further SYNs
    and a connect() to it hangs until the connecting side's own deadline."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(0)
        self.filler = socket.create_connection(("127.0.0.1", port), timeout=5)

    def stop(self):
        self.filler.close()
        self.sock.close()


class DnsStub:
    """A tiny DNS server on 127.0.0.1 (UDP, and TCP on the same port) for SMTP's `resolver`: PTR
    of 127.x.x.x answers `ptr` (or `ptr[address]`; NXDOMAIN when None, or the RCODE `ptr_rcode`), A queries answer
    from `a` ({name: address or [addresses]}, NXDOMAIN otherwise), AAAA queries have no data;
    every record has
    the TTL `ttl`; `silent` answers nothing (the resolver times out); the query types and names
    in `truncate` (e.g. [1, "4.0.0.127.in-addr.arpa"]) are answered over UDP with the TC bit and
    no records, over TCP in full. `queries` lists (name, qtype, "udp"|"tcp") as they arrive. Never forwards anything:
    the tests never touch the real network."""

    def __init__(self, port, ptr=None, ptr_rcode=None, a=None, silent=False, ttl=60,
                 truncate=()):
        import threading

        self.ptr, self.ptr_rcode, self.a, self.silent = ptr, ptr_rcode, a or {}, silent
        self.ttl, self.truncate = ttl, set(truncate)
        self.queries = []
        self.last_query = 0.0
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.2)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", port))
        self.tcp.listen(8)
        self.tcp.settimeout(0.2)
        self.running = True
        self.threads = [threading.Thread(target=self._serve, daemon=True),
                        threading.Thread(target=self._serve_tcp, daemon=True)]
        for thread in self.threads:
            thread.start()

    @staticmethod
    def _name(data, at):
        labels = []
        while data[at]:
            length = data[at]
            labels.append(data[at + 1:at + 1 + length].decode("latin-1"))
            at += 1 + length
        return ".".join(labels), at + 1

    @staticmethod
    def _encode(name):
        out = b""
        for label in name.split("."):
            out += bytes([len(label)]) + label.encode("latin-1")
        return out + b"\0"

    def answer(self, query, transport="udp"):
        import struct

        qid, flags = struct.unpack("!HH", query[:4])
        name, end = self._name(query, 12)
        qtype = struct.unpack("!H", query[end:end + 2])[0]
        question = query[12:end + 4]
        with self.lock:
            self.queries.append((name, qtype, transport))
            self.last_query = time.monotonic()
        rcode, records = 0, []
        if qtype == 12:  # PTR
            if self.ptr_rcode:
                rcode = self.ptr_rcode
            elif name.endswith(".127.in-addr.arpa") and self.ptr is not None:
                address = ".".join(reversed(name.split(".")[:4]))
                ptr = self.ptr.get(address) if isinstance(self.ptr, dict) else self.ptr
                if ptr is None:
                    rcode = 3
                else:
                    records.append((12, self._encode(ptr)))
            else:
                rcode = 3
        elif qtype == 1:  # A
            if name in self.a:
                addresses = self.a[name] if isinstance(self.a[name], list) else [self.a[name]]
                records += [(1, socket.inet_aton(address)) for address in addresses]
            else:
                rcode = 3
        elif name not in self.a:  # AAAA of an unknown name
            rcode = 3
        flags = 0x8180 | rcode | (flags & 0x0100)
        if transport == "udp" and (qtype in self.truncate or name in self.truncate):
            flags, records = flags | 0x0200, []
        header = struct.pack("!HHHHHH", qid, flags, 1, len(records), 0, 0)
        body = b"".join(b"\xc0\x0c" + struct.pack("!HHIH", t, 1, self.ttl, len(d)) + d
                        for t, d in records)
        return header + question + body

    def wait_quiet(self, seen, quiet=0.3, none=1.0, limit=5.0):
        """Returns once more than `seen` queries came and then none for `quiet` seconds, or when
        none came for `none` seconds (the probes' lookups went to another server), at most after
        `limit`: the lookups of the start-up wait's port probes (a proxy resolves every SMTP
        client, whenever its worker gets to accept it) are over."""
        start = time.monotonic()
        while time.monotonic() < start + limit:
            with self.lock:
                count, idle = len(self.queries), time.monotonic() - self.last_query
            if (count > seen and idle >= quiet) or (count == seen and time.monotonic() >= start + none):
                return
            time.sleep(0.02)

    def _serve(self):
        while self.running:
            try:
                query, peer = self.sock.recvfrom(512)
            except OSError:
                continue
            if self.silent:
                continue
            try:
                self.sock.sendto(self.answer(query), peer)
            except (OSError, IndexError, ValueError):
                continue

    def _serve_tcp(self):
        """One connection at a time: each message is a 2-byte length and a query (RFC 1035
        section 4.2.2); the connection stays open until the peer closes it."""
        import struct

        while self.running:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                continue
            conn.settimeout(0.2)
            data = b""
            with conn:
                for _ in range(50):  # 10 s at most
                    if not self.running:
                        break
                    try:
                        chunk = conn.recv(4096)
                    except socket.timeout:
                        continue
                    except OSError:
                        break
                    if not chunk:
                        break
                    data += chunk
                    while len(data) >= 2 and len(data) >= 2 + struct.unpack("!H", data[:2])[0]:
                        size = struct.unpack("!H", data[:2])[0]
                        query, data = data[2:2 + size], data[2 + size:]
                        if self.silent:
                            continue
                        try:
                            reply = self.answer(query, "tcp")
                            conn.sendall(struct.pack("!H", len(reply)) + reply)
                        except (OSError, IndexError, ValueError):
                            break

    def stop(self):
        self.running = False
        for thread in self.threads:
            thread.join(timeout=2)
        self.sock.close()
        self.tcp.close()


class Environment:
    """dovecot + auth stub; `backend_users` are dovecot's passwords (a stub user whose password
    differs makes dovecot refuse the PASS nginx sends). The stub sends IMAP logins to the scripted
    IMAP backend and SMTP logins to the scripted SMTP backend (by Auth-Protocol); `backend:
    "smtp"` names the backend whose bytes a case compares; `dns` configures a DnsStub
    (@DNS_PORT@)."""

    def __init__(self, stub_users=None, backend_users=None, responses=None, refusal=None, wait=0,
                 backend=None, dns=None):
        self.backend_port = free_port()
        self.auth_port = free_port()
        self.dovecot = dovecot_runner.Dovecot(self.backend_port, backend_users or USERS, MESSAGES)
        self.fake_port = free_port()
        self.fake = FakeBackend(self.fake_port)
        self.imap_port = free_port()
        self.imap = FakeImapBackend(self.imap_port, dict(backend_users or USERS, untagged="pw"))
        self.smtp_port = free_port()
        self.smtp = SmtpBackend(self.smtp_port)
        self.dns_port = free_port()
        self.dns = DnsStub(self.dns_port, **dns) if dns is not None else None
        self.closed_port = free_port()  # kept free: connections to it are refused
        self.blackhole_port = free_port()
        self.blackhole = Blackhole(self.blackhole_port)
        def fill(text):
            return (text.replace("@BACKEND_PORT@", str(self.backend_port))
                    .replace("@CLOSED_PORT@", str(self.closed_port))
                    .replace("@BLACKHOLE_PORT@", str(self.blackhole_port))
                    .replace("@FAKE_PORT@", str(self.fake_port))
                    .replace("@IMAP_PORT@", str(self.imap_port))
                    .replace("@SMTP_PORT@", str(self.smtp_port)).encode())

        # A list: the responses served in turn (auth_stub.AuthStub).
        canned = {user: [fill(t) for t in text] if isinstance(text, list) else fill(text)
                  for user, text in (responses or {}).items()}
        kwargs = {"responses": canned, "wait": wait}
        if refusal:
            kwargs["refusal"] = refusal
        kwargs["protocol_ports"] = {"imap": self.imap_port, "smtp": self.smtp_port}
        self.auth = auth_stub.AuthStub(self.auth_port, self.backend_port,
                                       dict(stub_users or USERS, untagged="pw"), **kwargs)

    def __enter__(self):
        self.dovecot.start()
        self.auth.start()
        self.auth_socket_dir = tempfile.mkdtemp(prefix="popcheck-auth-")
        self.auth_socket = os.path.join(self.auth_socket_dir, "auth.sock")
        self.auth_unix = UnixAuth(self.auth_socket, self.auth)
        self.sockets_dir = os.path.join(self.auth_socket_dir, "listen")
        os.mkdir(self.sockets_dir)
        os.chmod(self.sockets_dir, 0o755)
        # nginx's workers run as nobody when the tests run as root
        os.chmod(self.auth_socket_dir, 0o755)
        os.chmod(self.auth_socket, 0o777)
        return self

    def __exit__(self, *exc):
        self.auth_unix.stop()
        shutil.rmtree(self.auth_socket_dir, ignore_errors=True)
        self.auth.stop()
        self.fake.stop()
        self.imap.stop()
        self.smtp.stop()
        self.blackhole.stop()
        if self.dns:
            self.dns.stop()
        self.dovecot.cleanup()


class UnixAuth:
    """The auth stub's policy (and request log) served on a unix socket: `auth_http unix:...`."""

    def __init__(self, path, stub):
        import socketserver
        import threading

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                data = b""
                self.request.settimeout(5)
                while b"\r\n\r\n" not in data:
                    chunk = self.request.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                with stub.lock:
                    stub.requests.append(data)
                self.request.sendall(stub.answer(data))

        class Server(socketserver.ThreadingUnixStreamServer):
            daemon_threads = True

        self.server = Server(path, Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def prepare_case(case_dir, env):
    """A copy of the case with the placeholders filled in; returns its directory."""
    tmp = tempfile.mkdtemp(prefix="popcheck-proxy-case-")
    for name in os.listdir(case_dir):
        src = os.path.join(case_dir, name)
        if os.path.isfile(src):
            text = open(src, encoding="utf-8").read()
            text = text.replace("@AUTH_PORT@", str(env.auth_port)).replace("@CERTS@", CERTS)
            text = text.replace("@BACKEND_PORT@", str(env.backend_port))
            text = text.replace("@AUTH_SOCKET@", env.auth_socket)
            text = text.replace("@SOCKETS@", env.sockets_dir)
            text = text.replace("@CLOSED_PORT@", str(env.closed_port))
            if hasattr(env, "blackhole_port"):
                text = text.replace("@BLACKHOLE_PORT@", str(env.blackhole_port))
            if hasattr(env, "dns_port"):  # an Environment (other scripts pass their own)
                text = text.replace("@DNS_PORT@", str(env.dns_port))
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as fh:
                fh.write(text)
    return tmp


class Popcheck:
    """`popcheck proxy` on a rewritten config (an nginx_runner.Instance's file)."""

    def __init__(self, binary, conf, ports, extra=()):
        self.binary = binary
        self.conf = conf
        self.ports = ports
        self.extra = list(extra)
        self.process = None
        self.stderr_path = conf + ".popcheck.log"

    def start(self, timeout=10.0):
        self.stderr = open(self.stderr_path, "w")
        self.process = subprocess.Popen(
            [self.binary, "proxy", "-c", self.conf, "--workers", "1", "--grace", "2"] + self.extra,
            stdout=subprocess.DEVNULL, stderr=self.stderr, preexec_fn=nginx_runner._die_with_parent)
        deadline = time.monotonic() + timeout
        nginx_runner.wait_for_ports(
            self.process, self.ports, deadline,
            lambda: f"popcheck exited with {self.process.returncode}: {self.log()}", self.stop,
            lambda port: f"popcheck did not listen on {port}: {self.log()}")

    def stop(self, timeout=10.0):
        """SIGTERM (if still running), wait, then check the stderr log for secrets."""
        try:
            if self.process is None or self.process.poll() is not None:
                return self.process.returncode if self.process else None
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return None
        finally:
            if self.process is not None:
                if not self.stderr.closed:
                    self.stderr.close()
                secrets_check.check(f"popcheck proxy log {self.stderr_path}", self.log())

    def log(self):
        try:
            return open(self.stderr_path).read()
        except OSError:
            return ""


# ---- dialogues ---------------------------------------------------------------------------------

SALT_RE = re.compile(rb"<\d+\.\d+@[^>\r\n]*>")


def normalise(data):
    """Salts differ between runs: `<R.T@S>` becomes `<SALT>`, a CRAM-MD5 challenge `+ <B64SALT>`."""
    data = SALT_RE.sub(b"<SALT>", data)

    def challenge(m):
        try:
            decoded = base64.b64decode(m.group(1), validate=True)
        except Exception:
            return m.group(0)
        return b"+ <B64SALT>\r\n" if SALT_RE.fullmatch(decoded) else m.group(0)

    data = re.sub(rb"(?m)^\+ ([A-Za-z0-9+/=]{8,})\r\n", challenge, data)
    data = re.sub(rb"(?m)^334 ([A-Za-z0-9+/=]{8,})\r\n",
                  lambda m: b"334 <B64SALT>\r\n" if challenge(m).startswith(b"+ <B64SALT>")
                  else m.group(0), data)
    if b"\r\nAuth-Salt: " in data:  # an auth request with a salt-dependent digest
        data = re.sub(rb"\r\nAuth-Pass: [0-9a-f]{32}\r\n", b"\r\nAuth-Pass: <DIGEST>\r\n", data)
    return data


class Dialogue:
    """Runs one scripted dialogue; `transcript` is a list of ('C'|'S'|'EOF', bytes). `port` is a
    TCP port on 127.0.0.1 or the path of a unix socket.

    `expected` is the reference run's transcript (run()'s normalised return; nginx's in
    proxy_diff_test.py). Without it, each read lasts until the server has been quiet for the
    step's idle time: that quiet time is what a step costs. With it, a read that has received
    exactly the reference's reply stops there (or, when the reference saw the close next, at the
    close), an event instead of a timer. A difference is still seen: bytes the reference did not
    send land in a later read, fewer bytes fall back to the idle wait, and the last step (and
    every @WAIT) always waits the full idle time, so nothing sent after the end goes unseen.
    The one thing that changes is the client's pace: where an outcome depends on the client
    pausing (replies that the RST of a close with unread input overtakes, on nginx as on
    popcheck), the dialogue says so with a "@WAIT SECONDS" step."""

    def __init__(self, port, spec, expected=None):
        self.port = port
        self.spec = spec
        self.expected = expected
        self.idle = spec.get("idle", 0.3)
        self.salt = b""
        self.transcript = []
        self.sock = None
        self.eof = False
        self.ragged = False  # TLS ended by the TCP close alone, without a close_notify
        self.client = None  # the client's own address: ("127.0.0.1", port), or "" for unix

    def _context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if self.spec.get("client_cert"):
            ctx.load_cert_chain(os.path.join(CERTS, "client.crt"), os.path.join(CERTS, "client.key"))
        return ctx

    def _expected_reply(self):
        """(bytes, then_eof) of the reference's next server chunk when this run has matched it
        so far and the reference's next entry is one; else None (read until quiet)."""
        if self.expected is None:
            return None
        n = len(self.transcript)
        if n >= len(self.expected) or self.expected[n][0] != "S":
            return None
        if [(k, normalise(d)) for k, d in self.transcript] != self.expected[:n]:
            return None
        then_eof = n + 1 < len(self.expected) and self.expected[n + 1][0] == "EOF"
        return self.expected[n][1], then_eof

    def _read(self, idle, first=None, early=False):
        """What the server sends until it is quiet for `idle` seconds. With `first`, the quiet
        time before the first byte may be that long instead: a loaded machine can take longer
        than `idle` to answer a login, and a reply that comes late must not move into the next
        step's read (the transcripts would differ by timing alone). `early`: stop at the
        reference's reply (see the class comment)."""
        data = b""
        target = self._expected_reply() if early else None
        self.sock.settimeout(first if first is not None else idle)
        while not self.eof:
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                break
            except ssl.SSLEOFError:
                self.eof = self.ragged = True
                break
            except (ConnectionResetError, ssl.SSLError, OSError):
                self.eof = True
                break
            if not chunk:
                self.eof = True
                break
            data += chunk
            if target is not None and not target[1] and normalise(data) == target[0]:
                break
            self.sock.settimeout(idle)
        if data:
            m = SALT_RE.search(data)
            if m and not self.salt:
                self.salt = m.group(0)
            m = re.match(rb"334 ([A-Za-z0-9+/=]{8,})\r\n", data)
            if m and not self.salt:  # an SMTP CRAM-MD5 challenge
                try:
                    decoded = base64.b64decode(m.group(1), validate=True)
                except ValueError:
                    decoded = b""
                if SALT_RE.fullmatch(decoded):
                    self.salt = decoded
            # IMAP's salt comes only base64-encoded, in the CRAM-MD5 challenge.
            for b64 in re.findall(rb"(?m)^\+ ([A-Za-z0-9+/=]{8,})\r\n", data):
                try:
                    decoded = base64.b64decode(b64, validate=True)
                except ValueError:
                    continue
                if SALT_RE.fullmatch(decoded):
                    self.salt = decoded
            self.transcript.append(("S", data))
        if self.eof:
            # nginx closes TLS without a close_notify after a client timeout (c->timedout).
            self.transcript.append(("EOF", b"without close_notify" if self.ragged else b""))
        return data

    def _expand(self, step):
        if step.startswith("@APOP "):
            _, user, password = step.split(" ")
            digest = hashlib.md5(self.salt + password.encode()).hexdigest()
            return f"APOP {user} {digest}\r\n".encode()
        if step.startswith("@CRAM "):
            _, user, password = step.split(" ")
            digest = hmac.new(password.encode(), self.salt, hashlib.md5).hexdigest()
            return base64.b64encode(f"{user} {digest}".encode()) + b"\r\n"
        return step.encode("latin-1")

    def run(self):
        # "delay": seconds before connecting (e.g. until a cached DNS answer's TTL has run out).
        time.sleep(self.spec.get("delay", 0))
        if isinstance(self.port, str):
            raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            raw.settimeout(5)
            raw.connect(self.port)
        else:
            # "source": another loopback address for the client (a PTR not yet cached).
            raw = socket.create_connection(("127.0.0.1", self.port), timeout=5,
                                           source_address=(self.spec.get("source", "127.0.0.1"), 0))
        self.client = raw.getsockname()
        connected = time.monotonic()
        self.sock = (self._context().wrap_socket(raw, suppress_ragged_eofs=False)
                     if self.spec.get("tls") else raw)
        try:
            steps = self.spec["steps"]
            for index, step in enumerate(steps):
                idle = self.idle
                if isinstance(step, list):
                    step, idle = step
                # A whole command line (and the greeting) gets a reply: wait up to 5 s (or the
                # dialogue's longer "first_wait") for its first byte. A partial line waits only
                # the idle time.
                whole = step == "" or step.endswith("\r\n") or step.startswith("@")
                first = max(5.0, self.spec.get("first_wait", 0)) if whole else None
                if self.eof:
                    break
                if step == "@STARTTLS":
                    # The handshake gets the connect timeout, not the last step's short idle
                    # wait (a loaded machine takes longer than that to do a handshake).
                    self.sock.settimeout(5)
                    self.sock = self._context().wrap_socket(self.sock, suppress_ragged_eofs=False)
                    self.transcript.append(("TLS", b""))
                    continue
                if step.startswith("@WAIT"):
                    self._read(float(step.split()[1]))
                    continue
                data = self._expand(step)
                if data:
                    # Digests depend on the salt: the step's own text stands for them.
                    self.transcript.append(("C", step.encode() if step.startswith("@") else data))
                    try:
                        self.sock.sendall(data)
                    except OSError:
                        self.eof = True
                        self.transcript.append(("EOF", b""))
                        break
                self._read(idle, first, early=index + 1 < len(steps))
                if self.spec.get("timed") and len(self.transcript) == 1:
                    # "timed": how long the greeting took, in whole seconds (a resolver's resend).
                    self.transcript.append(("T", b"%ds" % int(time.monotonic() - connected)))
            if self.spec.get("tls_close") and self.eof and not self.ragged:
                self._tls_close(self.spec["tls_close"])
        finally:
            self.sock.close()
        return [(kind, normalise(data)) for kind, data in self.transcript]

    def _tls_close(self, mode):
        """After the server's close_notify: when its TCP close (FIN) comes, the client silent
        ("wait") or answering with its own close_notify ("answer"). nginx's ngx_ssl_shutdown()
        waits up to 3 s for the client's close_notify; recorded in coarse buckets, so that
        timing noise does not matter."""
        if mode == "answer":
            try:
                self.sock.unwrap()
            except (OSError, ValueError):
                pass
        raw = socket.socket(fileno=os.dup(self.sock.fileno()))
        raw.settimeout(5)
        start = time.monotonic()
        try:
            rest = raw.recv(4096)
            took = time.monotonic() - start
            when = b"at once" if took < 1.0 else b"after about 3 s" if 2.0 <= took < 4.5 else \
                f"after {took:.1f} s".encode()
            self.transcript.append(("FIN", when + (b" after more bytes" if rest else b"")))
        except socket.timeout:
            self.transcript.append(("FIN", b"none within 5 s"))
        except OSError as e:
            self.transcript.append(("FIN", f"error {e.errno}".encode()))
        finally:
            raw.close()


def format_transcript(transcript):
    return "\n".join(f"{kind}: {data!r}" if data else kind for kind, data in transcript)


def load_case(case_dir):
    with open(os.path.join(case_dir, "dialogues.json"), encoding="utf-8") as fh:
        return json.load(fh)
