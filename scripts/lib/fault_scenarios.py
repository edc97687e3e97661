"""The fault matrix of scripts/proxy_faults_test.py: every kind of session, what nginx 1.22.1 does
(the expectation, asserted byte for byte by the coroutine), and how many of a mix it gets.

A scenario coroutine gets a fault_client.Session, connects, waits at the barrier (`hold`) at the
point where its fault would happen, so that all sessions are open at once, then injects the fault
and checks the outcome. Timed expectations (`timing`) are (low, high) seconds from the fault to
the close, derived from the configuration's timeouts in Settings.
"""

import asyncio
import collections
import random

import fault_client as fc
from fault_client import ERR, GREETING, INTERNAL, LOGGED_IN, Fail

SLACK = 8.0  # a loaded 2-core machine (auth server, backend and client share it) adds this much


# ---- healthy sessions ----------------------------------------------------------------------------
async def healthy(x, port=None, tls=False, stls=False, auth_plain=False):
    """Login, NOOP, RETR of a message of the session's size, QUIT."""
    size = fc.size_for(x.index)
    await x.connect(port, tls=tls)
    if stls:
        await x.command(b"STLS\r\n", b"+OK\r\n")
        await asyncio.wait_for(x.writer.start_tls(fc.tls_context()), fc.WAIT)
    await x.hold()
    if auth_plain:
        await x.send(b"AUTH PLAIN " + fc.plain_auth(f"ok.{size}.{x.index}") + b"\r\n")
    else:
        await x.login("ok", size, x.index)
    await x.expect(LOGGED_IN)
    await x.command(b"NOOP\r\n", b"+OK\r\n")
    await x.retr(size, x.index)
    await x.quit()


async def healthy_plain(x):
    await healthy(x)


async def healthy_tls(x):
    await healthy(x, x.s.tls, tls=True)


async def healthy_stls(x):
    await healthy(x, stls=True)


async def healthy_auth_plain(x):
    await healthy(x, auth_plain=True)


async def pipelined_relay(x):
    # 10,000 commands in one write after login: the backend answers each, the relay loses none.
    await x.connect()
    await x.hold()
    await x.login("pipe", 100, x.index)
    await x.expect(LOGGED_IN)
    await x.send(b"NOOP\r\n" * 10_000 + b"QUIT\r\n")
    await x.expect(b"+OK\r\n" * 10_000 + b"+OK Logging out.\r\n")
    await x.closed()


# ---- backend faults ------------------------------------------------------------------------------
async def login_fault(x, kind, reply=INTERNAL, port=None):
    """USER/PASS of a faulty login: `reply`, then the close; timed from the PASS."""
    await x.connect(port)
    await x.hold()
    await x.login(kind, 100, x.index)
    sent = x.sent_at
    await x.expect(reply)
    await x.closed(since=sent)


async def backend_refuses(x):
    await login_fault(x, "refuse")


async def backend_refuses_passerr(x):
    await login_fault(x, "refuse", b"-ERR [AUTH] Authentication failed.\r\n", x.s.passerr)


async def backend_hangs_up(x):
    await login_fault(x, "hangup")


async def backend_mute(x):
    await login_fault(x, "mute")  # ends at the backend login's `timeout`


async def backend_dead(x):
    await login_fault(x, "dead")


async def backend_reset_mid_retr(x):
    size = 300_000
    await x.connect()
    await x.hold()
    await x.login("reset", size, x.index)
    await x.expect(LOGGED_IN)
    await x.send(b"RETR 1\r\n")
    want = fc.fault_backend.retr_reply(size, x.index)
    got = b""
    while chunk := await x.read(1 << 20):
        got += chunk
    if not (len(got) < len(want) and want.startswith(got)):
        raise Fail(f"{len(got)} bytes, not a strict prefix of the {len(want)}-byte reply")


async def backend_stalls(x):
    # On the server with the short proxy_timeout; it waits before the login, as a relay that
    # waited idle would be closed by that very timeout.
    await x.connect(x.s.passerr)
    await x.hold()
    await x.login("stall", 1000, x.index)
    await x.expect(LOGGED_IN)
    await x.send(b"RETR 1\r\n")
    await x.closed(since=x.sent_at)


# ---- auth_http faults ----------------------------------------------------------------------------
async def auth_500(x):
    await login_fault(x, "e500")


