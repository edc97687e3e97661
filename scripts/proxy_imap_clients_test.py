#!/usr/bin/env python3
"""Real IMAP clients through `popcheck proxy` and through real nginx 1.22.1 with the same
configuration (testdata/proxy/imap-clients/nginx.conf), against a private dovecot-imapd and the
auth_http stub: curl's imap:// (LOGIN or AUTHENTICATE, STARTTLS with --ssl-reqd, imaps://) and
Python's imaplib (LOGIN, AUTHENTICATE PLAIN, STARTTLS, IMAP4_SSL, a refused login), and ALPN. Each client must get what it gets
through nginx, and the expected mail. Then popcheck's --backend mode (no auth server) for IMAP.
Exit 0 pass, 1 failure, 77 skipped.

usage: proxy_imap_clients_test.py --popcheck BUILD/popcheck
"""

import argparse
import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402
import auth_stub  # noqa: E402
import dovecot_runner  # noqa: E402
import nginx_runner  # noqa: E402
import proxy_harness as h  # noqa: E402

CASE = os.path.join(h.REPO, "testdata", "proxy", "imap-clients")
check = Checks()




def curl(*args, user="alice:secret"):
    r = subprocess.run(["curl", "-sS", "--max-time", "10", "-k", "-u", user] + list(args),
                       capture_output=True, timeout=20)
    return r.returncode, r.stdout


def imaplib_session(connect, login):
    """What one imaplib session sees: the login outcome, then SELECT and FETCH, or the error."""
    try:
        m = connect()
        try:
            login(m)
            typ, data = m.select("INBOX")
            out = [typ, data]
            typ, data = m.fetch("2", "(BODY.PEEK[])")
            out += [typ, data[0][1] if data and isinstance(data[0], tuple) else data]
            out.append(m.logout()[0])
            return out
        except imaplib.IMAP4.error as e:
            return ["error", str(e)]
    except OSError as e:
        return ["oserror", type(e).__name__]


def alpn(port, offer):
    """The ALPN protocol the server picks from `offer`, or why the handshake failed."""
    ctx = h.unverified_tls()
    ctx.set_alpn_protocols(offer)
    try:
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10)) as s:
            return s.selected_alpn_protocol()
    except (ssl.SSLError, OSError) as e:
        return f"handshake failed: {type(e).__name__}"


def clients(plain, tls):
    """Every client outcome, by name."""
    out = {}
    out["ALPN imap offered"] = alpn(tls, ["pop3", "imap"])
    out["ALPN without imap"] = alpn(tls, ["pop3"])
    out["curl imap:// FETCH UID 1"] = curl(f"imap://127.0.0.1:{plain}/INBOX;UID=1")
    out["curl imap:// LIST"] = curl(f"imap://127.0.0.1:{plain}/")
    out["curl --ssl-reqd (STARTTLS) FETCH UID 2"] = curl("--ssl-reqd",
                                                          f"imap://127.0.0.1:{plain}/INBOX;UID=2")
    out["curl imaps:// FETCH UID 2"] = curl(f"imaps://127.0.0.1:{tls}/INBOX;UID=2")
    out["curl --login-options AUTH=LOGIN"] = curl("--login-options", "AUTH=LOGIN",
                                                  f"imap://127.0.0.1:{plain}/INBOX;UID=1")
    out["curl wrong password"] = curl(f"imap://127.0.0.1:{plain}/INBOX;UID=1",
                                      user="alice:wrong")[0]
    out["imaplib LOGIN"] = imaplib_session(
        lambda: imaplib.IMAP4("127.0.0.1", plain, timeout=10),
        lambda m: m.login("alice", "secret"))
    out["imaplib AUTHENTICATE PLAIN"] = imaplib_session(
        lambda: imaplib.IMAP4("127.0.0.1", plain, timeout=10),
        lambda m: m.authenticate("PLAIN", lambda _: b"\0alice\0secret"))
    out["imaplib STARTTLS then LOGIN"] = imaplib_session(
        lambda: imaplib.IMAP4("127.0.0.1", plain, timeout=10),
        lambda m: (m.starttls(h.unverified_tls()), m.login("alice", "secret")))
    out["imaplib IMAP4_SSL"] = imaplib_session(
        lambda: imaplib.IMAP4_SSL("127.0.0.1", tls, ssl_context=h.unverified_tls(), timeout=10),
        lambda m: m.login("alice", "secret"))
    out["imaplib refused"] = imaplib_session(
        lambda: imaplib.IMAP4("127.0.0.1", plain, timeout=10),
        lambda m: m.login("alice", "wrong"))
    return out


