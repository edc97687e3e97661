"""The IMAP rows of the fault matrix (scripts/proxy_faults_test.py; fault_scenarios.py has POP3's and
the conventions): the same faults through the IMAP servers of testdata/faults/nginx.conf, each
asserting nginx 1.22.1's bytes (ngx_mail_imap_handler.c, ngx_mail_proxy_imap_handler).
"""

import asyncio

import fault_backend_imap as backend
import fault_client as fc
from fault_backend import PASSWORD
from fault_client import Fail
import fault_scenarios as fs
from fault_scenarios import ALERT, CLIENT_GONE, DONE, GARBAGE_RECORD, SLACK, Fault

GREETING = b"* OK IMAP4 ready\r\n"
OK = b" OK completed\r\n"
BAD = b" BAD invalid command\r\n"
INTERNAL = b"* BAD internal server error\r\n"  # untagged (ngx_mail_auth_http_handler)
BYE = b"* BYE\r\n"


async def connect(x, which="imap", tls=False, greeting=True):
    await x.connect(x.s.ports[which], tls=tls, greeting=GREETING if greeting else None)


async def login(x, kind, size=0, seed=0, tag=b"a"):
    await x.send(tag + b" LOGIN %s.%d.%d %s\r\n" % (kind.encode(), size, seed, PASSWORD.encode()))


async def starttls(x, tag=b"s"):
    await x.command(tag + b" STARTTLS\r\n", tag + OK)
    await asyncio.wait_for(x.writer.start_tls(fc.tls_context()), fc.WAIT)


async def logout(x, tag=b"z"):
    # nginx's own LOGOUT before login (ngx_mail_imap_logout)
    await x.command(tag + b" LOGOUT\r\n", BYE + tag + OK)
    await x.closed()


# ---- healthy sessions ----------------------------------------------------------------------------
async def healthy(x, which="imap", tls=False, stls=False, authenticate=False):
    """LOGIN (or AUTHENTICATE PLAIN), SELECT, FETCH of a message of the session's size, LOGOUT:
    every reply after the login is the backend's, byte for byte."""
    size = fc.size_for(x.index)
    await connect(x, which, tls)
    if stls:
        await starttls(x)
    await x.hold()
    if authenticate:
        await x.command(b"a AUTHENTICATE PLAIN\r\n", b"+ \r\n")
        await x.send(fc.plain_auth(f"ok.{size}.{x.index}") + b"\r\n")
    else:
        await login(x, "ok", size, x.index)
    await x.expect(backend.logged_in(b"a"))
    await x.command(b"b SELECT INBOX\r\n", backend.select_reply(b"b"))
    await x.command(b"c FETCH 1 BODY[]\r\n", backend.fetch_reply(b"c", size, x.index))
    await x.command(b"d LOGOUT\r\n", backend.logout_reply(b"d"))
    await x.closed()


async def imap_healthy_plain(x):
    await healthy(x)


async def imap_healthy_tls(x):
    await healthy(x, "imaps", tls=True)


async def imap_healthy_starttls(x):
    await healthy(x, stls=True)


async def imap_healthy_authenticate(x):
    await healthy(x, authenticate=True)


async def imap_pipelined_login(x):
    # LOGIN, SELECT and LOGOUT in one write: the lines behind LOGIN reach the backend after it.
    await connect(x)
    await x.hold()
    await x.send(b"a LOGIN ok.50.%d %s\r\nb SELECT INBOX\r\nd LOGOUT\r\n"
                 % (x.index, PASSWORD.encode()))
    await x.expect(backend.logged_in(b"a") + backend.select_reply(b"b") + backend.logout_reply(b"d"))
    await x.closed()


async def imap_login_literals(x):
    # LOGIN with two synchronizing literals: `+ OK` for each, then the backend's OK.
    await connect(x)
    await x.hold()
    login = b"ok.700.%d" % x.index
    await x.command(b"a LOGIN {%d}\r\n" % len(login), b"+ OK\r\n")
    await x.command(login + b" {%d}\r\n" % len(PASSWORD), b"+ OK\r\n")
    await x.command(PASSWORD.encode() + b"\r\n", backend.logged_in(b"a"))
    await x.command(b"c FETCH 1 BODY[]\r\n", backend.fetch_reply(b"c", 700, x.index))
    await x.command(b"d LOGOUT\r\n", backend.logout_reply(b"d"))
    await x.closed()


