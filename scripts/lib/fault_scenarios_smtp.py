"""The SMTP rows of the fault matrix (scripts/proxy_faults_test.py; fault_scenarios.py has POP3's and
the conventions): the same faults through the SMTP servers of testdata/faults/nginx.conf, each
asserting nginx 1.22.1's bytes (ngx_mail_smtp_handler.c, ngx_mail_proxy_smtp_handler). The
backend (fault_backend_smtp.py) checks nginx's EHLO/XCLIENT/EHLO login and the DATA it receives.
"""

import asyncio
import base64

import fault_backend_smtp as backend
import fault_client as fc
from fault_backend import PASSWORD, message
from fault_client import Fail
import fault_scenarios as fs
from fault_scenarios import ALERT, CLIENT_GONE, DONE, GARBAGE_RECORD, SLACK, Fault

GREETING = b"220 mail.example.test ESMTP ready\r\n"
OK = b"250 2.0.0 OK\r\n"
INVALID = b"500 5.5.1 Invalid command\r\n"
INTERNAL = b"451 4.3.2 Internal server error\r\n"
AUTHENTICATED = b"235 2.0.0 OK\r\n"
BYE = b"221 2.0.0 Bye\r\n"
# The EHLO replies of the config (ngx_mail_smtp_merge_srv_conf): `smtp_auth` is the default
# (plain login); the first server has `starttls on`.
EHLO_STARTTLS = b"250-mail.example.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"
EHLO_TLS = b"250-mail.example.test\r\n250 AUTH PLAIN LOGIN\r\n"
EHLO_PASSERR = EHLO_TLS


def b64(text):
    return base64.b64encode(text.encode())


async def connect(x, which="smtp", tls=False, greeting=True):
    await x.connect(x.s.ports[which], tls=tls, greeting=GREETING if greeting else None)


async def auth_plain(x, kind, size=0, seed=0, ehlo=EHLO_STARTTLS):
    await x.command(b"EHLO client.test\r\n", ehlo)
    await x.send(b"AUTH PLAIN " + fc.plain_auth(f"{kind}.{size}.{seed}") + b"\r\n")


async def starttls(x):
    await x.command(b"STARTTLS\r\n", b"220 2.0.0 Start TLS\r\n")
    await asyncio.wait_for(x.writer.start_tls(fc.tls_context()), fc.WAIT)


async def quit(x):
    await x.command(b"QUIT\r\n", BYE)
    await x.closed()


# ---- healthy sessions ----------------------------------------------------------------------------
async def healthy(x, which="smtp", tls=False, stls=False, auth_login=False):
    """EHLO, AUTH, then MAIL/RCPT/DATA of a message of the session's size and QUIT through the
    relay: the backend's replies byte for byte, its `queued as` naming the message's SHA-256."""
    size = fc.size_for(x.index)
    login = f"ok.{size}.{x.index}"
    await connect(x, which, tls)
    if stls:
        await starttls(x)
    await x.hold()
    await x.command(b"EHLO client.test\r\n", EHLO_TLS if tls or stls else EHLO_STARTTLS)
    if auth_login:
        await x.command(b"AUTH LOGIN\r\n", b"334 VXNlcm5hbWU6\r\n")
        await x.command(b64(login) + b"\r\n", b"334 UGFzc3dvcmQ6\r\n")
        await x.send(b64(PASSWORD) + b"\r\n")
    else:
        await x.send(b"AUTH PLAIN " + fc.plain_auth(login) + b"\r\n")
    await x.expect(AUTHENTICATED)
    await x.command(b"MAIL FROM:<a@example.test>\r\n", b"250 2.1.0 Ok\r\n")
    await x.command(b"RCPT TO:<b@example.test>\r\n", b"250 2.1.5 Ok\r\n")
    await x.command(b"DATA\r\n", b"354 End data with <CR><LF>.<CR><LF>\r\n")
    await x.command(backend.stuffed(message(size, x.index)), backend.queued(size, x.index))
    await quit(x)


async def smtp_healthy_plain(x):
    await healthy(x)


async def smtp_healthy_tls(x):
    await healthy(x, "smtps", tls=True)


async def smtp_healthy_starttls(x):
    await healthy(x, stls=True)


async def smtp_healthy_auth_login(x):
    await healthy(x, auth_login=True)