async def auth_garbage(x):
    await login_fault(x, "garbage")


async def auth_hang(x):
    await login_fault(x, "hang")  # ends at auth_http_timeout


async def auth_close(x):
    await login_fault(x, "close")


async def auth_half(x):
    await login_fault(x, "half")


async def auth_deny(x):
    await login_fault(x, "deny", b"-ERR Invalid login or password\r\n")


# ---- client disconnects at each step -------------------------------------------------------------
async def gone_before_greeting(x):
    await x.connect(greeting=False)
    await x.hold()
    x.close()


async def reset_before_greeting(x):
    await x.connect(greeting=False)
    await x.hold()
    x.abort()


async def gone_mid_user(x):
    await x.connect()
    await x.hold()
    await x.send(b"USER ok.0.")
    x.close()


async def gone_after(x, line, reply):
    await x.connect()
    await x.hold()
    await x.command(line, reply)
    x.abort()


async def gone_after_user(x):
    await gone_after(x, b"USER ok.0.0\r\n", b"+OK\r\n")


async def gone_mid_sasl(x):
    await gone_after(x, b"AUTH LOGIN\r\n", b"+ VXNlcm5hbWU6\r\n")


async def gone_during_login(x, kind, delay):
    # The auth server or the backend takes longer than `delay`: the client leaves meanwhile.
    await x.connect()
    await x.hold()
    await x.login(kind, 0, x.index)
    await asyncio.sleep(delay)
    x.abort()


async def gone_during_auth_http(x):
    await gone_during_login(x, "authslow", 0.3)


async def gone_during_backend_login(x):
    await gone_during_login(x, "slow", 0.5)


async def gone_mid_retr(x):
    size = 4 << 20
    await x.connect()
    await x.hold()
    await x.login("ok", size, x.index)
    await x.expect(LOGGED_IN)
    await x.send(b"RETR 1\r\n")
    await x.read(65536)
    x.abort()


async def gone_during_stls(x):
    await x.connect()
    await x.hold()
    await x.command(b"STLS\r\n", b"+OK\r\n")
    await x.send(bytes.fromhex("160301"))  # the start of a ClientHello record
    x.abort()


async def gone_during_tls_handshake(x):
    await x.connect(x.s.tls, greeting=False)
    await x.hold()
    await x.send(bytes.fromhex("16030100"))
    x.close()


# ---- hostile client input ------------------------------------------------------------------------
async def overlong_line(x):
    # The 128-byte buffer fills: -ERR and the close (docs/nginx-behaviour.md#command-lines).
    await x.connect()
    await x.hold()
    await x.command(b"NOOP " + b"x" * 300 + b"\r\n", ERR)
    await x.closed()


async def nul_bytes(x):
    # A NUL is an argument byte like any other (USER), but no command word has one.
    await x.connect()
    await x.hold()
    await x.command(b"USER a\0b\r\n", b"+OK\r\n")
    await x.command(b"NOOP\0\r\n", ERR)
    await x.command(b"NO\0OP\r\n", ERR)
    await x.command(b"\0\0\0\0\r\n", ERR)
    await x.command(b"QUIT\r\n", b"+OK\r\n")
    await x.closed()


async def invalid_base64(x):
    await x.connect()
    await x.hold()
    await x.command(b"AUTH PLAIN !!!not-base64!!!\r\n", ERR)
    await x.command(b"AUTH LOGIN\r\n", b"+ VXNlcm5hbWU6\r\n")
    await x.command(b"$$$$\r\n", ERR)
    await x.command(b"AUTH LOGIN a\r\n", ERR)  # 1 significant character: invalid (nginx-behaviour.md#sasl-decoding)
    await x.command(b"QUIT\r\n", b"+OK\r\n")
    await x.closed()


async def pipelined_prelogin(x):
    # 21 NOOPs fill 126 of the 128 bytes; the 22nd straddles the window: too long
    # (docs/nginx-behaviour.md#command-lines).
    # The close with unread input is a RST, which may destroy replies not yet read: so the
    # client sees a prefix of those replies (nginx: often only the first `+OK`).
    await x.connect()
    await x.hold()
    await x.send(b"NOOP\r\n" * 10_000)
    want = b"+OK\r\n" * 21 + ERR
    got = b""
    while chunk := await x.read(65536):
        got += chunk
    if not want.startswith(got) or len(got) > len(want):
        raise Fail(f"got {fc.short(got[-80:])} ({len(got)} bytes), not a prefix of 21 +OK and -ERR")


