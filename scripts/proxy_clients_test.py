#!/usr/bin/env python3
"""Full sessions through `popcheck proxy` with real clients: curl (pop3://, --ssl-reqd, pop3s://)
and Python's poplib (USER/PASS, APOP, STLS), against a private dovecot and an auth_http stub;
plus --backend mode, the refusal of a bad configuration (exit 2, nothing listening), graceful
SIGTERM, and logs that never show a password. Exit 0 pass, 1 failure, 77 skipped.

usage: proxy_clients_test.py --popcheck BUILD/popcheck
"""

import argparse
import os
import poplib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402
import dovecot_runner  # noqa: E402
import nginx_runner  # noqa: E402
import proxy_harness as h  # noqa: E402

CASE = os.path.join(h.REPO, "testdata", "proxy", "clients")
check = Checks()
HEAD = f"load_module {nginx_runner.MAIL_MODULE};\nevents {{}}\n"




def curl(*args):
    r = subprocess.run(["curl", "-sS", "--max-time", "10", "-k", "-u", "alice:secret"] + list(args),
                       capture_output=True, timeout=20)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def clients(plain, tls):
    rc, out, err = curl(f"pop3://127.0.0.1:{plain}/")
    check("curl pop3:// LIST", rc == 0 and out == b"1 110\r\n2 152\r\n", f"{rc} {out!r} {err}")
    rc, out, err = curl(f"pop3://127.0.0.1:{plain}/2")
    check("curl pop3:// RETR (dot-stuffed)", rc == 0 and out == h.alice_message(2), f"{rc} {out!r} {err}")
    rc, out, err = curl("--ssl-reqd", f"pop3://127.0.0.1:{plain}/1")
    check("curl --ssl-reqd (STLS) RETR", rc == 0 and out == h.alice_message(1), f"{rc} {out!r} {err}")
    rc, out, err = curl(f"pop3s://127.0.0.1:{tls}/2")
    check("curl pop3s:// RETR", rc == 0 and out == h.alice_message(2), f"{rc} {out!r} {err}")

    p = poplib.POP3("127.0.0.1", plain, timeout=10)
    p.user("alice")
    p.pass_("secret")
    check("poplib USER/PASS STAT", p.stat() == (2, 262))
    check("poplib RETR", b"\r\n".join(p.retr(2)[1]) + b"\r\n" == h.alice_message(2))
    p.quit()
    p = poplib.POP3("127.0.0.1", plain, timeout=10)
    p.apop("alice", "secret")
    check("poplib APOP", p.stat() == (2, 262))
    p.quit()
    p = poplib.POP3("127.0.0.1", plain, timeout=10)
    caps = p.capa()
    p.stls(h.unverified_tls())
    caps_tls = p.capa()
    check("poplib STLS: STLS offered before, not after", "STLS" in caps and "STLS" not in caps_tls)
    p.user("alice")
    p.pass_("secret")
    check("poplib STLS then USER/PASS", p.stat() == (2, 262))
    p.quit()
    p = poplib.POP3_SSL("127.0.0.1", tls, context=h.unverified_tls(), timeout=10)
    try:
        p.user("alice")
        p.pass_("wrong")
        check("poplib wrong password refused", False)
    except poplib.error_proto as e:
        check("poplib wrong password refused", str(e) == "b'-ERR Invalid login or password'", str(e))


def start(conf, ports, extra=()):
    proc = h.Popcheck(POPCHECK, conf, ports, extra)
    proc.start()
    return proc


