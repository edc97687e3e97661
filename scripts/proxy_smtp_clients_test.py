#!/usr/bin/env python3
"""Real SMTP clients through real nginx 1.22.1 and through `popcheck proxy`, same configuration
(testdata/proxy/smtp-clients), same auth_http stub and scripted SMTP backend: curl smtp://
(AUTH, --ssl-reqd STARTTLS, smtps://) and Python's smtplib (EHLO, STARTTLS, LOGIN, a refused
password, a relay with smtp_auth none). Then popcheck's own --backend mode, which must refuse
every SMTP login its backend cannot check. Each client must end the same way against both (exit
status or reply codes, what it saw advertised), the backend must receive the same bytes, and the
sessions against nginx must succeed (so that equal is not equally broken).
Exit 0 pass, 1 failure, 77 skipped (nginx, its mail module, dovecot or curl missing).

usage: proxy_smtp_clients_test.py --popcheck BUILD/popcheck
"""

import argparse
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402
import dovecot_runner  # noqa: E402
import nginx_runner  # noqa: E402
import proxy_harness as h  # noqa: E402

CASE = os.path.join(h.REPO, "testdata", "proxy", "smtp-clients")
NONE_OK = ("HTTP/1.0 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 127.0.0.1\r\n"
           "Auth-Port: @SMTP_PORT@\r\n\r\n")
MESSAGE = b"From: a@example.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nhello\r\n.dot\r\n"
check = Checks()



def curl(msg_file, url, *extra):
    r = subprocess.run(["curl", "-sS", "--max-time", "10", "-k", "-u", "alice:secret",
                        "--mail-from", "a@example.test", "--mail-rcpt", "b@example.test",
                        "-T", msg_file, url] + list(extra), capture_output=True, timeout=20)
    return f"exit {r.returncode} {r.stderr.decode(errors='replace').strip()}"


def smtplib_sessions(plain, none):
    out = []
    s = smtplib.SMTP("127.0.0.1", plain, local_hostname="client.test", timeout=10)
    s.ehlo()
    out.append("features before TLS: " + " ".join(sorted(s.esmtp_features)))
    s.starttls(context=h.unverified_tls())
    s.ehlo()
    out.append("features after TLS: " + " ".join(sorted(s.esmtp_features)))
    out.append("login: %s" % (s.login("alice", "secret"),))
    out.append("sendmail refused: %s" % (s.sendmail("a@example.test", ["b@example.test"], MESSAGE),))
    out.append("quit: %s" % (s.quit(),))
    # One AUTH by hand: smtplib's login() would try the next mechanism on the closed connection,
    # and whether that ends in EOF or a reset is timing, not behaviour.
    s = smtplib.SMTP("127.0.0.1", plain, local_hostname="client.test", timeout=10)
    s.ehlo()
    out.append("wrong password: %s" % (s.docmd("AUTH", "PLAIN " + smtplib.encode_base64(
        b"\0alice\0wrong", eol="")),))
    s.close()
    s = smtplib.SMTP("127.0.0.1", none, local_hostname="client.test", timeout=10)
    out.append("relay refused: %s" % (s.sendmail("a@example.test", ["b@example.test"], MESSAGE),))
    out.append("relay quit: %s" % (s.quit(),))
    return out


def run_all(ports, env, msg_file):
    plain, tls, none = ports[11280], ports[11281], ports[11282]
    outcomes = []
    with env.smtp.lock:
        env.smtp.received.clear()
    outcomes.append("curl smtp:// " + curl(msg_file, f"smtp://127.0.0.1:{plain}/client.test"))
    outcomes.append("curl --ssl-reqd " +
                    curl(msg_file, f"smtp://127.0.0.1:{plain}/client.test", "--ssl-reqd"))
    outcomes.append("curl smtps:// " + curl(msg_file, f"smtps://127.0.0.1:{tls}/client.test"))
    outcomes += smtplib_sessions(plain, none)
    with env.smtp.lock:
        received = list(env.smtp.received)
    return outcomes, received


