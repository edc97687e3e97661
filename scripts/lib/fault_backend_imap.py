"""A scripted IMAP backend with faults, for scripts/proxy_faults_test.py (fault_backend.py's IMAP
sibling: the same `KIND.SIZE.SEED` logins, messages and PASSWORD). Python 3 stdlib, asyncio.

It expects the login as nginx sends it, whatever the client used (ngx_mail_proxy_imap_handler):
`TAG LOGIN {L}`, `+`, `LOGIN {P}`, `+`, `PASSWORD`; any other first command is refused with BAD,
so a proxy that logs in differently fails the healthy sessions. KIND:

  ok           INBOX has one message, message(SIZE, SEED); SELECT, FETCH 1 BODY[], NOOP, LOGOUT
  refuse       the login gets `TAG NO [AUTHENTICATIONFAILED] Authentication failed.`, then the close
  hangup       a TCP RST once the login literal has arrived (before the password's `+`)
  slow         the password's `+` comes after fault_backend.SLOW_LOGIN seconds
  mute         the password's `+` never comes (the proxy's `timeout` ends the login)
  reset        FETCH sends half of its reply, then a TCP RST
  stall        FETCH is never answered (the proxy's `proxy_timeout` ends the relay)
"""

import asyncio
import re

import fault_backend
from fault_backend import SLOW_LOGIN, message, parse_login, reset

GREETING = b"* OK fault backend ready\r\n"
LITERAL = re.compile(rb"\{(\d+)\}\r\n$")


def refusal(tag):
    return tag + b" NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"


def logged_in(tag):
    return tag + b" OK [CAPABILITY IMAP4rev1] Logged in\r\n"


def fetch_reply(tag, size, seed):
    """The whole FETCH 1 BODY[] reply: the message as one literal, then the tagged OK."""
    text = message(size, seed)
    return (b"* 1 FETCH (BODY[] {%d}\r\n" % len(text) + text + b")\r\n" + tag
            + b" OK Fetch completed.\r\n")


def select_reply(tag):
    return b"* 1 EXISTS\r\n* 0 RECENT\r\n" + tag + b" OK [READ-WRITE] Select completed.\r\n"


def logout_reply(tag):
    return b"* BYE Logging out\r\n" + tag + b" OK Logout completed.\r\n"


class Backend(fault_backend.Server):

    async def login(self, reader, writer):
        """nginx's LOGIN with two synchronizing literals: (tag, kind, size, seed), or None after a
        fault that ends the session."""
        writer.write(GREETING)
        await writer.drain()
        line = await reader.readline()
        tag, _, rest = line.partition(b" ")
        m = LITERAL.search(rest)
        if not rest.upper().startswith(b"LOGIN {") or not m:
            writer.write(tag + b" BAD expected nginx's LOGIN with literals\r\n")
            return None
        writer.write(b"+ OK\r\n")
        await writer.drain()
        login = await reader.readexactly(int(m.group(1)))
        kind, size, seed = parse_login(login.decode("latin-1"))
        rest = await reader.readline()
        m = re.fullmatch(rb" \{(\d+)\}\r\n", rest)
        if kind == "hangup":
            reset(writer)
            return None
        if kind == "mute":
            await reader.read()  # until the proxy gives up and closes
            return None
        if kind == "slow":
            await asyncio.sleep(SLOW_LOGIN)
        if not m:
            writer.write(tag + b" BAD expected a password literal\r\n")
            return None
        writer.write(b"+ OK\r\n")
        await writer.drain()
        password = await reader.readexactly(int(m.group(1)))
        if await reader.readline() != b"\r\n":
            writer.write(tag + b" BAD expected CRLF after the password\r\n")
            return None
        if kind == "refuse" or password.decode("latin-1") != fault_backend.PASSWORD:
            writer.write(refusal(tag))
            await writer.drain()
            return None
        writer.write(logged_in(tag))
        await writer.drain()
        return kind, size, seed

    async def dialogue(self, reader, writer):
        session = await self.login(reader, writer)
        if session is None:
            return
        kind, size, seed = session
        while True:
            line = await reader.readline()
            if not line:
                return
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            word = rest.split(b" ", 1)[0].upper()
            if word == b"SELECT":
                writer.write(select_reply(tag))
            elif word == b"FETCH":
                reply = fetch_reply(tag, size, seed)
                if kind == "stall":
                    await reader.read()
                    return
                if kind == "reset":
                    writer.write(reply[: len(reply) // 2])
                    await writer.drain()
                    await asyncio.sleep(0.05)
                    reset(writer)
                    return
                writer.write(reply)
            elif word == b"NOOP":
                writer.write(tag + b" OK NOOP completed.\r\n")
            elif word == b"LOGOUT":
                writer.write(logout_reply(tag))
                await writer.drain()
                return
            else:
                writer.write(tag + b" BAD Unknown command\r\n")
            await writer.drain()