def main():
    global POPCHECK
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    args = ap.parse_args()
    POPCHECK = os.path.abspath(args.popcheck)
    for reason in (dovecot_runner.available(),):
        if reason:
            print(f"SKIP: {reason}")
            return 77
    if shutil.which("curl") is None:
        print("SKIP: curl not installed")
        return 77
    with h.Environment() as env:
        tmp = h.prepare_case(CASE, env)
        try:
            pm = {p: h.free_port() for p in nginx_runner.ports_in(tmp)}
            inst = nginx_runner.Instance(tmp, pm, runnable=True)
            plain, tls = pm[11130], pm[11131]
            proc = start(inst.conf, [plain, tls], ["--log-level", "info"])
            try:
                clients(plain, tls)
                # Graceful stop: a logged-in session outlives SIGTERM; new connections are refused.
                p = poplib.POP3("127.0.0.1", plain, timeout=10)
                p.user("alice")
                p.pass_("secret")
                proc.process.send_signal(signal.SIGTERM)
                time.sleep(0.3)
                try:
                    socket.create_connection(("127.0.0.1", plain), timeout=1).close()
                    refused = False
                except OSError:
                    refused = True
                check("SIGTERM: no new connections", refused)
                check("SIGTERM: a session goes on", p.stat() == (2, 262))
                p.quit()
                rc = proc.process.wait(timeout=10)
                check("SIGTERM: exit 0 once sessions are done", rc == 0, str(rc))
            finally:
                proc.stop()
            logs = proc.log() + inst.log_tail(10000)
            check("access lines written", "[access]" in logs and 'user="alice"' in logs, logs[-500:])
            check("logs at info show logins", "client logged in" in logs)
            check("no password in any log", "secret" not in logs and "wrong" not in logs)

            # --backend: no auth server at all.
            conf2 = os.path.join(tmp, "backend.conf")
            port = h.free_port()
            with open(conf2, "w") as fh:
                fh.write(HEAD + "error_log stderr info;\n" +
                         f"mail {{ server {{ listen 127.0.0.1:{port}; protocol pop3; "
                         "pop3_auth plain apop cram-md5; } }\n")
            proc = start(conf2, [port], ["--backend", f"127.0.0.1:{env.backend_port}"])
            try:
                p = poplib.POP3("127.0.0.1", port, timeout=10)
                check("--backend: no APOP timestamp (no auth server to check a digest)",
                      b"<" not in p.getwelcome(), p.getwelcome())
                p.user("alice")
                p.pass_("secret")
                check("--backend: USER/PASS straight to dovecot", p.stat() == (2, 262))
                p.quit()
                # EXTERNAL with an initial response is always accepted by nginx's front end, but
                # there is no password to log in with: a refused login, no "auth http server".
                p = poplib.POP3("127.0.0.1", port, timeout=10)
                capa = p.capa()
                check("--backend: CRAM-MD5 not offered", "CRAM-MD5" not in " ".join(capa.get("SASL", [])),
                      capa)
                try:
                    p._shortcmd("AUTH EXTERNAL YWxpY2U=")
                    check("--backend: EXTERNAL refused", False, "accepted")
                except poplib.error_proto as e:
                    check("--backend: EXTERNAL refused as a failed login",
                          b"no auth server to check this login" in e.args[0], e.args[0])
            finally:
                check("--backend: exit 0", proc.stop() == 0)
            logs = proc.log()
            check("--backend: start-up warning about apop and cram-md5",
                  "enables apop and cram-md5" in logs, logs[-800:])
            check("--backend: no auth server in the log", "auth http server" not in logs, logs[-800:])

            # A bad configuration: the lint errors, exit 2, nothing bound.
            conf3 = os.path.join(tmp, "bad.conf")
            port = h.free_port()
            with open(conf3, "w") as fh:
                fh.write(HEAD + f"mail {{ auth_http 127.0.0.1:1/a; server {{ listen 127.0.0.1:{port}; "
                         f"protocol pop3; starttls on; }} }}\n")
            r = subprocess.run([POPCHECK, "proxy", conf3], capture_output=True, text=True, timeout=20)
            check("bad config: exit 2", r.returncode == 2, r.stderr)
            check("bad config: nginx's error text", 'no "ssl_certificate" is defined' in r.stderr,
                  r.stderr)
            inst.cleanup()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
