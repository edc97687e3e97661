#!/usr/bin/env python3
"""Real IMAP and SMTP clients through real nginx 1.22.1 and through `popcheck proxy`, with the same
configuration (testdata/proxy/clients-mail/), the same auth_http stub and the same backends: a
private dovecot (IMAP) and the scripted SMTP backend (scripts/lib/smtp_backend.py), which records
what it receives. Each client must work against nginx, and get the same result through popcheck (what it fetched or its exit status and
error text, and for SMTP every byte the backend received, XCLIENT included, once the clients' own
Date/Message-ID values are masked).

Clients: curl imap:// (AUTHENTICATE PLAIN, LOGIN, CRAM-MD5; STARTTLS; imaps://; a wrong
password), Python imaplib (STARTTLS, IMAP4_SSL, CRAM-MD5, a wrong password), fetchmail (IMAP with
STARTTLS); on an IMAP server without CRAM-MD5 (11160/11161): ALPN, curl imap:// (its default
mechanism, LIST, AUTH=LOGIN, STARTTLS, imaps://, a wrong password) and imaplib (LOGIN,
AUTHENTICATE PLAIN, IMAP4_SSL), each login one auth_http request, and popcheck's --backend mode
for IMAP; curl smtp:// (STARTTLS, smtps://, a wrong password), Python smtplib (STARTTLS with its
preferred CRAM-MD5, SMTP_SSL with LOGIN, a wrong password), swaks (STARTTLS, AUTH PLAIN) and msmtp
(STARTTLS, AUTH LOGIN); on an SMTP server with nginx's default smtp_auth (11280/11281): curl
smtp:// (its default mechanism without TLS, --ssl-reqd, smtps://), smtplib (the EHLO features
before and after STARTTLS, LOGIN, a refused AUTH PLAIN) and a relay through smtp_auth none
(11282); and popcheck's --backend mode for SMTP. A client that is not installed is reported as
skipped.

Exit 0 pass, 1 failure, 77 skipped (nginx, its mail module or dovecot missing).
usage: proxy_clients_mail_test.py --popcheck BUILD/popcheck [--only nginx]
"""

import argparse
import imaplib
import os
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402
import auth_stub  # noqa: E402
import dovecot_runner  # noqa: E402
import nginx_runner  # noqa: E402
import proxy_harness as h  # noqa: E402

CASE = os.path.join(h.REPO, "testdata", "proxy", "clients-mail")
IMAP_PLAIN, IMAP_TLS, SMTP_PLAIN, SMTP_TLS = 11143, 11993, 11587, 11465
IMAP_NO_CRAM, IMAP_NO_CRAM_TLS = 11160, 11161
SMTP_DEFAULT, SMTP_DEFAULT_TLS, SMTP_NONE = 11280, 11281, 11282
check = Checks()
MAIL = (b"From: alice@example.test\r\nTo: bob@example.test\r\nSubject: through the proxy\r\n"
        b"\r\nhello\r\n.leading dot\r\n")


def take(backend):
    """Each connection's bytes the scripted SMTP backend received
    since the last call."""
    with backend.lock:
        taken, backend.received[:] = list(backend.received), []
    return taken




def run(argv, stdin=None):
    r = subprocess.run(argv, input=stdin, capture_output=True, timeout=30)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def curl(*args, user="alice:secret"):
    return run(["curl", "-sS", "--max-time", "10", "-k", "-u", user] + list(args))


# Each client returns (works, outcome): `works` judges the client's result against nginx (the
# fetched message, an accepted delivery, the refusal it must get); `outcome` is compared between
# nginx and popcheck.

CLIENTS = []


def client(protocol, program, logins=None):
    """Registers a client; `logins`: the auth_http requests its session must cost (checked for
    the clients that name it)."""
    def register(fn):
        CLIENTS.append((protocol, program, fn.__name__.replace("_", " "), fn))
        if logins is not None:
            LOGINS[fn.__name__.replace("_", " ")] = logins
        return fn
    return register


LOGINS = {}


@client("imap", "curl")
def curl_imap_authenticate_plain(p):
    rc, out, err = curl(f"imap://127.0.0.1:{p[IMAP_PLAIN]}/INBOX;UID=1")
    return rc == 0 and out == h.alice_message(1), (rc, out, err)