async def slowloris(x):
    # One byte a second of a line that never ends: `timeout` is a deadline from the greeting.
    await x.connect()
    await x.hold()
    closer = asyncio.ensure_future(x.closed(x.s.timeout + SLACK + fc.WAIT, since=x.connect_at))
    for byte in b"NOOP " + b"x" * 100:
        if closer.done():
            break
        try:
            await x.send(bytes([byte]))
        except (ConnectionError, asyncio.TimeoutError):
            break
        await asyncio.wait([closer], timeout=1.0)
    await closer


# A TLS record header (handshake, 80 bytes) with a garbage body: OpenSSL answers with a fatal
# unexpected_message alert (as nginx does: the same library and defaults).
GARBAGE_RECORD = b"\x16\x03\x01\x00\x50" + random.Random(6).randbytes(380)
ALERT = b"\x15\x03\x03\x00\x02\x02\x0a"


async def tls_garbage(x):
    await x.connect(x.s.tls, greeting=False)
    await x.hold()
    await x.command(GARBAGE_RECORD, ALERT)
    await x.closed()


async def plaintext_on_tls(x):
    # Not TLS at all ("wrong version number"): closed without a byte.
    await x.connect(x.s.tls, greeting=False)
    await x.hold()
    await x.send(b"GET / HTTP/1.0\r\n\r\n")
    await x.closed()


async def stls_injection(x):
    # Plaintext pipelined behind STLS is discarded (docs/nginx-behaviour.md#stls): the injected USER never
    # happened, so PASS after the handshake is refused.
    await x.connect()
    await x.hold()
    await x.command(b"STLS\r\nUSER ok.0.0\r\n", b"+OK\r\n")
    await asyncio.wait_for(x.writer.start_tls(fc.tls_context()), fc.WAIT)
    await x.command(b"PASS " + fc.fault_backend.PASSWORD.encode() + b"\r\n", ERR)
    await x.command(b"QUIT\r\n", b"+OK\r\n")
    await x.closed()


# ---- the matrix ----------------------------------------------------------------------------------
# name; coroutine; healthy?; what nginx does; the timeout that ends it (None: none); a regular
# expression for nginx's error_log line about it (searched in the lines of that connection;
# None where nginx writes nothing particular or its line depends on timing, see docs).
Fault = collections.namedtuple("Fault", "name run healthy expected timer log")
DONE = r"\[info\] .*proxied session done"
CLIENT_GONE = (r"\[info\] .*(send|recv)\(\) failed \((104: Connection reset by peer|32: Broken pipe)\)"
               r" while proxying and (sending to|reading from) client")
INTERNAL_TEXT = "`-ERR internal server error`, close"
# nginx's lines that every protocol shares (the IMAP and SMTP rows use them too)
LOG_UPSTREAM_RESET = (r"\[error\] .*recv\(\) failed \(104: Connection reset by peer\) while reading "
                      r"response from upstream")
LOG_UPSTREAM_REFUSED = (r"\[error\] .*recv\(\) failed \(111: Connection refused\) while reading "
                        r"response from upstream")
LOG_RELAY_UPSTREAM_RESET = (r"\[error\] .*recv\(\) failed \(104: Connection reset by peer\) while "
                            r"proxying and reading from upstream")
LOG_IDLE = r"\[info\] .*client timed out \(110: Connection timed out\) while proxying"
LOG_AUTH_500 = (r"\[error\] .*auth http server 127\.0\.0\.1:\d+ did not send server or port while "
                r"in http auth state")
LOG_AUTH_GARBAGE = (r"\[error\] .*auth http server 127\.0\.0\.1:\d+ sent invalid header in response "
                    r"while in http auth state")
LOG_AUTH_TIMEOUT = (r"\[error\] .*auth http server 127\.0\.0\.1:\d+ timed out \(110: Connection "
                    r"timed out\) while in http auth state")
