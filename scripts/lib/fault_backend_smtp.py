"""A scripted SMTP backend with faults, for scripts/proxy_faults_test.py (fault_backend.py's SMTP
sibling: the same `KIND.SIZE.SEED` logins and messages). Python 3 stdlib, asyncio.

It expects the login as nginx 1.22.1 sends it with `xclient on` (ngx_mail_proxy_smtp_handler):
`EHLO <server_name>`, `XCLIENT ADDR=127.0.0.1 LOGIN=<login> NAME=[UNAVAILABLE]` (no resolver), then
`EHLO <the client's EHLO argument>`; anything else is refused with 554, so a proxy that logs in
differently fails the healthy sessions. The login names the session's message: DATA must bring
message(SIZE, SEED), and the reply names the SHA-256 of what arrived (`queued as` its first 16 hex
digits), so the client can tell that the relay kept every byte. KIND:

  ok           MAIL, RCPT, DATA (checked as above), NOOP, RSET, QUIT
  refuse       XCLIENT gets `550 5.7.0 xclient denied` (the proxy must not log in)
  hangup       XCLIENT is answered with a TCP RST
  slow         XCLIENT is answered after fault_backend.SLOW_LOGIN seconds
  mute         XCLIENT is never answered (the proxy's `timeout` ends the login)
  reset        DATA: `354`, then a TCP RST once half of the message has arrived
  stall        DATA is never answered (the proxy's `proxy_timeout` ends the relay)
"""

import asyncio
import functools
import hashlib
import re

import fault_backend
from fault_backend import SLOW_LOGIN, message, parse_login, reset

SERVER_NAME = b"mail.example.test"  # testdata/faults/nginx.conf
GREETING = b"220 fault backend ESMTP\r\n"
EHLO_REPLY = b"250-backend.test\r\n250-PIPELINING\r\n250 XCLIENT ADDR LOGIN NAME\r\n"
XCLIENT = re.compile(rb"XCLIENT ADDR=127\.0\.0\.1 LOGIN=(\S+) NAME=\[UNAVAILABLE\]\r\n")
REFUSAL = b"550 5.7.0 xclient denied\r\n"
UNEXPECTED = b"554 5.5.1 fault backend: not what nginx sends\r\n"


@functools.lru_cache(maxsize=32)
def stuffed(text):
    """The DATA transfer of `text` (CRLF lines): dot-stuffed (RFC 5321 4.5.2), then `.`."""
    return (b"\r\n" + text).replace(b"\r\n.", b"\r\n..")[2:] + b".\r\n"


def queued(size, seed):
    """The backend's reply to the end of DATA when message(size, seed) arrived intact."""
    digest = hashlib.sha256(message(size, seed)).hexdigest()[:16]
    return b"250 2.0.0 Ok: queued as %s\r\n" % digest.encode()


class Backend(fault_backend.Server):

    async def login(self, reader, writer):
        """EHLO, XCLIENT, EHLO as nginx sends them: (kind, size, seed), or None after a fault."""
        writer.write(GREETING)
        await writer.drain()
        if await reader.readline() != b"EHLO " + SERVER_NAME + b"\r\n":
            writer.write(UNEXPECTED)
            return None
        writer.write(EHLO_REPLY)
        await writer.drain()
        m = XCLIENT.fullmatch(await reader.readline())
        if not m:
            writer.write(UNEXPECTED)
            return None
        kind, size, seed = parse_login(m.group(1).decode("latin-1"))
        if kind == "hangup":
            reset(writer)
            return None
        if kind == "mute":
            await reader.read()
            return None
        if kind == "refuse":
            writer.write(REFUSAL)
            await writer.drain()
            return None
        if kind == "slow":
            await asyncio.sleep(SLOW_LOGIN)
        writer.write(b"220 backend.test ESMTP\r\n")  # as Postfix: XCLIENT restarts the session
        await writer.drain()
        if not (await reader.readline()).startswith(b"EHLO "):
            writer.write(UNEXPECTED)
            return None
        writer.write(EHLO_REPLY)
        await writer.drain()
        return kind, size, seed

    async def data(self, reader, writer, kind, size, seed):
        want = stuffed(message(size, seed))
        writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        await writer.drain()
        got = bytearray()
        while not (got.endswith(b"\r\n.\r\n") or got == b".\r\n"):
            line = await reader.readline()
            if not line:
                return False
            got += line
            if kind == "reset" and len(got) >= len(want) // 2:
                reset(writer)
                return False
        text = (b"\r\n" + bytes(got[:-3])).replace(b"\r\n..", b"\r\n.")[2:]
        digest = hashlib.sha256(text).hexdigest()[:16]
        writer.write(b"250 2.0.0 Ok: queued as %s\r\n" % digest.encode())
        return True

    async def dialogue(self, reader, writer):
        session = await self.login(reader, writer)
        if session is None:
            return
        kind, size, seed = session
        while True:
            line = await reader.readline()
            if not line:
                return
            word = line.rstrip(b"\r\n").split(b" ", 1)[0].upper()
            if word == b"MAIL":
                writer.write(b"250 2.1.0 Ok\r\n")
            elif word == b"RCPT":
                writer.write(b"250 2.1.5 Ok\r\n")
            elif word == b"DATA":
                if kind == "stall":
                    await reader.read()
                    return
                if not await self.data(reader, writer, kind, size, seed):
                    return
            elif word in (b"NOOP", b"RSET"):
                writer.write(b"250 2.0.0 Ok\r\n")
            elif word == b"QUIT":
                writer.write(b"221 2.0.0 Bye\r\n")
                await writer.drain()
                return
            else:
                writer.write(b"502 5.5.2 Error: command not recognized\r\n")
            await writer.drain()