@client("imap", "curl")
def curl_imap_login_starttls(p):
    rc, out, err = curl("--ssl-reqd", "--login-options", "AUTH=LOGIN",
                        f"imap://127.0.0.1:{p[IMAP_PLAIN]}/INBOX;UID=2")
    return rc == 0 and out == h.alice_message(2), (rc, out, err)


@client("imap", "curl")
def curl_imap_cram_md5(p):
    rc, out, err = curl("--login-options", "AUTH=CRAM-MD5",
                        f"imap://127.0.0.1:{p[IMAP_PLAIN]}/INBOX;UID=1")
    return rc == 0 and out == h.alice_message(1), (rc, out, err)


@client("imap", "curl")
def curl_imaps(p):
    rc, out, err = curl(f"imaps://127.0.0.1:{p[IMAP_TLS]}/INBOX;UID=2")
    return rc == 0 and out == h.alice_message(2), (rc, out, err)


@client("imap", "curl")
def curl_imap_wrong_password(p):
    rc, out, err = curl(f"imap://127.0.0.1:{p[IMAP_PLAIN]}/INBOX;UID=1", user="alice:wrong")
    return rc == 67, (rc, out, err)  # CURLE_LOGIN_DENIED


def imaplib_session(m, login):
    try:
        login(m)
        typ, count = m.select("INBOX")
        typ2, data = m.fetch("2", "(BODY.PEEK[])")
        m.logout()
        return typ == "OK" and data[0][1] == h.alice_message(2), (typ, count, typ2, data)
    except imaplib.IMAP4.error as e:
        return False, ("error", str(e))


@client("imap", "imaplib", logins=1)
def imaplib_starttls_login(p):
    m = imaplib.IMAP4("127.0.0.1", p[IMAP_PLAIN], timeout=10)
    m.starttls(h.unverified_tls())
    return imaplib_session(m, lambda m: m.login("alice", "secret"))


@client("imap", "imaplib")
def imaplib_ssl_cram_md5(p):
    m = imaplib.IMAP4_SSL("127.0.0.1", p[IMAP_TLS], ssl_context=h.unverified_tls(), timeout=10)
    return imaplib_session(m, lambda m: m.login_cram_md5("alice", "secret"))


@client("imap", "imaplib", logins=1)
def imaplib_wrong_password(p):
    m = imaplib.IMAP4("127.0.0.1", p[IMAP_PLAIN], timeout=10)
    try:
        m.login("alice", "wrong")
        return False, "accepted"
    except imaplib.IMAP4.error as e:
        return str(e) == "b'Invalid login or password'", str(e)  # nginx's NO text, exactly


# The server without CRAM-MD5. curl's outcome here is (exit status, what it fetched).

def alpn(port, offer):
    """The ALPN protocol the server picks from `offer`, or why the handshake failed."""
    ctx = h.unverified_tls()
    ctx.set_alpn_protocols(offer)
    try:
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10)) as s:
            return s.selected_alpn_protocol()
    except (ssl.SSLError, OSError) as e:
        return f"handshake failed: {type(e).__name__}"


@client("imap", "alpn")
def alpn_imap_offered(p):
    got = alpn(p[IMAP_NO_CRAM_TLS], ["pop3", "imap"])
    return got == "imap", got


@client("imap", "alpn")
def alpn_without_imap(p):
    got = alpn(p[IMAP_NO_CRAM_TLS], ["pop3"])
    return got.startswith("handshake failed"), got


def curl_fetch(p, port, uid, *options, user="alice:secret"):
    rc, out, _ = curl(*options, f"imap://127.0.0.1:{p[port]}/INBOX;UID={uid}", user=user)
    return (rc, out) == (0, h.alice_message(uid)), (rc, out)


@client("imap", "curl", logins=1)
def curl_imap_default_mechanism(p):
    return curl_fetch(p, IMAP_NO_CRAM, 1)


@client("imap", "curl", logins=1)
def curl_imap_list(p):
    rc, out, _ = curl(f"imap://127.0.0.1:{p[IMAP_NO_CRAM]}/")
    return rc == 0 and b"INBOX" in out, (rc, out)


