#!/usr/bin/env python3
"""ssl_session_ticket_key and ssl_conf_command in `popcheck proxy`, checked with openssl s_client
and against real nginx 1.22.1 on the same config:
  * a TLSv1.2 session ticket issued by popcheck resumes after a restart with the same key file,
    not with another key (tickets are not interchangeable with nginx's: OpenSSL binds a session
    to the session id context, and nginx's is a digest popcheck does not reproduce);
  * `ssl_conf_command Ciphersuites ...` picks the TLSv1.3 suite, the same as nginx's;
  * a key file of the wrong size is refused as nginx refuses it.
Exit 0 pass, 1 failure, 77 skipped.

usage: proxy_tls_extras_test.py --popcheck BUILD/popcheck
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import Checks  # noqa: E402
import nginx_runner  # noqa: E402
import proxy_harness as h  # noqa: E402

check = Checks()


def s_client(port, *args):
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}"] + list(args),
                       input=b"", capture_output=True, timeout=15)
    for line in r.stdout.decode(errors="replace").splitlines():
        if line.startswith(("New, ", "Reused, ")):
            return line
    return r.stdout.decode(errors="replace")[-300:]


def write_conf(tmp, port, key_name):
    conf = os.path.join(tmp, f"nginx-{key_name}.conf")
    with open(conf, "w") as fh:
        fh.write(f"load_module {nginx_runner.MAIL_MODULE};\nevents {{}}\npid {tmp}/nginx.pid;\n"
                 f"error_log {tmp}/error.log info;\n"
                 f"mail {{\n  auth_http 127.0.0.1:1/auth;\n  server {{\n"
                 f"    listen 127.0.0.1:{port} ssl;\n    protocol pop3;\n"
                 f"    ssl_certificate {h.CERTS}/mail.crt;\n"
                 f"    ssl_certificate_key {h.CERTS}/mail.key;\n"
                 f"    ssl_protocols TLSv1.2 TLSv1.3;\n"
                 f"    ssl_session_ticket_key {key_name};\n"
                 f"    ssl_conf_command Ciphersuites TLS_CHACHA20_POLY1305_SHA256;\n  }}\n}}\n")
    return conf


class Running:
    def __init__(self, cmd, port):
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        nginx_runner.wait_for_ports(self.proc, [port], time.monotonic() + 10,
                                    lambda: f"exited: {self.proc.stderr.read()!r}", self.stop,
                                    lambda p: f"nothing listens on {p}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    args = ap.parse_args()
    reason = nginx_runner.available()
    if reason or not shutil.which("openssl"):
        print(f"SKIP: {reason or 'no openssl'}")
        return 77
    tmp = tempfile.mkdtemp(prefix="popcheck-tls-extras-")
    try:
        for name, size in (("a.key", 80), ("b.key", 48), ("short.key", 47)):
            with open(os.path.join(tmp, name), "wb") as fh:
                fh.write(os.urandom(size))
        port = h.free_port()
        session = os.path.join(tmp, "session.pem")
        conf_a, conf_b = write_conf(tmp, port, "a.key"), write_conf(tmp, port, "b.key")
        popcheck = lambda conf: [args.popcheck, "proxy", "-c", conf, "--workers", "1"]  # noqa: E731
        nginx = lambda conf: [nginx_runner.NGINX, "-p", tmp + "/", "-c", conf,  # noqa: E731
                              "-g", "daemon off;"]
        with Running(popcheck(conf_a), port):
            first = s_client(port, "-tls1_2", "-sess_out", session)
            suite = s_client(port)
        check("popcheck: a new TLSv1.2 session", first.startswith("New, TLSv1.2"), first)
        with Running(popcheck(conf_a), port):
            again = s_client(port, "-tls1_2", "-sess_in", session)
        check("popcheck restarted with the same key file resumes the ticket",
              again.startswith("Reused, TLSv1.2"), again)
        with Running(nginx(conf_a), port):
            nginx_suite = s_client(port)
        with Running(popcheck(conf_b), port):
            other = s_client(port, "-tls1_2", "-sess_in", session)
        check("another key file (48 bytes): a full handshake", other.startswith("New, TLSv1.2"),
              other)
        check("ssl_conf_command Ciphersuites: TLS_CHACHA20_POLY1305_SHA256",
              suite == "New, TLSv1.3, Cipher is TLS_CHACHA20_POLY1305_SHA256", suite)
        check("the same suite as nginx", suite == nginx_suite, f"{suite} vs {nginx_suite}")

        conf_short = write_conf(tmp, port, "short.key")
        r = subprocess.run(popcheck(conf_short), capture_output=True, text=True, timeout=20)
        t = subprocess.run([nginx_runner.NGINX, "-t", "-p", tmp + "/", "-c", conf_short],
                           capture_output=True, text=True, timeout=20)
        want = f'"{tmp}/short.key" must be 48 or 80 bytes'
        check("a 47-byte key file: nginx -t refuses it", want in t.stderr, t.stderr)
        check("a 47-byte key file: popcheck exits 2 with nginx's text",
              r.returncode == 2 and want in r.stderr, f"{r.returncode} {r.stderr}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