LOG_DENIED = r'\[info\] .*client login failed: "Invalid login or password" while in http auth state'
LOG_CLIENT_RESET = (r"\[info\] .*recv\(\) failed \(104: Connection reset by peer\) while in auth "
                    r"state")
LOG_STARTTLS_GONE = (r"\[info\] .*peer closed connection in SSL handshake \(104: Connection reset by "
                     r"peer\) while in starttls state")
LOG_TOO_LONG = r"\[info\] .*client sent too long command"
LOG_CLIENT_TIMEOUT = (r"\[info\] .*client timed out \(110: Connection timed out\) while in auth "
                      r"state")
LOG_TLS_GARBAGE = (r"\[info\] .*SSL_do_handshake\(\) failed \(SSL: error:0A0000F4:SSL routines::"
                   r"unexpected message\) while SSL handshaking")


def log_upstream_invalid(level, reply):
    """nginx's line for a backend reply it does not accept (`reply`: a regular expression)."""
    return (rf'\[{level}\] .*upstream sent invalid response: "{reply}" while reading response from '
            r"upstream")


MATRIX = [
    Fault("healthy: USER/PASS, RETR (50 B - 4 MiB)", healthy_plain, True,
          "`+OK Logged in.`, RETR relayed byte for byte (SHA-256 equal), QUIT, close", None, DONE),
    Fault("healthy: implicit TLS (`listen ssl`)", healthy_tls, True, "as above, over TLS", None, DONE),
    Fault("healthy: STLS then USER/PASS", healthy_stls, True, "as above, after STLS", None, DONE),
    Fault("healthy: AUTH PLAIN", healthy_auth_plain, True, "as above", None, DONE),
    Fault("healthy: 10,000 pipelined commands after login", pipelined_relay, True,
          "10,000 `+OK` from the backend and its QUIT reply, nothing lost", None, DONE),
    Fault("backend refuses the login (-ERR to PASS)", backend_refuses, False, INTERNAL_TEXT, None,
          r'\[error\] .*upstream sent invalid response: "-ERR \[AUTH\] Authentication failed\." '
          r"while reading response from upstream"),
    Fault("backend refuses, proxy_pass_error_message on", backend_refuses_passerr, False,
          "the backend's `-ERR [AUTH] Authentication failed.` verbatim, close", None,
          r'\[info\] .*upstream sent invalid response: "-ERR \[AUTH\] Authentication failed\." '
          r"while reading response from upstream"),
    Fault("backend resets the connection at USER", backend_hangs_up, False, INTERNAL_TEXT, None,
          r"\[error\] .*recv\(\) failed \(104: Connection reset by peer\) while reading response "
          r"from upstream"),
    Fault("backend never answers USER", backend_mute, False,
          "`-ERR internal server error` `timeout` after the login began, close", "timeout",
          r"\[info\] .*upstream timed out \(110: Connection timed out\) while sending user name "
          r"to upstream"),
    Fault("auth_http redirects to a dead backend (connection refused)", backend_dead, False,
          INTERNAL_TEXT, None,
          r"\[error\] .*recv\(\) failed \(111: Connection refused\) while reading response from "
          r"upstream"),
    Fault("backend resets mid-RETR", backend_reset_mid_retr, False,
          "a strict prefix of the RETR reply, then the close", None,
          r"\[error\] .*recv\(\) failed \(104: Connection reset by peer\) while proxying and "
          r"reading from upstream"),
    Fault("backend stalls after RETR", backend_stalls, False,
          "nothing; close `proxy_timeout` after the RETR", "proxy_timeout",
          r"\[info\] .*client timed out \(110: Connection timed out\) while proxying"),
    Fault("auth_http answers HTTP 500 (no Auth-Status, no server)", auth_500, False, INTERNAL_TEXT,
          None, r"\[error\] .*auth http server 127\.0\.0\.1:\d+ did not send server or port while in "
          r"http auth state"),
    Fault("auth_http sends garbage headers", auth_garbage, False, INTERNAL_TEXT, None,
          r"\[error\] .*auth http server 127\.0\.0\.1:\d+ sent invalid header in response while in "
          r"http auth state"),
    Fault("auth_http never answers", auth_hang, False,
          "`-ERR internal server error` `auth_http_timeout` after PASS, close", "auth_timeout",
          r"\[error\] .*auth http server 127\.0\.0\.1:\d+ timed out \(110: Connection timed out\) "
          r"while in http auth state"),
    Fault("auth_http closes without answering", auth_close, False, INTERNAL_TEXT, None, None),
    Fault("auth_http closes mid-header", auth_half, False, INTERNAL_TEXT, None, None),
    Fault("auth_http refuses (Auth-Status, no Auth-Wait)", auth_deny, False,
          "`-ERR Invalid login or password`, close", None,
          r'\[info\] .*client login failed: "Invalid login or password" while in http auth state'),
    Fault("client closes before reading the greeting", gone_before_greeting, False, "-", None, None),
    Fault("client resets before reading the greeting", reset_before_greeting, False, "-", None,
          r"\[info\] .*recv\(\) failed \(104: Connection reset by peer\) while in auth state"),
    Fault("client closes mid-USER line", gone_mid_user, False, "-", None, None),
    Fault("client resets after USER", gone_after_user, False, "-", None,
          r"\[info\] .*recv\(\) failed \(104: Connection reset by peer\) while in auth state"),
    Fault("client resets in AUTH LOGIN", gone_mid_sasl, False, "-", None,
          r"\[info\] .*recv\(\) failed \(104: Connection reset by peer\) while in auth state"),
    Fault("client resets during the auth_http request", gone_during_auth_http, False, "-", None,
          CLIENT_GONE),
    # Neither nginx nor popcheck reads the client during the backend login: the reset is seen
    # when the relay starts, or, if the loaded backend takes longer than `timeout`, the login
    # times out first.
    Fault("client resets during the backend login", gone_during_backend_login, False, "-", None,
          CLIENT_GONE + r"|\[info\] .*upstream timed out"),
    Fault("client resets mid-RETR (4 MiB)", gone_mid_retr, False, "-", None, CLIENT_GONE),
    Fault("client resets during the STLS handshake", gone_during_stls, False, "-", None,
          r"\[info\] .*peer closed connection in SSL handshake \(104: Connection reset by peer\) "
          r"while in starttls state"),
    Fault("client closes during the `listen ssl` handshake", gone_during_tls_handshake, False, "-",
          None, r"\[info\] .*peer closed connection in SSL handshake while SSL handshaking"),
    Fault("overlong line (300 bytes)", overlong_line, False, "`-ERR invalid command`, close", None,
          r"\[info\] .*client sent too long command"),
    Fault("NUL bytes in commands", nul_bytes, False,
          "`USER a\\0b`: `+OK`; `NOOP\\0`, `NO\\0OP`, `\\0\\0\\0\\0`: `-ERR invalid command`; "
          "QUIT `+OK`", None, None),
    Fault("invalid base64 in AUTH PLAIN / AUTH LOGIN", invalid_base64, False,
          "`-ERR invalid command` for each, session goes on, QUIT `+OK`", None,
          r"\[info\] .*client sent invalid base64 encoding in AUTH PLAIN command while in auth state"),
    Fault("10,000 pipelined NOOPs before login", pipelined_prelogin, False,
          "21 `+OK`, `-ERR invalid command` (a command straddles the 128-byte buffer), close with "
          "RST (the client may lose the replies: a prefix of them)", None,
          r"\[info\] .*client sent too long command"),
    Fault("slowloris: one byte a second, no line end", slowloris, False,
          "nothing; close `timeout` after the greeting", "timeout",
          r"\[info\] .*client timed out \(110: Connection timed out\) while in auth state"),
    Fault("TLS handshake garbage on a `listen ssl` port", tls_garbage, False,
          "a fatal `unexpected_message` alert (`15 03 03 00 02 02 0a`), close", None,
          r"\[info\] .*SSL_do_handshake\(\) failed \(SSL: error:0A0000F4:SSL routines::unexpected "
          r"message\) while SSL handshaking"),
    Fault("plain text (an HTTP request) on a `listen ssl` port", plaintext_on_tls, False,
          "close, no byte", None,
          r"\[info\] .*SSL_do_handshake\(\) failed \(SSL: error:0A00009C:SSL routines::http "
          r"request\) while SSL handshaking"),
    Fault("STLS with injected plaintext behind it", stls_injection, False,
          "`+OK`; the injected USER is discarded: PASS after the handshake gets `-ERR invalid "
          "command`", None, None),
]