@client("imap", "curl", logins=1)
def curl_imap_starttls_default_mechanism(p):
    return curl_fetch(p, IMAP_NO_CRAM, 2, "--ssl-reqd")


@client("imap", "curl", logins=1)
def curl_imaps_default_mechanism(p):
    rc, out, _ = curl(f"imaps://127.0.0.1:{p[IMAP_NO_CRAM_TLS]}/INBOX;UID=2")
    return (rc, out) == (0, h.alice_message(2)), (rc, out)


@client("imap", "curl", logins=1)
def curl_imap_auth_login(p):
    return curl_fetch(p, IMAP_NO_CRAM, 1, "--login-options", "AUTH=LOGIN")


@client("imap", "curl", logins=1)
def curl_imap_default_mechanism_wrong_password(p):
    rc, _, _ = curl(f"imap://127.0.0.1:{p[IMAP_NO_CRAM]}/INBOX;UID=1", user="alice:wrong")
    return rc != 0, rc


def imaplib_full_session(connect, login):
    """The login outcome, then SELECT, FETCH of message 2 and LOGOUT, or the error."""
    try:
        m = connect()
        try:
            login(m)
            typ, data = m.select("INBOX")
            out = [typ, data]
            typ, data = m.fetch("2", "(BODY.PEEK[])")
            out += [typ, data[0][1] if data and isinstance(data[0], tuple) else data]
            out.append(m.logout()[0])
            return out[3:] == [h.alice_message(2), "BYE"], out
        except imaplib.IMAP4.error as e:
            return False, ["error", str(e)]
    except OSError as e:
        return False, ["oserror", type(e).__name__]


@client("imap", "imaplib", logins=1)
def imaplib_login(p):
    return imaplib_full_session(lambda: imaplib.IMAP4("127.0.0.1", p[IMAP_NO_CRAM], timeout=10),
                                lambda m: m.login("alice", "secret"))


@client("imap", "imaplib", logins=1)
def imaplib_authenticate_plain(p):
    return imaplib_full_session(lambda: imaplib.IMAP4("127.0.0.1", p[IMAP_NO_CRAM], timeout=10),
                                lambda m: m.authenticate("PLAIN", lambda _: b"\0alice\0secret"))


@client("imap", "imaplib", logins=1)
def imaplib_ssl_login(p):
    return imaplib_full_session(
        lambda: imaplib.IMAP4_SSL("127.0.0.1", p[IMAP_NO_CRAM_TLS], ssl_context=h.unverified_tls(),
                                  timeout=10),
        lambda m: m.login("alice", "secret"))


def imap_backend_mode(popcheck, tmp, imap_port):
    """--backend: no auth server; the client's LOGIN goes straight to dovecot."""
    conf = os.path.join(tmp, "backend.conf")
    port = h.free_port()
    with open(conf, "w") as fh:
        fh.write(f"load_module {nginx_runner.MAIL_MODULE};\nevents {{}}\nerror_log stderr info;\n"
                 f"mail {{ server {{ listen 127.0.0.1:{port}; protocol imap; "
                 "imap_auth plain cram-md5; } }\n")
    proc = h.Popcheck(popcheck, conf, [port], ["--backend", f"127.0.0.1:{imap_port}"])
    proc.start()
    try:
        m = imaplib.IMAP4("127.0.0.1", port, timeout=10)
        check("--backend: CRAM-MD5 not advertised", "AUTH=CRAM-MD5" not in m.capabilities,
              repr(m.capabilities))
        m.login("alice", "secret")
        check("--backend: LOGIN straight to dovecot", m.select("INBOX")[0] == "OK")
        m.logout()
        # EXTERNAL with an initial response is always taken by nginx's front end, but there is
        # no password to log in with: a refused login.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            f = raw.makefile("rb")
            f.readline()
            raw.sendall(b"x AUTHENTICATE EXTERNAL YWxpY2U=\r\n")
            reply = f.readline()
        check("--backend: EXTERNAL refused as a failed login",
              reply == b"x NO no auth server to check this login (popcheck proxy --backend)\r\n",
              repr(reply))
    finally:
        check("--backend: exit 0", proc.stop() == 0)
    logs = proc.log()
    check("--backend: start-up warning about cram-md5", "enables cram-md5" in logs, logs[-800:])