# ---- backend and auth_http faults ----------------------------------------------------------------
async def login_fault(x, kind, reply=INTERNAL, which="imap"):
    await connect(x, which)
    await x.hold()
    await login(x, kind, 100, x.index)
    sent = x.sent_at
    await x.expect(reply)
    await x.closed(since=sent)


async def imap_backend_refuses(x):
    await login_fault(x, "refuse")


async def imap_backend_refuses_passerr(x):
    await login_fault(x, "refuse", backend.refusal(b"a"), "imap_passerr")


async def imap_backend_hangs_up(x):
    await login_fault(x, "hangup")


async def imap_backend_mute(x):
    await login_fault(x, "mute")


async def imap_backend_dead(x):
    await login_fault(x, "dead")


async def imap_backend_reset_mid_fetch(x):
    size = 300_000
    await connect(x)
    await x.hold()
    await login(x, "reset", size, x.index)
    await x.expect(backend.logged_in(b"a"))
    await x.send(b"c FETCH 1 BODY[]\r\n")
    want = backend.fetch_reply(b"c", size, x.index)
    got = bytearray()
    while chunk := await x.read(1 << 20):
        got += chunk
    if not (len(got) < len(want) and want.startswith(got)):
        raise Fail(f"{len(got)} bytes, not a strict prefix of the {len(want)}-byte reply")


async def imap_backend_stalls(x):
    # FETCH pipelined behind LOGIN (see smtp_backend_stalls).
    await connect(x, "imap_passerr")
    await x.hold()
    await x.send(b"a LOGIN stall.1000.%d %s\r\nc FETCH 1 BODY[]\r\n" % (x.index, PASSWORD.encode()))
    sent = x.sent_at
    await x.expect(backend.logged_in(b"a"))
    await x.closed(since=sent)


async def imap_auth_500(x):
    await login_fault(x, "e500")


async def imap_auth_garbage(x):
    await login_fault(x, "garbage")


async def imap_auth_hang(x):
    await login_fault(x, "hang")


async def imap_auth_close(x):
    await login_fault(x, "close")


async def imap_auth_half(x):
    await login_fault(x, "half")


async def imap_auth_deny(x):
    await login_fault(x, "deny", b"a NO Invalid login or password\r\n")


# ---- client disconnects --------------------------------------------------------------------------
async def imap_reset_before_greeting(x):
    await connect(x, greeting=False)
    await x.hold()
    x.abort()


async def imap_gone_mid_authenticate(x):
    await connect(x)
    await x.hold()
    await x.command(b"a AUTHENTICATE LOGIN\r\n", b"+ VXNlcm5hbWU6\r\n")
    x.abort()


async def imap_gone_during_auth_http(x):
    await connect(x)
    await x.hold()
    await login(x, "authslow")
    await asyncio.sleep(0.3)
    x.abort()


async def imap_gone_during_backend_login(x):
    await connect(x)
    await x.hold()
    await login(x, "slow")
    await asyncio.sleep(0.5)
    x.abort()


async def imap_gone_mid_fetch(x):
    size = 4 << 20
    await connect(x)
    await x.hold()
    await login(x, "ok", size, x.index)
    await x.expect(backend.logged_in(b"a"))
    await x.send(b"c FETCH 1 BODY[]\r\n")
    await x.read(65536)
    x.abort()


async def imap_gone_during_starttls(x):
    await connect(x)
    await x.hold()
    await x.command(b"s STARTTLS\r\n", b"s" + OK)
    await x.send(bytes.fromhex("160301"))
    x.abort()


# ---- hostile client input ------------------------------------------------------------------------
async def imap_overlong_line(x):
    # 5000 bytes in the 4096-byte imap_client_buffer (the default on 4 KiB pages): BAD, close.
    await connect(x)
    await x.hold()
    await x.command(b"a NOOP " + b"x" * 5000 + b"\r\n", b"a" + BAD)
    await x.closed()


async def imap_nul_bytes(x):
    # A NUL is an atom byte like any other, but never a tag or command byte.
    await connect(x)
    await x.hold()
    await x.command(b"a NOOP\0\r\n", b"a" + BAD)
    await x.command(b"b NO\0OP\r\n", b"b" + BAD)
    await x.command(b"\0\0\0\0\r\n", b"*" + BAD)
    await x.command(b"c NOOP a\0b\r\n", b"c" + OK)
    await logout(x)


