"""A hostile POP3 (or IMAP) server for the probe's reliability tests (issue 6): it listens on 127.0.0.1 and
misbehaves in one way per instance, for every connection. Python 3 stdlib only; never a service.

Modes (plain TCP unless named tls-*):
  silent          accepts and never sends a byte
  endless-lines   "+OK" greeting, then every command gets "+OK" and lines forever, never a "."
  endless-line    "+OK" greeting, then every command gets one line that never ends (no LF)
  gigabyte        "+OK" greeting; CAPA, LIST, UIDL, RETR, TOP get a 1 GB multi-line reply,
                  generated as it is sent (never held in memory), that would end with "."
  no-crlf-close   "+OK hostile" without CR LF, then the close
  no-crlf-stall   "+OK hostile" without CR LF, then nothing (the connection stays open)
  drip            the greeting, one byte per second
  many-a          a greeting of 8000 "a"s (for a script regex that backtracks exponentially)
  tls-garbage     reads the ClientHello, answers with bytes that are not TLS, stays open
  stls-garbage    advertises STLS in CAPA, answers STLS with "+OK", then the tls-garbage reply
  tls-close-mid   a real TLS server that sends half of its first handshake flight, then closes
  tls-silent      reads the ClientHello and never answers
  tls-self-signed a working POP3-over-TLS server with the self-signed testdata/certs/mail.crt
  tls-close-early a TLS server (same certificate) that sends its greeting and closes at once
  imap-endless-untagged   "* OK" greeting, then the first command gets untagged lines forever
  imap-huge-literal       "* OK" greeting, then "* CAPABILITY {4000000000}" and bytes forever
  imap-close-mid-literal  "* OK" greeting, then a literal of 100 bytes cut by a close after 9

`sent` counts the bytes the server sent over all connections (the gigabyte test shows the probe
stopped reading long before the end).
"""

import os
import socket
import ssl
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CERTS = os.path.join(REPO, "testdata", "certs")
MODES = ("silent", "endless-lines", "endless-line", "gigabyte", "no-crlf-close", "no-crlf-stall",
         "drip", "many-a", "tls-garbage", "stls-garbage", "tls-close-mid", "tls-silent",
         "tls-self-signed", "tls-close-early", "garbage", "close-mid-line", "tls-alert", "stls-alert",
         "imap-endless-untagged", "imap-huge-literal", "imap-close-mid-literal")
GIGABYTE = 1 << 30
_CHUNK = b"".join(b"%07d hostile body line\r\n" % i for i in range(2048))  # 61440 bytes