@client("imap", "fetchmail")
def fetchmail_imap_starttls(p):
    tmp = tempfile.mkdtemp(prefix="popcheck-fetchmail-")
    try:
        rc_file = os.path.join(tmp, "fetchmailrc")
        box = os.path.join(tmp, "box")
        with open(rc_file, "w") as fh:
            fh.write(f'poll 127.0.0.1 service {p[IMAP_PLAIN]} protocol IMAP auth password\n'
                     f'  user "alice" password "secret" keep fetchall sslproto "TLS1.2+"\n'
                     f'  no sslcertck mda "/bin/sh -c \'cat >> {box}\'"\n')
        os.chmod(rc_file, 0o600)
        rc, out, err = run(["fetchmail", "-f", rc_file, "--idfile", os.path.join(tmp, "ids"),
                            "--pidfile", os.path.join(tmp, "pid"), "--nosyslog"],
                           stdin=b"")
        got = open(box, "rb").read() if os.path.exists(box) else b""
        # fetchmail adds a Received: line naming its run: keep only the messages' own lines
        got = re.sub(rb"(?m)^Received: from .*\r?\n(?:[ \t].*\r?\n)*", b"", got)
        bodies = got.replace(b"\r\n", b"\n")
        want = all(h.alice_message(n).replace(b"\r\n", b"\n") in bodies for n in (1, 2))
        return rc == 0 and want, (rc, bodies)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def smtp_ok(sessions, sender, mail=MAIL):
    """One backend session that got the envelope (smtplib writes its verbs in lower case) and
    the message, dot-stuffed."""
    verb = re.compile(rb"(?mi)^MAIL FROM:<" + re.escape(sender.encode()) + rb">\r$")
    return (len(sessions) == 1 and verb.search(sessions[0]) is not None
            and mail.replace(b"\r\n.", b"\r\n..") in sessions[0])


MASK = re.compile(rb"(?m)^(Date|Message-Id|Message-ID|X-Mailer): [^\r\n]*")


def masked(sessions):
    return [MASK.sub(lambda m: m.group(1) + b": *", s) for s in sessions]


def with_message(fn, data=MAIL):
    tmp = tempfile.NamedTemporaryFile(prefix="popcheck-mail-", delete=False)
    try:
        tmp.write(data)
        tmp.close()
        return fn(tmp.name)
    finally:
        os.unlink(tmp.name)


@client("smtp", "curl")
def curl_smtp_starttls(p, sink):
    rc, out, err = with_message(lambda f: curl(
        "--ssl-reqd", "--mail-from", "alice@example.test", "--mail-rcpt", "bob@example.test",
        "-T", f, f"smtp://127.0.0.1:{p[SMTP_PLAIN]}/client.example.test"))
    sessions = take(sink)
    return rc == 0 and smtp_ok(sessions, "alice@example.test"), (rc, err, masked(sessions))


@client("smtp", "curl")
def curl_smtps_login(p, sink):
    rc, out, err = with_message(lambda f: curl(
        "--login-options", "AUTH=LOGIN", "--mail-from", "alice@example.test",
        "--mail-rcpt", "bob@example.test", "-T", f,
        f"smtps://127.0.0.1:{p[SMTP_TLS]}/client.example.test"))
    sessions = take(sink)
    return rc == 0 and smtp_ok(sessions, "alice@example.test"), (rc, err, masked(sessions))


@client("smtp", "curl")
def curl_smtp_wrong_password(p, sink):
    rc, out, err = with_message(lambda f: curl(
        "--ssl-reqd", "--mail-from", "alice@example.test", "--mail-rcpt", "bob@example.test",
        "-T", f, f"smtp://127.0.0.1:{p[SMTP_PLAIN]}/", user="alice:wrong"))
    sessions = take(sink)
    return rc == 67 and not sessions, (rc, err, sessions)


def smtplib_send(s, login):
    try:
        login(s)
        refused = s.sendmail("alice@example.test", ["bob@example.test"], MAIL)
        s.quit()
        return refused
    except smtplib.SMTPException as e:
        return ("error", repr(e))