def backend_mode(popcheck, tmp, imap_port):
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    args = ap.parse_args()
    popcheck = os.path.abspath(args.popcheck)
    for reason in (nginx_runner.available(), dovecot_runner.available(imap=True),
                   None if shutil.which("curl") else "curl not installed"):
        if reason:
            print(f"SKIP: {reason}")
            return 77
    pop_port, imap_port, auth_port = h.free_port(), h.free_port(), h.free_port()
    dovecot = dovecot_runner.Dovecot(pop_port, h.USERS, h.MESSAGES, imap_port=imap_port)
    results = {}
    with dovecot, auth_stub.AuthStub(auth_port, imap_port, h.USERS) as stub:
        dovecot.start()

        class Env:
            pass
        env = Env()
        env.auth_port, env.backend_port = auth_port, imap_port
        env.auth_socket = env.sockets_dir = "/nonexistent"
        env.closed_port = 0
        tmp = h.prepare_case(CASE, env)
        try:
            for target in ("nginx", "popcheck"):
                pm = {p: h.free_port() for p in nginx_runner.ports_in(tmp)}
                inst = nginx_runner.Instance(tmp, pm, runnable=True)
                plain, tls = pm[11160], pm[11161]
                try:
                    if target == "nginx":
                        inst.start([plain, tls])
                        results[target] = clients(plain, tls)
                        inst.stop()
                    else:
                        proc = h.Popcheck(popcheck, inst.conf, [plain, tls])
                        proc.start()
                        try:
                            results[target] = clients(plain, tls)
                        finally:
                            check("popcheck exits 0 on SIGTERM", proc.stop() == 0)
                        check("no password in popcheck's log", "secret" not in proc.log())
                finally:
                    inst.cleanup()
            backend_mode(popcheck, tmp, imap_port)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        stub_requests = len(stub.requests)
    pop = results["popcheck"]
    for name, outcome in results["nginx"].items():
        check(f"{name}: as through nginx", pop[name] == outcome,
              f"\n  nginx:    {outcome!r}\n  popcheck: {pop[name]!r}")
    check("curl imap:// FETCH UID 1: the message", pop["curl imap:// FETCH UID 1"] == (0, h.alice_message(1)))
    check("curl imaps://: the message", pop["curl imaps:// FETCH UID 2"] == (0, h.alice_message(2)))
    check("curl STARTTLS: the message", pop["curl --ssl-reqd (STARTTLS) FETCH UID 2"] ==
          (0, h.alice_message(2)))
    check("ALPN: imap picked", pop["ALPN imap offered"] == "imap", pop["ALPN imap offered"])
    check("ALPN: refused without imap", pop["ALPN without imap"].startswith("handshake failed"),
          pop["ALPN without imap"])
    check("curl wrong password fails", pop["curl wrong password"] != 0)
    for name in ("imaplib LOGIN", "imaplib AUTHENTICATE PLAIN", "imaplib STARTTLS then LOGIN",
                 "imaplib IMAP4_SSL"):
        check(f"{name}: FETCH gives message 2", pop[name][3:] == [h.alice_message(2), "BYE"],
              repr(pop[name]))
    check("imaplib refused: nginx's NO text", pop["imaplib refused"] ==
          ["error", "b'Invalid login or password'"], repr(pop["imaplib refused"]))
    logins = [name for name in pop if not name.startswith("ALPN")]
    check("auth_http asked for every login", stub_requests == 2 * len(logins),
          f"{stub_requests} requests for {len(logins)} logins, twice")
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