async def imap_invalid_base64(x):
    await connect(x)
    await x.hold()
    await x.command(b"a AUTHENTICATE PLAIN !!!not-base64!!!\r\n", b"a" + BAD)
    await x.command(b"b AUTHENTICATE LOGIN\r\n", b"+ VXNlcm5hbWU6\r\n")
    # nginx 1.22.1 answers a bad username of AUTHENTICATE LOGIN without any tag (not even `*`):
    # the tag is the continuation line's, which is empty (ngx_mail_imap_auth_state).
    await x.command(b"$$$$\r\n", BAD[1:])
    await x.command(b"c AUTHENTICATE PLAIN\r\n", b"+ \r\n")
    await x.command(b"*\r\n", b"c" + BAD)  # no cancel in 1.22.1: `*` is bad base64
    await logout(x)


async def imap_pipelined_prelogin(x):
    # 9-byte lines: 455 fit in the 4096-byte buffer, the 456th straddles its end: too long. The
    # close with unread input is a RST: the client sees a prefix of the replies.
    await connect(x)
    await x.hold()
    await x.send(b"ab NOOP\r\n" * 10_000)
    want = b"ab" + OK
    want = want * 455 + b"*" + BAD
    got = bytearray()
    while chunk := await x.read(65536):
        got += chunk
    if not want.startswith(got) or len(got) > len(want):
        raise Fail(f"got {fc.short(bytes(got[-80:]))} ({len(got)} bytes), not a prefix of 455 OK "
                   "and BAD")


async def imap_slowloris(x):
    await connect(x)
    await x.hold()
    closer = asyncio.ensure_future(x.closed(x.s.timeout + SLACK + fc.WAIT, since=x.connect_at))
    for byte in b"a NOOP " + b"x" * 100:
        if closer.done():
            break
        try:
            await x.send(bytes([byte]))
        except (ConnectionError, asyncio.TimeoutError):
            break
        await asyncio.wait([closer], timeout=1.0)
    await closer


async def imap_tls_garbage(x):
    await connect(x, "imaps", greeting=False)
    await x.hold()
    await x.command(GARBAGE_RECORD, ALERT)
    await x.closed()


async def imap_starttls_injection(x):
    # The LOGIN pipelined behind STARTTLS is discarded: the next reply is the NOOP's.
    await connect(x)
    await x.hold()
    await x.command(b"s STARTTLS\r\nb LOGIN ok.0.0 " + PASSWORD.encode() + b"\r\n", b"s" + OK)
    await asyncio.wait_for(x.writer.start_tls(fc.tls_context()), fc.WAIT)
    await x.command(b"c NOOP\r\n", b"c" + OK)
    await logout(x)