@client("smtp", "smtplib")
def smtplib_starttls_preferred(p, sink):
    s = smtplib.SMTP("127.0.0.1", p[SMTP_PLAIN], local_hostname="client.example.test", timeout=10)
    s.starttls(context=h.unverified_tls())
    result = smtplib_send(s, lambda s: s.login("alice", "secret"))  # CRAM-MD5 first
    sessions = take(sink)
    return result == {} and smtp_ok(sessions, "alice@example.test"), (result, masked(sessions))


@client("smtp", "smtplib")
def smtplib_ssl_login(p, sink):
    s = smtplib.SMTP_SSL("127.0.0.1", p[SMTP_TLS], local_hostname="client.example.test",
                         context=h.unverified_tls(), timeout=10)

    def login(s):
        s.ehlo()
        s.user, s.password = "alice", "secret"
        s.auth("LOGIN", s.auth_login)
    result = smtplib_send(s, login)
    sessions = take(sink)
    return result == {} and smtp_ok(sessions, "alice@example.test"), (result, masked(sessions))


@client("smtp", "smtplib")
def smtplib_wrong_password(p, sink):
    s = smtplib.SMTP("127.0.0.1", p[SMTP_PLAIN], local_hostname="client.example.test", timeout=10)
    s.starttls(context=h.unverified_tls())
    try:
        s.ehlo()
        s.user, s.password = "alice", "wrong"
        s.auth("PLAIN", s.auth_plain)
        result = "accepted"
    except smtplib.SMTPAuthenticationError as e:
        result = (e.smtp_code, e.smtp_error)
    s.close()
    sessions = take(sink)
    return result[0] == 535 and not sessions, (result, sessions)


@client("smtp", "swaks")
def swaks_starttls_plain(p, sink):
    rc, out, err = run(["swaks", "--server", "127.0.0.1", "--port", str(p[SMTP_PLAIN]),
                        "--tls", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password",
                        "secret", "--helo", "client.example.test", "--from", "alice@example.test",
                        "--to", "bob@example.test", "--data", "-"], stdin=MAIL)
    sessions = take(sink)
    return rc == 0 and smtp_ok(sessions, "alice@example.test"), (rc, masked(sessions))


@client("smtp", "msmtp")
def msmtp_starttls_login(p, sink):
    tmp = tempfile.mkdtemp(prefix="popcheck-msmtp-")
    try:
        rc_file = os.path.join(tmp, "msmtprc")
        with open(rc_file, "w") as fh:
            fh.write(f"account default\nhost 127.0.0.1\nport {p[SMTP_PLAIN]}\n"
                     "domain client.example.test\nfrom alice@example.test\ntls on\n"
                     "tls_starttls on\ntls_certcheck off\nauth login\nuser alice\n"
                     "password secret\n")
        os.chmod(rc_file, 0o600)
        rc, out, err = run(["msmtp", "-C", rc_file, "bob@example.test"], stdin=MAIL)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sessions = take(sink)
    return rc == 0 and smtp_ok(sessions, "alice@example.test"), (rc, err, masked(sessions))


BUILT_IN = ("imaplib", "smtplib", "alpn")


# The SMTP server with nginx's default smtp_auth, and the smtp_auth none relay.
RELAYED = b"From: a@example.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nhello\r\n.dot\r\n"


def relayed(sessions):
    """One backend session that got RELAYED, dot-stuffed (its MAIL carries SIZE= here)."""
    return len(sessions) == 1 and RELAYED.replace(b"\r\n.", b"\r\n..") in sessions[0]


def curl_relay(url, *extra):
    rc, _, err = with_message(lambda f: curl(
        "--mail-from", "a@example.test", "--mail-rcpt", "b@example.test", "-T", f, url, *extra),
        RELAYED)
    return rc, err.strip()


@client("smtp", "curl")
def curl_smtp_default_mechanism(p, sink):
    result = curl_relay(f"smtp://127.0.0.1:{p[SMTP_DEFAULT]}/client.test")
    sessions = take(sink)
    return result[0] == 0 and relayed(sessions), (result, sessions)


@client("smtp", "curl")
def curl_smtp_starttls_default_mechanism(p, sink):
    result = curl_relay(f"smtp://127.0.0.1:{p[SMTP_DEFAULT]}/client.test", "--ssl-reqd")
    sessions = take(sink)
    return result[0] == 0 and relayed(sessions), (result, sessions)