class HostileServer:
    def __init__(self, mode, port):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode}")
        self.mode = mode
        self.port = port
        self.sent = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conns = []
        self._threads = []
        self._listener = None

    def __enter__(self):
        self._listener = socket.create_server(("127.0.0.1", self.port), backlog=64)
        self._listener.settimeout(0.2)
        t = threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()
        for t in self._threads:
            t.join(timeout=5)

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                self._conns.append(conn)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _send(self, conn, data):
        conn.sendall(data)
        with self._lock:
            self.sent += len(data)

    def _serve(self, conn):
        conn.settimeout(0.5)
        try:
            getattr(self, "_mode_" + self.mode.replace("-", "_"))(conn)
        except OSError:
            pass  # the probe gave up and closed: that is the point
        finally:
            conn.close()

    def _idle(self, conn):
        """Reads and ignores everything until the peer closes or the server stops."""
        while not self._stop.is_set():
            try:
                if not conn.recv(65536):
                    return
            except socket.timeout:
                continue

    def _commands(self, conn):
        """Yields each command line the client sends."""
        buf = b""
        while not self._stop.is_set():
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                yield line.rstrip(b"\r").decode("latin-1")
            try:
                data = conn.recv(65536)
            except socket.timeout:
                continue
            if not data:
                return
            buf += data

    def _mode_silent(self, conn):
        self._idle(conn)

    def _endless(self, conn, status, chunk):
        """Greeting, then the first command gets `status` and `chunk` over and over."""
        self._send(conn, b"+OK hostile\r\n")
        for _ in self._commands(conn):
            self._send(conn, status)
            while not self._stop.is_set():
                self._send(conn, chunk)

    def _mode_endless_lines(self, conn):
        self._endless(conn, b"+OK here it comes\r\n", b"x\r\n" * 4096)

    def _mode_endless_line(self, conn):
        self._endless(conn, b"+OK ", b"x" * 65536)

    def _mode_gigabyte(self, conn):
        self._send(conn, b"+OK hostile\r\n")
        for command in self._commands(conn):
            verb = command.split(" ", 1)[0].upper()
            if verb == "QUIT":
                self._send(conn, b"+OK bye\r\n")
                return
            if verb not in ("CAPA", "LIST", "UIDL", "RETR", "TOP"):
                self._send(conn, b"-ERR no\r\n")
                continue
            self._send(conn, b"+OK 1 GB follows\r\n")
            for _ in range(GIGABYTE // len(_CHUNK)):
                if self._stop.is_set():
                    return
                self._send(conn, _CHUNK)
            self._send(conn, b".\r\n")

    # IMAP: "* OK" greeting, then the first command gets endless untagged lines, a literal of
    # 4 GB, or a literal cut by a close.
    def _imap(self, conn, answer):
        self._send(conn, b"* OK hostile\r\n")
        for _ in self._commands(conn):
            answer()
            return

    def _mode_imap_endless_untagged(self, conn):
        def answer():
            while not self._stop.is_set():
                self._send(conn, b"* 1 EXISTS\r\n" * 4096)
        self._imap(conn, answer)

    def _mode_imap_huge_literal(self, conn):
        def answer():
            self._send(conn, b"* CAPABILITY {4000000000}\r\n")
            while not self._stop.is_set():
                self._send(conn, b"x" * 65536)
        self._imap(conn, answer)

    def _mode_imap_close_mid_literal(self, conn):
        self._imap(conn, lambda: self._send(conn, b"* 1 FETCH (BODY[] {100}\r\nonly this"))

    def _mode_no_crlf_close(self, conn):
        self._send(conn, b"+OK hostile")
        time.sleep(0.1)

    def _mode_no_crlf_stall(self, conn):
        self._send(conn, b"+OK hostile")
        self._idle(conn)

    def _mode_drip(self, conn):
        for byte in b"+OK hostile server, one byte per second\r\n":
            self._send(conn, bytes([byte]))
            if self._stop.wait(1.0):
                return
        self._idle(conn)

    def _mode_many_a(self, conn):
        self._send(conn, b"+OK " + b"a" * 8000 + b"\r\n")
        self._idle(conn)

    def _client_hello(self, conn):
        """Waits for the first bytes of the client's handshake."""
        while not self._stop.is_set():
            try:
                data = conn.recv(65536)
            except socket.timeout:
                continue
            return data
        return b""

    def _mode_tls_garbage(self, conn):
        if self._client_hello(conn):
            self._send(conn, b"+OK this is not TLS\r\n" + bytes(range(256)) * 4)
        self._idle(conn)

    def _mode_stls_garbage(self, conn):
        self._send(conn, b"+OK hostile\r\n")
        for command in self._commands(conn):
            verb = command.upper()
            if verb == "CAPA":
                self._send(conn, b"+OK\r\nUSER\r\nSTLS\r\n.\r\n")
            elif verb == "STLS":
                self._send(conn, b"+OK begin TLS\r\n")
                self._mode_tls_garbage(conn)
                return
            elif verb == "QUIT":
                self._send(conn, b"+OK bye\r\n")
                return
            else:
                self._send(conn, b"-ERR no\r\n")

    def _mode_garbage(self, conn):
        self._send(conn, bytes(range(256)) + b"\r\n" + bytes(range(255, -1, -1)) + b"\r\n")
        self._idle(conn)

    def _mode_close_mid_line(self, conn):
        """A greeting, then CAPA's list ends in the middle of a line with a close."""
        self._send(conn, b"+OK hostile\r\n")
        for command in self._commands(conn):
            if command.upper() == "CAPA":
                self._send(conn, b"+OK\r\nUSER\r\nTO")
                return
            self._send(conn, b"-ERR no\r\n")

    # A fatal handshake_failure alert record (TLS 1.2 framing, as servers send it to a ClientHello
    # they refuse).
    _ALERT = bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])

    def _mode_tls_alert(self, conn):
        if self._client_hello(conn):
            self._send(conn, self._ALERT)
        self._idle(conn)

    def _mode_stls_alert(self, conn):
        self._send(conn, b"+OK hostile\r\n")
        for command in self._commands(conn):
            verb = command.upper()
            if verb == "CAPA":
                self._send(conn, b"+OK\r\nUSER\r\nSTLS\r\n.\r\n")
            elif verb == "STLS":
                self._send(conn, b"+OK begin TLS\r\n")
                self._mode_tls_alert(conn)
                return
            elif verb == "QUIT":
                self._send(conn, b"+OK bye\r\n")
                return
            else:
                self._send(conn, b"-ERR no\r\n")

    def _mode_tls_silent(self, conn):
        self._client_hello(conn)
        self._idle(conn)

    def _mode_tls_close_mid(self, conn):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(CERTS, "mail.crt"), os.path.join(CERTS, "mail.key"))
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(incoming, outgoing, server_side=True)
        while not self._stop.is_set():
            data = self._client_hello(conn)
            if not data:
                return
            incoming.write(data)
            try:
                tls.do_handshake()
            except ssl.SSLWantReadError:
                pass
            flight = outgoing.read()
            if flight:  # ServerHello and the rest of the server's first flight: send half
                self._send(conn, flight[: len(flight) // 2])
                return

    def _tls(self, conn):
        """The server side of a TLS handshake with testdata/certs/mail.crt, or None."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(CERTS, "mail.crt"), os.path.join(CERTS, "mail.key"))
        conn.settimeout(5)
        try:
            tls = ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            return None  # the probe refused the certificate and closed
        tls.settimeout(0.5)
        return tls

    def _mode_tls_close_early(self, conn):
        tls = self._tls(conn)
        if tls:
            self._send(tls, b"+OK hostile TLS ready\r\n")
            tls.close()

    def _mode_tls_self_signed(self, conn):
        tls = self._tls(conn)
        if not tls:
            return
        self._send(tls, b"+OK hostile TLS ready\r\n")
        for command in self._commands(tls):
            if command.upper() == "QUIT":
                self._send(tls, b"+OK bye\r\n")
                return
            self._send(tls, b"-ERR no\r\n")