INTERNAL_TEXT = "`* BAD internal server error`, close"
REFUSED = r"NO \[AUTHENTICATIONFAILED\] Authentication failed\."  # the text after the tag
MATRIX = [
    Fault("IMAP healthy: LOGIN, SELECT, FETCH (50 B - 4 MiB), LOGOUT", imap_healthy_plain, True,
          "the backend's tagged OK, its SELECT and FETCH replies byte for byte, LOGOUT, close",
          None, DONE),
    Fault("IMAP healthy: implicit TLS (`listen ssl`)", imap_healthy_tls, True, "as above, over TLS",
          None, DONE),
    Fault("IMAP healthy: STARTTLS then LOGIN", imap_healthy_starttls, True,
          "`s OK completed`, then as above", None, DONE),
    Fault("IMAP healthy: AUTHENTICATE PLAIN", imap_healthy_authenticate, True, "`+ `, then as above",
          None, DONE),
    Fault("IMAP healthy: LOGIN, SELECT, LOGOUT in one write", imap_pipelined_login, True,
          "the backend's replies to all three", None, DONE),
    Fault("IMAP healthy: LOGIN with literals", imap_login_literals, True,
          "`+ OK` for each literal, then the backend's OK and FETCH reply", None, DONE),
    Fault("IMAP: backend refuses the login (NO)", imap_backend_refuses, False, INTERNAL_TEXT, None,
          fs.log_upstream_invalid("error", REFUSED)),
    Fault("IMAP: backend refuses, proxy_pass_error_message on", imap_backend_refuses_passerr, False,
          "the backend's `a NO [AUTHENTICATIONFAILED] ...` verbatim, close", None,
          fs.log_upstream_invalid("info", REFUSED)),
    Fault("IMAP: backend resets at the login literal", imap_backend_hangs_up, False, INTERNAL_TEXT,
          None, fs.LOG_UPSTREAM_RESET),
    Fault("IMAP: backend never answers the login literal", imap_backend_mute, False,
          "`* BAD internal server error` `timeout` after LOGIN, close", "timeout",
          r"\[info\] .*upstream timed out \(110: Connection timed out\) while sending user name "
          r"to upstream"),
    Fault("IMAP: auth_http names a dead backend", imap_backend_dead, False, INTERNAL_TEXT, None,
          fs.LOG_UPSTREAM_REFUSED),
    Fault("IMAP: backend resets mid-FETCH", imap_backend_reset_mid_fetch, False,
          "a strict prefix of the FETCH reply, then the close", None, fs.LOG_RELAY_UPSTREAM_RESET),
    Fault("IMAP: backend stalls after FETCH", imap_backend_stalls, False,
          "no reply to FETCH; close `proxy_timeout` after the relay began", "proxy_timeout",
          fs.LOG_IDLE),
    Fault("IMAP: auth_http answers HTTP 500", imap_auth_500, False, INTERNAL_TEXT, None,
          fs.LOG_AUTH_500),
    Fault("IMAP: auth_http sends garbage headers", imap_auth_garbage, False, INTERNAL_TEXT, None,
          fs.LOG_AUTH_GARBAGE),
    Fault("IMAP: auth_http never answers", imap_auth_hang, False,
          "`* BAD internal server error` `auth_http_timeout` after LOGIN, close", "auth_timeout",
          fs.LOG_AUTH_TIMEOUT),
    Fault("IMAP: auth_http closes without answering", imap_auth_close, False, INTERNAL_TEXT, None,
          None),
    Fault("IMAP: auth_http closes mid-header", imap_auth_half, False, INTERNAL_TEXT, None, None),
    Fault("IMAP: auth_http refuses", imap_auth_deny, False,
          "`a NO Invalid login or password`, close", None, fs.LOG_DENIED),
    Fault("IMAP: client resets before reading the greeting", imap_reset_before_greeting, False,
          "-", None, fs.LOG_CLIENT_RESET),
    Fault("IMAP: client resets in AUTHENTICATE LOGIN", imap_gone_mid_authenticate, False, "-",
          None, fs.LOG_CLIENT_RESET),
    Fault("IMAP: client resets during the auth_http request", imap_gone_during_auth_http, False,
          "-", None, CLIENT_GONE),
    # As POP3's: the reset is seen when the relay starts, or the loaded backend's login times out.
    Fault("IMAP: client resets during the backend login", imap_gone_during_backend_login, False,
          "-", None, CLIENT_GONE + r"|\[info\] .*upstream timed out"),
    Fault("IMAP: client resets mid-FETCH (4 MiB)", imap_gone_mid_fetch, False, "-", None,
          CLIENT_GONE),
    Fault("IMAP: client resets during the STARTTLS handshake", imap_gone_during_starttls, False,
          "-", None, fs.LOG_STARTTLS_GONE),
    Fault("IMAP: overlong line (5000 bytes)", imap_overlong_line, False,
          "`a BAD invalid command`, close", None, fs.LOG_TOO_LONG),
    Fault("IMAP: NUL bytes in commands", imap_nul_bytes, False,
          "`BAD invalid command` for a NUL in the command word or tag (`*` untagged), `OK` for one "
          "in an argument", None, None),
    Fault("IMAP: invalid base64 in AUTHENTICATE PLAIN / LOGIN, `*`", imap_invalid_base64, False,
          "`TAG BAD invalid command` for each, but a bad LOGIN username gets `BAD invalid command` "
          "with no tag at all; the session goes on", None,
          r"\[info\] .*client sent invalid base64 encoding in AUTH LOGIN command while in auth state"),
    Fault("IMAP: 10,000 pipelined NOOPs before login", imap_pipelined_prelogin, False,
          "455 `ab OK completed`, `* BAD invalid command` (a line straddles the 4096-byte buffer), "
          "close with RST (the client sees a prefix)", None, fs.LOG_TOO_LONG),
    Fault("IMAP: slowloris", imap_slowloris, False,
          "nothing; close `timeout` after the greeting", "timeout", fs.LOG_CLIENT_TIMEOUT),
    Fault("IMAP: TLS handshake garbage on a `listen ssl` port", imap_tls_garbage, False,
          "a fatal `unexpected_message` alert, close", None, fs.LOG_TLS_GARBAGE),
    Fault("IMAP: STARTTLS with an injected LOGIN behind it", imap_starttls_injection, False,
          "`s OK completed`; the LOGIN is discarded: the next reply is the NOOP's", None, None),
]