@client("smtp", "curl")
def curl_smtps_default_mechanism(p, sink):
    result = curl_relay(f"smtps://127.0.0.1:{p[SMTP_DEFAULT_TLS]}/client.test")
    sessions = take(sink)
    return result[0] == 0 and relayed(sessions), (result, sessions)


@client("smtp", "smtplib")
def smtplib_features_starttls_login(p, sink):
    """What smtplib sees advertised before and after STARTTLS, then LOGIN and a relay."""
    out = []
    s = smtplib.SMTP("127.0.0.1", p[SMTP_DEFAULT], local_hostname="client.test", timeout=10)
    s.ehlo()
    out.append("features before TLS: " + " ".join(sorted(s.esmtp_features)))
    s.starttls(context=h.unverified_tls())
    s.ehlo()
    out.append("features after TLS: " + " ".join(sorted(s.esmtp_features)))
    out.append(s.login("alice", "secret"))
    out.append(s.sendmail("a@example.test", ["b@example.test"], RELAYED))
    out.append(s.quit())
    sessions = take(sink)
    return out[2] == (235, b"2.0.0 OK") and out[3] == {} and relayed(sessions), (out, sessions)


@client("smtp", "smtplib")
def smtplib_auth_plain_refused(p, sink):
    # One AUTH by hand: smtplib's login() would try the next mechanism on the closed connection,
    # and whether that ends in EOF or a reset is timing, not behaviour.
    s = smtplib.SMTP("127.0.0.1", p[SMTP_DEFAULT], local_hostname="client.test", timeout=10)
    s.ehlo()
    reply = s.docmd("AUTH", "PLAIN " + smtplib.encode_base64(b"\0alice\0wrong", eol=""))
    s.close()
    sessions = take(sink)
    return reply[0] == 535 and not sessions, (reply, sessions)


@client("smtp", "smtplib")
def smtplib_relay_smtp_auth_none(p, sink):
    s = smtplib.SMTP("127.0.0.1", p[SMTP_NONE], local_hostname="client.test", timeout=10)
    out = [s.sendmail("a@example.test", ["b@example.test"], RELAYED), s.quit()]
    sessions = take(sink)
    return out[0] == {} and relayed(sessions), (out, sessions)


def smtp_backend_mode(popcheck, sink, smtp_port):
    """--backend: without proxy_smtp_auth the backend would never see the password, so AUTH is
    refused; with it, AUTH PLAIN carries the client's password to the backend."""
    port, checked = h.free_port(), h.free_port()
    conf = os.path.join(tempfile.mkdtemp(prefix="popcheck-smtp-backend-"), "nginx.conf")
    with open(conf, "w") as fh:
        fh.write(f"load_module {nginx_runner.MAIL_MODULE};\nevents {{}}\n"
                 f"mail {{ server_name mail.example.test;\n"
                 f"  server {{ listen 127.0.0.1:{port}; protocol smtp; smtp_auth plain none; }}\n"
                 f"  server {{ listen 127.0.0.1:{checked}; protocol smtp; proxy_smtp_auth on; }} }}\n")
    proc = h.Popcheck(popcheck, conf, [port, checked], ["--backend", f"127.0.0.1:{smtp_port}"])
    proc.start()
    try:
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=10)
        s.ehlo()
        reply = s.docmd("AUTH", "PLAIN AGFsaWNlAHNlY3JldA==")
        check("--backend: SMTP AUTH refused without proxy_smtp_auth",
              reply == (535, b"5.7.0 no auth server to check this login (popcheck proxy --backend)"),
              str(reply))
        s.close()
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=10)
        s.docmd("MAIL", "FROM:<a@b>")
        reply = s.docmd("RCPT", "TO:<c@d>")
        check("--backend: smtp_auth none relay refused", reply[0] == 535, str(reply))
        s.close()
        take(sink)
        s = smtplib.SMTP("127.0.0.1", checked, local_hostname="client.test", timeout=10)
        s.ehlo()
        reply = s.docmd("AUTH", "PLAIN AGFsaWNlAHNlY3JldA==")
        check("--backend: proxy_smtp_auth logs in through the backend", reply == (235, b"2.0.0 OK"),
              str(reply))
        s.close()
    finally:
        check("--backend: exit 0", proc.stop() == 0)
        shutil.rmtree(os.path.dirname(conf), ignore_errors=True)
    received = b"".join(take(sink))
    check("--backend: the backend got AUTH PLAIN with the client's password",
          b"AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" in received, repr(received))