async def smtp_pipelined_login(x):
    # EHLO, AUTH, MAIL, RCPT in one write: MAIL and RCPT reach the backend after the login.
    await connect(x)
    await x.hold()
    await x.send(b"EHLO client.test\r\nAUTH PLAIN " + fc.plain_auth(f"ok.50.{x.index}")
                 + b"\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n")
    await x.expect(EHLO_STARTTLS + AUTHENTICATED + b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n")
    await quit(x)


# ---- backend and auth_http faults ----------------------------------------------------------------
async def login_fault(x, kind, reply=INTERNAL, which="smtp"):
    await connect(x, which)
    await x.hold()
    await auth_plain(x, kind, 100, x.index, EHLO_PASSERR if which == "smtp_passerr" else EHLO_STARTTLS)
    sent = x.sent_at
    await x.expect(reply)
    await x.closed(since=sent)


async def smtp_backend_refuses(x):
    await login_fault(x, "refuse")


async def smtp_backend_refuses_passerr(x):
    await login_fault(x, "refuse", backend.REFUSAL, "smtp_passerr")


async def smtp_backend_hangs_up(x):
    await login_fault(x, "hangup")


async def smtp_backend_mute(x):
    await login_fault(x, "mute")


async def smtp_backend_dead(x):
    await login_fault(x, "dead")


async def relayed(x, kind, size):
    """Logged in as KIND, MAIL and RCPT done: DATA next."""
    await connect(x)
    await x.hold()
    await auth_plain(x, kind, size, x.index)
    await x.expect(AUTHENTICATED)
    await x.command(b"MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n",
                    b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n")


async def smtp_backend_reset_mid_data(x):
    # The backend resets once half of the message arrived: the client's connection is closed
    # without a reply (its last writes may fail).
    size = 300_000
    await relayed(x, "reset", size)
    await x.command(b"DATA\r\n", b"354 End data with <CR><LF>.<CR><LF>\r\n")
    try:
        await x.send(backend.stuffed(message(size, x.index)))
    except (ConnectionError, asyncio.TimeoutError):
        pass
    await x.closed()


async def smtp_backend_stalls(x):
    # MAIL, RCPT and DATA pipelined behind AUTH, as POP3's RETR follows at once: a loaded client
    # that waited between the replies and DATA would be closed by that very proxy_timeout.
    await connect(x, "smtp_passerr")
    await x.hold()
    await x.command(b"EHLO client.test\r\n", EHLO_PASSERR)
    await x.send(b"AUTH PLAIN " + fc.plain_auth(f"stall.1000.{x.index}")
                 + b"\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n")
    sent = x.sent_at
    await x.expect(AUTHENTICATED + b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n")
    await x.closed(since=sent)


async def smtp_auth_500(x):
    await login_fault(x, "e500")


async def smtp_auth_garbage(x):
    await login_fault(x, "garbage")


async def smtp_auth_hang(x):
    await login_fault(x, "hang")


async def smtp_auth_close(x):
    await login_fault(x, "close")


async def smtp_auth_half(x):
    await login_fault(x, "half")


async def smtp_auth_deny(x):
    await login_fault(x, "deny", b"535 5.7.0 Invalid login or password\r\n")


# ---- client disconnects --------------------------------------------------------------------------
async def smtp_reset_before_greeting(x):
    await connect(x, greeting=False)
    await x.hold()
    x.abort()


async def smtp_gone_mid_auth(x):
    await connect(x)
    await x.hold()
    await x.command(b"AUTH LOGIN\r\n", b"334 VXNlcm5hbWU6\r\n")
    x.abort()


async def smtp_gone_during_auth_http(x):
    await connect(x)
    await x.hold()
    await auth_plain(x, "authslow")
    await asyncio.sleep(0.3)
    x.abort()


async def smtp_gone_during_backend_login(x):
    await connect(x)
    await x.hold()
    await auth_plain(x, "slow")
    await asyncio.sleep(0.5)
    x.abort()


async def smtp_gone_mid_data(x):
    size = 4 << 20
    await relayed(x, "ok", size)
    await x.command(b"DATA\r\n", b"354 End data with <CR><LF>.<CR><LF>\r\n")
    await x.send(backend.stuffed(message(size, x.index))[:65536])
    x.abort()


async def smtp_gone_during_starttls(x):
    await connect(x)
    await x.hold()
    await x.command(b"STARTTLS\r\n", b"220 2.0.0 Start TLS\r\n")
    await x.send(bytes.fromhex("160301"))
    x.abort()


# ---- hostile client input ------------------------------------------------------------------------
async def smtp_overlong_line(x):
    await connect(x)
    await x.hold()
    await x.command(b"NOOP " + b"x" * 5000 + b"\r\n", INVALID)
    await x.closed()


async def smtp_nul_bytes(x):
    # A NUL is an argument byte like any other, never a command byte.
    await connect(x)
    await x.hold()
    await x.command(b"EHLO a\0b\r\n", EHLO_STARTTLS)
    await x.command(b"NOOP\0\r\n", INVALID)
    await x.command(b"NO\0OP\r\n", INVALID)
    await x.command(b"\0\0\0\0\r\n", INVALID)
    await quit(x)


async def smtp_invalid_base64(x):
    await connect(x)
    await x.hold()
    await x.command(b"AUTH PLAIN !!!not-base64!!!\r\n", INVALID)
    await x.command(b"AUTH LOGIN\r\n", b"334 VXNlcm5hbWU6\r\n")
    await x.command(b"$$$$\r\n", INVALID)
    await x.command(b"AUTH PLAIN\r\n", b"334 \r\n")
    await x.command(b"*\r\n", INVALID)  # no cancel in 1.22.1: `*` is bad base64
    await quit(x)


async def smtp_pipelined_prelogin(x):
    # 6-byte lines: 682 fit in the 4096-byte smtp_client_buffer, the 683rd straddles its end.
    await connect(x)
    await x.hold()
    await x.send(b"NOOP\r\n" * 10_000)
    want = OK * 682 + INVALID
    got = bytearray()
    while chunk := await x.read(65536):
        got += chunk
    if not want.startswith(got) or len(got) > len(want):
        raise Fail(f"got {fc.short(bytes(got[-80:]))} ({len(got)} bytes), not a prefix of 682 "
                   "250 and 500")


async def smtp_pipelined_behind_refused_mail(x):
    # At `info`, nginx logs a refused MAIL with the whole buffer's CR and LF turned into '_', in
    # place (ngx_mail_smtp_log_rejected_command): the NOOP behind it loses its line end, is not
    # answered, and runs into the next line (`NOOP__QUIT`: invalid).
    await connect(x)
    await x.hold()
    await x.command(b"MAIL FROM:<a@b>\r\nNOOP\r\n", b"530 5.7.1 Authentication required\r\n")
    await x.command(b"QUIT\r\n", INVALID)
    await quit(x)


async def smtp_slowloris(x):
    await connect(x)
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


async def smtp_tls_garbage(x):
    await connect(x, "smtps", greeting=False)
    await x.hold()
    await x.command(GARBAGE_RECORD, ALERT)
    await x.closed()


async def smtp_starttls_injection(x):
    # The AUTH pipelined behind STARTTLS is discarded: the next reply is the NOOP's.
    await connect(x)
    await x.hold()
    await x.command(b"STARTTLS\r\nAUTH PLAIN " + fc.plain_auth("ok.0.0") + b"\r\n",
                    b"220 2.0.0 Start TLS\r\n")
    await asyncio.wait_for(x.writer.start_tls(fc.tls_context()), fc.WAIT)
    await x.command(b"NOOP\r\n", OK)
    await quit(x)


INTERNAL_TEXT = "`451 4.3.2 Internal server error`, close"
REFUSED = r"550 5\.7\.0 xclient denied"
MATRIX = [
    Fault("SMTP healthy: EHLO, AUTH PLAIN, MAIL/RCPT/DATA (50 B - 4 MiB), QUIT", smtp_healthy_plain,
          True, "`235 2.0.0 OK`, then the backend's replies; the backend got the message intact",
          None, DONE),
    Fault("SMTP healthy: implicit TLS (`listen ssl`)", smtp_healthy_tls, True, "as above, over TLS",
          None, DONE),
    Fault("SMTP healthy: STARTTLS then EHLO, AUTH PLAIN", smtp_healthy_starttls, True,
          "`220 2.0.0 Start TLS`, the EHLO reply without STARTTLS, then as above", None, DONE),
    Fault("SMTP healthy: AUTH LOGIN", smtp_healthy_auth_login, True,
          "`334 VXNlcm5hbWU6`, `334 UGFzc3dvcmQ6`, then as above", None, DONE),
    Fault("SMTP healthy: EHLO, AUTH, MAIL, RCPT in one write", smtp_pipelined_login, True,
          "the EHLO reply, `235 2.0.0 OK`, the backend's MAIL and RCPT replies", None, DONE),
    Fault("SMTP: backend refuses XCLIENT (550)", smtp_backend_refuses, False, INTERNAL_TEXT, None,
          fs.log_upstream_invalid("error", REFUSED)),
    Fault("SMTP: backend refuses, proxy_pass_error_message on", smtp_backend_refuses_passerr, False,
          "the backend's `550 5.7.0 xclient denied` verbatim, close", None,
          fs.log_upstream_invalid("info", REFUSED)),
    Fault("SMTP: backend resets at XCLIENT", smtp_backend_hangs_up, False, INTERNAL_TEXT, None,
          fs.LOG_UPSTREAM_RESET),
    Fault("SMTP: backend never answers XCLIENT", smtp_backend_mute, False,
          "`451 4.3.2 Internal server error` `timeout` after AUTH, close", "timeout",
          r"\[info\] .*upstream timed out \(110: Connection timed out\) while sending XCLIENT "
          r"to upstream"),
    Fault("SMTP: auth_http names a dead backend", smtp_backend_dead, False, INTERNAL_TEXT, None,
          fs.LOG_UPSTREAM_REFUSED),
    Fault("SMTP: backend resets mid-DATA", smtp_backend_reset_mid_data, False,
          "no reply to the message, close", None, fs.LOG_RELAY_UPSTREAM_RESET),
    Fault("SMTP: backend stalls after DATA", smtp_backend_stalls, False,
          "the MAIL and RCPT replies, no reply to DATA; close `proxy_timeout` after the relay began",
          "proxy_timeout", fs.LOG_IDLE),
    Fault("SMTP: auth_http answers HTTP 500", smtp_auth_500, False, INTERNAL_TEXT, None,
          fs.LOG_AUTH_500),
    Fault("SMTP: auth_http sends garbage headers", smtp_auth_garbage, False, INTERNAL_TEXT, None,
          fs.LOG_AUTH_GARBAGE),
    Fault("SMTP: auth_http never answers", smtp_auth_hang, False,
          "`451 4.3.2 Internal server error` `auth_http_timeout` after AUTH, close", "auth_timeout",
          fs.LOG_AUTH_TIMEOUT),
    Fault("SMTP: auth_http closes without answering", smtp_auth_close, False, INTERNAL_TEXT, None,
          None),
    Fault("SMTP: auth_http closes mid-header", smtp_auth_half, False, INTERNAL_TEXT, None, None),
    Fault("SMTP: auth_http refuses", smtp_auth_deny, False,
          "`535 5.7.0 Invalid login or password`, close", None, fs.LOG_DENIED),
    Fault("SMTP: client resets before reading the greeting", smtp_reset_before_greeting, False,
          "-", None, fs.LOG_CLIENT_RESET),
    Fault("SMTP: client resets in AUTH LOGIN", smtp_gone_mid_auth, False, "-", None,
          fs.LOG_CLIENT_RESET),
    Fault("SMTP: client resets during the auth_http request", smtp_gone_during_auth_http, False,
          "-", None, CLIENT_GONE),
    Fault("SMTP: client resets during the backend login", smtp_gone_during_backend_login, False,
          "-", None, CLIENT_GONE + r"|\[info\] .*upstream timed out"),
    Fault("SMTP: client resets mid-DATA (4 MiB)", smtp_gone_mid_data, False, "-", None,
          CLIENT_GONE),
    Fault("SMTP: client resets during the STARTTLS handshake", smtp_gone_during_starttls, False,
          "-", None, fs.LOG_STARTTLS_GONE),
    Fault("SMTP: overlong line (5000 bytes)", smtp_overlong_line, False,
          "`500 5.5.1 Invalid command`, close", None, fs.LOG_TOO_LONG),
    Fault("SMTP: NUL bytes in commands", smtp_nul_bytes, False,
          "`EHLO a\\0b`: the EHLO reply; a NUL in the command word: `500 5.5.1 Invalid command`",
          None, None),
    Fault("SMTP: invalid base64 in AUTH PLAIN / LOGIN, `*`", smtp_invalid_base64, False,
          "`500 5.5.1 Invalid command` for each, the session goes on", None,
          r"\[info\] .*client sent invalid base64 encoding in AUTH LOGIN command while in auth state"),
    Fault("SMTP: 10,000 pipelined NOOPs before login", smtp_pipelined_prelogin, False,
          "682 `250 2.0.0 OK`, `500 5.5.1 Invalid command` (a line straddles the 4096-byte buffer), "
          "close with RST (the client sees a prefix)", None, fs.LOG_TOO_LONG),
    Fault("SMTP: NOOP pipelined behind a refused MAIL", smtp_pipelined_behind_refused_mail, False,
          "`530 5.7.1 Authentication required` only; the next QUIT gets `500 5.5.1 Invalid "
          "command` (the NOOP lost its line end), the one after it `221`", None,
          r'\[info\] .*client was rejected: "MAIL FROM:<a@b>__NOOP__" while in auth state'),
    Fault("SMTP: slowloris", smtp_slowloris, False,
          "nothing; close `timeout` after the greeting", "timeout", fs.LOG_CLIENT_TIMEOUT),
    Fault("SMTP: TLS handshake garbage on a `listen ssl` port", smtp_tls_garbage, False,
          "a fatal `unexpected_message` alert, close", None, fs.LOG_TLS_GARBAGE),
    Fault("SMTP: STARTTLS with an injected AUTH behind it", smtp_starttls_injection, False,
          "`220 2.0.0 Start TLS`; the AUTH is discarded: the next reply is the NOOP's", None, None),
]
