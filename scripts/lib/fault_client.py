"""Client sessions for scripts/proxy_faults_test.py: one coroutine per fault kind, each asserting
the exact bytes nginx 1.22.1 gives for that fault (docs/nginx-behaviour.md, from the POP3
session to TLS; checked against real nginx with `--target nginx`). Python 3 stdlib, asyncio.

A session raises Fail on the first difference. Every read has a deadline (WAIT), so no session
can hang; `Session.timing` records the seconds from the fault to the close, for the report.
"""

import asyncio
import base64
import hashlib
import socket
import ssl
import struct
import time

import fault_backend

WAIT = 20.0  # upper bound for any single read; the proxy's own timeouts are far shorter
GREETING = b"+OK POP3 ready\r\n"
ERR = b"-ERR invalid command\r\n"
INTERNAL = b"-ERR internal server error\r\n"
LOGGED_IN = b"+OK Logged in.\r\n"


class Fail(Exception):
    pass


def short(data, limit=80):
    """A readable excerpt of bytes for a failure message."""
    return repr(data[:limit]) + (f"... ({len(data)} bytes)" if len(data) > limit else "")


def tls_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Settings:
    """What sessions need to know: ports, the configuration's timeouts, the concurrency barrier."""

    def __init__(self, ports, timeout, proxy_timeout, auth_timeout):
        # POP3's listen ports; `ports` also has imap, imaps, imap_passerr, smtp, smtps, smtp_passerr
        # (passerr: proxy_pass_error_message and the short proxy_timeout are there)
        self.plain, self.tls, self.passerr = ports["plain"], ports["tls"], ports["passerr"]
        self.ports = ports
        self.timeout, self.proxy_timeout, self.auth_timeout = timeout, proxy_timeout, auth_timeout
        self.barrier = None     # asyncio.Event: every session is connected
        self.arrived = 0
        self.expected = 0
        self.connect_gate = None  # bounds connections waiting in the listen backlog (511)
        self.open = 0             # connected client sockets
        self.open_at_barrier = 0

    def arrive(self):
        self.arrived += 1
        if self.arrived >= self.expected and not self.barrier.is_set():
            self.open_at_barrier = self.open
            self.barrier_at = time.monotonic()
            self.barrier.set()


class Session:
    def __init__(self, settings, index):
        self.s = settings
        self.index = index
        self.reader = self.writer = None
        self.timing = None
        self.reset = None
        self.arrived = False
        self.counted = False

    # ---- plumbing ------------------------------------------------------------------------------
    async def connect(self, port=None, tls=False, greeting=GREETING):
        """Connects (to POP3's plain port by default) and expects `greeting` (None: none)."""
        async with self.s.connect_gate:
            self.connect_at = time.monotonic()
            self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection(
                "127.0.0.1", port or self.s.plain, ssl=tls_context() if tls else None,
                limit=1 << 20), WAIT)
            self.counted = True
            self.s.open += 1
            # (client port, listen port) names the connection in the proxy's log
            self.ports = (self.writer.get_extra_info("sockname")[1],
                          self.writer.get_extra_info("peername")[1])
            if greeting:
                await self.expect(greeting)

    async def hold(self):
        """Wait until every session is connected (bounded), so that all are open at once."""
        if not self.arrived:
            self.arrived = True
            self.s.arrive()
        try:
            await asyncio.wait_for(self.s.barrier.wait(), 2 * WAIT)
        except asyncio.TimeoutError:
            pass

    async def read(self, n, within=WAIT):
        """Up to n bytes; b"" at EOF or at a reset (self.reset is then True). Bytes that arrived
        before a reset are returned first: asyncio's StreamReader raises the reset before
        returning them, so they are taken from its buffer."""
        try:
            return await asyncio.wait_for(self.reader.read(n), within)
        except asyncio.TimeoutError:
            raise Fail(f"nothing within {within:.1f}s")
        except (ConnectionError, ssl.SSLError) as e:
            self.reset = e
            data = bytes(self.reader._buffer[:n])
            del self.reader._buffer[:n]
            return data

    async def expect(self, want):
        got = bytearray()  # (replies of MiB: no quadratic copying)
        while len(got) < len(want):
            chunk = await self.read(len(want) - len(got))
            if not chunk:
                raise Fail(f"{self.end()} after {short(bytes(got))}, expected {short(want)}")
            got += chunk
        if got != want:
            at = next(i for i in range(len(want)) if got[i] != want[i])
            raise Fail(f"got {short(bytes(got[at:]))} at byte {at}, expected {short(want[at:])}")

    async def send(self, data):
        self.sent_at = time.monotonic()  # before the write: a busy client loop only adds time
        self.writer.write(data)
        await asyncio.wait_for(self.writer.drain(), WAIT)

    async def command(self, line, reply):
        await self.send(line)
        await self.expect(reply)

    async def closed(self, within=WAIT, since=None):
        """Read until the proxy closes; it must send nothing more. Records the seconds from
        `since` (a monotonic time; default now) to the close in self.timing."""
        start = since or time.monotonic()
        data = b""
        while chunk := await self.read(65536, max(0.01, start + within - time.monotonic())):
            data += chunk
        self.timing = time.monotonic() - start
        if data:
            raise Fail(f"unexpected bytes before the close: {short(data)}")

    def end(self):
        return f"reset ({self.reset!r})" if self.reset else "EOF"

    def abort(self):
        """Drop the connection with a TCP RST."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self):
        if self.writer is not None:
            self.writer.transport.abort()
        if self.counted:
            self.counted = False
            self.s.open -= 1

    async def login(self, kind, size=0, seed=0, password=fault_backend.PASSWORD):
        login = f"{kind}.{size}.{seed}".encode()
        await self.command(b"USER " + login + b"\r\n", b"+OK\r\n")
        await self.send(b"PASS " + password.encode() + b"\r\n")

    async def retr(self, size, seed):
        """RETR 1; the relayed message, unstuffed, must have the SHA-256 of the backend's."""
        await self.send(b"RETR 1\r\n")
        want = fault_backend.retr_reply(size, seed)
        got = bytearray()
        while not got.endswith(b"\r\n.\r\n") and len(got) < len(want):
            chunk = await self.read(1 << 20)
            if not chunk:
                raise Fail(f"{self.end()} after {len(got)} of {len(want)} bytes of RETR")
            got += chunk
        head, _, body = bytes(got).partition(b"\r\n")
        text = (b"\r\n" + body[:-3]).replace(b"\r\n..", b"\r\n.")[2:]
        digest = hashlib.sha256(fault_backend.message(size, seed)).hexdigest()
        if head != want.partition(b"\r\n")[0] or hashlib.sha256(text).hexdigest() != digest:
            raise Fail(f"RETR of {size} bytes: got {len(got)} bytes, sha256 differs")

    async def quit(self):
        await self.command(b"QUIT\r\n", b"+OK Logging out.\r\n")
        await self.closed()


SIZES = (50, 700, 4096, 65536, 300_000)


def size_for(index):
    """Mostly small messages; every 50th session 1 MiB, every 100th 4 MiB."""
    if index % 100 == 0:
        return 4 << 20
    if index % 50 == 0:
        return 1 << 20
    return SIZES[index % len(SIZES)]


def plain_auth(login):
    return base64.b64encode(b"\0" + login.encode() + b"\0" + fault_backend.PASSWORD.encode())