def backend_mode(env):
    """--backend: without proxy_smtp_auth the backend would never see the password, so AUTH is
    refused; with it, AUTH PLAIN carries the client's password to the backend."""
    port, checked = h.free_port(), h.free_port()
    conf = os.path.join(tempfile.mkdtemp(prefix="popcheck-smtp-backend-"), "nginx.conf")
    with open(conf, "w") as fh:
        fh.write(f"load_module {nginx_runner.MAIL_MODULE};\nevents {{}}\n"
                 f"mail {{ server_name mail.example.test;\n"
                 f"  server {{ listen 127.0.0.1:{port}; protocol smtp; smtp_auth plain none; }}\n"
                 f"  server {{ listen 127.0.0.1:{checked}; protocol smtp; proxy_smtp_auth on; }} }}\n")
    proc = h.Popcheck(os.path.abspath(POPCHECK), conf, [port, checked],
                      ["--backend", f"127.0.0.1:{env.smtp_port}"])
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
        with env.smtp.lock:
            env.smtp.received.clear()
        s = smtplib.SMTP("127.0.0.1", checked, local_hostname="client.test", timeout=10)
        s.ehlo()
        reply = s.docmd("AUTH", "PLAIN AGFsaWNlAHNlY3JldA==")
        check("--backend: proxy_smtp_auth logs in through the backend", reply == (235, b"2.0.0 OK"),
              str(reply))
        s.close()
    finally:
        check("--backend: exit 0", proc.stop() == 0)
        shutil.rmtree(os.path.dirname(conf), ignore_errors=True)
    with env.smtp.lock:
        received = b"".join(env.smtp.received)
    check("--backend: the backend got AUTH PLAIN with the client's password",
          b"AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" in received, repr(received))


def main():
    global POPCHECK
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    args = ap.parse_args()
    POPCHECK = args.popcheck
    for reason in (nginx_runner.available(), dovecot_runner.available()):
        if reason:
            print(f"SKIP: {reason}")
            return 77
    if shutil.which("curl") is None:
        print("SKIP: curl not installed")
        return 77
    results = {}
    with h.Environment(backend="smtp", responses={"": NONE_OK}) as env:
        tmp = h.prepare_case(CASE, env)
        msg_file = os.path.join(tmp, "message.eml")
        with open(msg_file, "wb") as fh:
            fh.write(MESSAGE)
        try:
            for target in ("nginx", "popcheck"):
                port_map = {p: h.free_port() for p in nginx_runner.ports_in(tmp)}
                inst = nginx_runner.Instance(tmp, port_map, runnable=True)
                try:
                    if target == "nginx":
                        inst.start(list(port_map.values()))
                        results[target] = run_all(port_map, env, msg_file)
                        inst.stop()
                    else:
                        proc = h.Popcheck(os.path.abspath(args.popcheck), inst.conf,
                                          list(port_map.values()))
                        proc.start()
                        results[target] = run_all(port_map, env, msg_file)
                        check("popcheck exits 0 on SIGTERM", proc.stop() == 0)
                finally:
                    inst.cleanup()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        backend_mode(env)
    nginx_out, nginx_backend = results["nginx"]
    pop_out, pop_backend = results["popcheck"]
    for a, b in zip(nginx_out, pop_out):
        check(f"same outcome: {a}", a == b, f"popcheck: {b}")
    check("same number of outcomes", len(nginx_out) == len(pop_out))
    expected_ok = [o for o in nginx_out if o.startswith("curl")]
    check("curl succeeds against nginx", all(" exit 0 " in o + " " for o in expected_ok),
          "; ".join(expected_ok))
    check("smtplib logs in and relays against nginx",
          "login: (235, b'2.0.0 OK')" in nginx_out and "relay refused: {}" in nginx_out,
          "; ".join(nginx_out))
    # curl and smtplib name the client by the machine: the same in both runs.
    same = [re.sub(rb"\r\n", b"|", r) for r in nginx_backend] == \
           [re.sub(rb"\r\n", b"|", r) for r in pop_backend]
    check("the backend received the same bytes", same,
          f"\n  nginx:    {nginx_backend}\n  popcheck: {pop_backend}")
    check("the backend received the messages", sum(b"\r\n.dot" in r or b"..dot" in r
                                                      for r in nginx_backend) >= 4,
          str(nginx_backend))
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