def run_clients(ports, sink, auth, target):
    results = {}
    requests = {}
    for protocol, program, name, fn in CLIENTS:
        if shutil.which(program) is None and program not in BUILT_IN:
            continue
        before = len(auth.requests)
        try:
            results[name] = fn(ports, sink) if protocol == "smtp" else fn(ports)
        except (OSError, imaplib.IMAP4.error, smtplib.SMTPException) as e:
            results[name] = (False, ("exception", type(e).__name__, str(e)))
        take(sink)
        requests[name] = len(auth.requests) - before
    counted = [name for name in LOGINS if name in requests]
    check(f"{target}: auth_http asked once for each login of the clients that count them",
          sum(requests[n] for n in counted) == sum(LOGINS[n] for n in counted),
          f"{[requests[n] for n in counted]} requests for {len(counted)} logins")
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    ap.add_argument("--only", choices=("nginx", "popcheck"),
                    help="run one target and judge its results alone")
    args = ap.parse_args()
    for reason in (nginx_runner.available(), dovecot_runner.available(imap=True)):
        if reason:
            print(f"SKIP: {reason}")
            return 77
    for program in sorted({p for _, p, _, _ in CLIENTS} - set(BUILT_IN)):
        if shutil.which(program) is None:
            print(f"skipped: {program} is not installed")
    imap_port, pop3_port, smtp_port, auth_port = (h.free_port() for _ in range(4))
    dovecot = dovecot_runner.Dovecot(pop3_port, h.USERS, h.MESSAGES, imap_port=imap_port)
    sink = h.SmtpBackend(smtp_port)
    # smtp_auth none: nginx asks with no Auth-User; the stub's "" answer sends it to the backend.
    none_ok = (f"HTTP/1.0 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 127.0.0.1\r\n"
               f"Auth-Port: {smtp_port}\r\n\r\n").encode()
    auth = auth_stub.AuthStub(auth_port, imap_port, h.USERS, responses={"": none_ok},
                              protocol_ports={"imap": imap_port, "smtp": smtp_port})
    env = type("Env", (), {"auth_port": auth_port, "backend_port": imap_port,
                           "auth_socket": "", "sockets_dir": "", "closed_port": 0})()
    tmp = h.prepare_case(CASE, env)
    targets = (args.only,) if args.only else ("nginx", "popcheck")
    results = {}
    try:
        dovecot.start()
        auth.start()
        for target in targets:
            port_map = {p: h.free_port() for p in nginx_runner.ports_in(tmp)}
            inst = nginx_runner.Instance(tmp, port_map, runnable=True)
            try:
                if target == "nginx":
                    inst.start(list(port_map.values()))
                    results[target] = run_clients(port_map, sink, auth, target)
                    inst.stop()
                else:
                    proc = h.Popcheck(os.path.abspath(args.popcheck), inst.conf,
                                      list(port_map.values()), ["--log-level", "info"])
                    proc.start()
                    try:
                        results[target] = run_clients(port_map, sink, auth, target)
                    finally:
                        check("popcheck: exit 0 on SIGTERM", proc.stop() == 0, proc.log()[-800:])
                    logs = proc.log()
                    check("popcheck: no password in its log",
                          "secret" not in logs and "wrong" not in logs)
            finally:
                inst.cleanup()
        if "popcheck" in targets:
            imap_backend_mode(os.path.abspath(args.popcheck), tmp, imap_port)
            smtp_backend_mode(os.path.abspath(args.popcheck), sink, smtp_port)
    finally:
        auth.stop()
        sink.stop()
        dovecot.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    reference = results[targets[0]]
    for name, (works, outcome) in reference.items():
        check(f"{name}: works against {targets[0]}", works, repr(outcome)[:1500])
        if len(targets) == 2:
            other = results["popcheck"].get(name)
            check(f"{name}: popcheck as nginx", other is not None and other[1] == outcome,
                  f"nginx {outcome!r:.700} popcheck {other!r:.700}")
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
