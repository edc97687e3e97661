"""A scripted POP3 backend with faults, for scripts/proxy_faults_test.py. Python 3 stdlib, asyncio.
(fault_backend_imap.py and fault_backend_smtp.py are its IMAP and SMTP siblings: the same logins,
messages and kinds.)

Every login names its own behaviour and mailbox: `KIND.SIZE.SEED` (e.g. `ok.4194304.7`) has one
message, `message(SIZE, SEED)`, so the client knows the bytes it must receive without any shared
state. The password must be PASSWORD (what the fault auth server sends as Auth-Pass). KIND:

  ok, pipe     a normal mailbox (STAT, LIST, RETR, NOOP, QUIT)
  refuse       every PASS gets `-ERR [AUTH] Authentication failed.` and the close
  hangup       USER is answered with a TCP RST (a backend that drops the login)
  slow         USER is answered after SLOW_LOGIN seconds (clients give up during the login)
  mute         USER is never answered (the proxy's `timeout` ends the login)
  reset        RETR sends the status line and half of the message, then a TCP RST
  stall        RETR is never answered; the connection stays open until the proxy closes it

Any other kind is served like `ok` (the auth-level kinds of fault_auth_http never get here).
"""

import asyncio
import functools
import hashlib
import socket
import struct

PASSWORD = "secret"  # one of secrets_check.PASSWORDS: the logs are searched for it
SLOW_LOGIN = 2.0
GREETING = b"+OK fault backend ready\r\n"
REFUSAL = b"-ERR [AUTH] Authentication failed.\r\n"

# Random bytes become text: CR and NUL become '.', bytes whose value is 0 mod 64 end a line
# (about 64 bytes a line), so dots start about 1% of the lines; 8-bit bytes stay.
_TABLE = bytes((10 if b % 64 == 0 else 46 if b == 13 else b) for b in range(256))


@functools.lru_cache(maxsize=128)
def message(size, seed):
    """`size` bytes of CRLF text (at least 32): a header, a lone '.' line and a '..' line (both
    need dot-stuffing), then pseudo-random lines, some starting with '.'. Messages of a MiB or
    more come in four variants only (seed % 4): making one takes the backend's only core for a
    while, and a slow backend would turn healthy sessions into timeouts."""
    if size >= 1 << 20:
        seed %= 4
    head = b"Subject: fault test\r\n\r\n.\r\n..\r\n"
    # SHAKE-256 as the generator: C speed (random.randbytes took seconds of the client's loop,
    # which is what a round's sessions wait for).
    raw = hashlib.shake_256(f"{size}/{seed}".encode()).digest(size)
    body = raw.translate(_TABLE).replace(b"\n", b"\r\n")
    text = (head + body)[: max(size, 32) - 2]
    if text.endswith(b"\r"):
        text = text[:-1] + b"x"
    return text + b"\r\n"


@functools.lru_cache(maxsize=128)
def retr_reply(size, seed):
    """The backend's whole RETR reply: status line, dot-stuffed message, terminator."""
    text = message(size, seed)
    stuffed = (b"\r\n" + text).replace(b"\r\n.", b"\r\n..")[2:]
    return b"+OK %d octets\r\n" % len(text) + stuffed + b".\r\n"


def parse_login(login):
    """(kind, size, seed) of a `KIND.SIZE.SEED` login; size and seed 0 when absent."""
    parts = login.split(".")
    numbers = [int(p) if p.isdigit() else 0 for p in parts[1:3]] + [0, 0]
    return parts[0], numbers[0], numbers[1]


def reset(writer):
    """Close with a TCP RST (SO_LINGER 0), dropping whatever is unsent."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class Server:
    """The listener the three protocols' backends share: one `dialogue(reader, writer)` per
    connection (a subclass's), counted in `served`; a client that goes away ends it quietly."""

    def __init__(self, port):
        self.port = port
        self.server = None
        self.served = 0

    async def start(self):
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", self.port, backlog=4096,
                                                 limit=1 << 20)

    async def serve(self, reader, writer):
        self.served += 1
        try:
            await self.dialogue(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


class Backend(Server):

    async def dialogue(self, reader, writer):
        kind, size, seed = "ok", 0, 0
        writer.write(GREETING)
        await writer.drain()
        while True:
            line = await reader.readline()
            if not line:
                return
            word, _, arg = line.rstrip(b"\r\n").partition(b" ")
            word = word.upper()
            if word == b"USER":
                kind, size, seed = parse_login(arg.decode("latin-1"))
                if kind == "hangup":
                    reset(writer)
                    return
                if kind == "mute":
                    await reader.read()  # until the proxy gives up and closes
                    return
                if kind == "slow":
                    await asyncio.sleep(SLOW_LOGIN)
                writer.write(b"+OK\r\n")
            elif word == b"PASS":
                if kind == "refuse" or arg.decode("latin-1") != PASSWORD:
                    writer.write(REFUSAL)
                    await writer.drain()
                    return
                writer.write(b"+OK Logged in.\r\n")
            elif word == b"STAT":
                writer.write(b"+OK 1 %d\r\n" % len(message(size, seed)))
            elif word == b"LIST":
                writer.write(b"+OK 1 messages:\r\n1 %d\r\n.\r\n" % len(message(size, seed)))
            elif word == b"RETR":
                reply = retr_reply(size, seed)
                if kind == "stall":
                    await reader.read()  # until the proxy gives up and closes
                    return
                if kind == "reset":
                    writer.write(reply[: len(reply) // 2])
                    await writer.drain()
                    await asyncio.sleep(0.05)
                    reset(writer)
                    return
                writer.write(reply)
            elif word == b"NOOP":
                writer.write(b"+OK\r\n")
            elif word == b"QUIT":
                writer.write(b"+OK Logging out.\r\n")
                await writer.drain()
                return
            else:
                writer.write(b"-ERR Unknown command\r\n")
            await writer.drain()
