#!/usr/bin/env python3
"""`popcheck proxy`'s threads and stop signals (issue #17), with real POP3 logins through an
auth_http stub (an IP literal) to a small backend, all on 127.0.0.1:
  * one worker: the process has exactly one thread before, during and after logins (worker 0
    runs on the main thread, the signals come through a signalfd on its loop, the auth_http
    address is connected directly: nothing may start a thread); --workers 2: two threads;
  * the first SIGTERM logs the notice line, refuses new connections and lets a logged-in
    session go on; a second signal (SIGINT) closes it at once, long before the grace period
    ends; exit 0;
  * without a second signal, the end of the grace period closes the session; exit 0.
Exit 0 pass, 1 failure, 77 skipped.

usage: proxy_signals_test.py --popcheck BUILD/popcheck
"""

import argparse
import os
import poplib
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from auth_stub import AuthStub  # noqa: E402
from checks import Checks  # noqa: E402
import nginx_runner  # noqa: E402
import proxy_harness as h  # noqa: E402

check = Checks()
LONG_GRACE = 30  # seconds: a session that ends well before this was closed by the second signal


class Backend:
    """A POP3 backend that takes any USER/PASS and answers STAT with an empty maildrop."""

    def __init__(self, port):
        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"+OK ready\r\n")
                for line in self.rfile:
                    verb = line.split(b" ", 1)[0].strip().upper()
                    if verb == b"QUIT":
                        self.wfile.write(b"+OK bye\r\n")
                        return
                    self.wfile.write(b"+OK 0 0\r\n" if verb == b"STAT" else b"+OK\r\n")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Proxy:
    def __init__(self, popcheck, conf, port, workers, grace):
        self.log_path = conf + f".{workers}.log"
        self.port = port
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [popcheck, "proxy", "-c", conf, "--workers", str(workers), "--grace", str(grace),
                 "--log-level", "info"],
                stdout=subprocess.DEVNULL, stderr=log, preexec_fn=nginx_runner._die_with_parent)
        nginx_runner.wait_for_ports(
            self.process, [port], time.monotonic() + 10,
            lambda: f"popcheck exited with {self.process.returncode}: {self.log()}", self.kill,
            lambda p: f"popcheck did not listen on {p}: {self.log()}")

    def threads(self):
        return len(os.listdir(f"/proc/{self.process.pid}/task"))

    def log(self):
        with open(self.log_path) as fh:
            return fh.read()

    def wait_for_log(self, text, limit=10.0):
        deadline = time.monotonic() + limit
        while text not in self.log() and time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        return text in self.log()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class ThreadSampler:
    """The largest thread count seen while it runs: a thread that lives for a moment only (a
    resolver's, say) is caught if any sample falls in its life; none is never a false failure."""

    def __init__(self, proxy):
        self.proxy = proxy
        self.most = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                self.most = max(self.most, self.proxy.threads())
            except OSError:
                return
            time.sleep(0.001)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.most


def login(port):
    client = poplib.POP3("127.0.0.1", port, timeout=10)
    client.user("alice")
    client.pass_("secret")
    return client


def refused_soon(port, limit=10.0):
    """True once a connection is refused: the listener is closed on the loop's turn after the
    signal's, so a connection may still be taken just after the notice line."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        except OSError:
            return True
        time.sleep(0.05)
    return False


def one_worker(popcheck, conf, port):
    proxy = Proxy(popcheck, conf, port, 1, LONG_GRACE)
    try:
        check("one worker: one thread before any login", proxy.threads() == 1, str(proxy.threads()))
        greeted = poplib.POP3("127.0.0.1", port, timeout=10)
        check("one worker: one thread during a pre-login session", proxy.threads() == 1)
        greeted.quit()
        sampler = ThreadSampler(proxy)
        stats = []
        for _ in range(20):
            client = login(port)
            stats.append(client.stat())
            client.quit()
        most = sampler.stop()
        check("one worker: 20 logins through auth_http", stats == [(0, 0)] * 20, str(stats[:3]))
        check("one worker: never more than one thread during the logins", most == 1, str(most))

        client = login(port)
        check("one worker: one thread while a session relays", proxy.threads() == 1)
        proxy.process.send_signal(signal.SIGTERM)
        check("SIGTERM: the notice line",
              proxy.wait_for_log(f"signal {int(signal.SIGTERM)} received, stopping "
                                 f"(grace {LONG_GRACE * 1000} ms)"), proxy.log()[-500:])
        check("SIGTERM: new connections refused", refused_soon(port))
        check("SIGTERM: the session goes on", client.stat() == (0, 0))
        running = proxy.process.poll() is None
        check("SIGTERM: still running, one thread", running and proxy.threads() == 1)
        proxy.process.send_signal(signal.SIGINT)
        try:
            rc = proxy.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        check(f"second signal: exit 0 at once, not after the {LONG_GRACE} s grace", rc == 0,
              str(rc))
        check("second signal: the relaying session was closed (nginx's info line)",
              proxy.log().count("shutdown timeout while proxying") == 1, proxy.log()[-500:])
        check("one notice line per stop, not per signal",
              proxy.log().count("received, stopping") == 1, proxy.log()[-500:])
    finally:
        proxy.kill()


def two_workers(popcheck, conf, port):
    proxy = Proxy(popcheck, conf, port, 2, 0.5)
    try:
        client = login(port)
        check("two workers: two threads (worker 1 on a thread of its own)", proxy.threads() == 2,
              str(proxy.threads()))
        check("two workers: a login", client.stat() == (0, 0))
        proxy.process.send_signal(signal.SIGTERM)
        try:
            rc = proxy.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        check("grace end: exit 0 with a session still open", rc == 0, str(rc))
        check("grace end: the relaying session was closed (nginx's info line)",
              proxy.log().count("shutdown timeout while proxying") == 1, proxy.log()[-500:])
        check("grace end: the notice line", "received, stopping (grace 500 ms)" in proxy.log(),
              proxy.log()[-500:])
    finally:
        proxy.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    args = ap.parse_args()
    popcheck = os.path.abspath(args.popcheck)
    if not os.path.exists(nginx_runner.MAIL_MODULE):
        print(f"SKIP: {nginx_runner.MAIL_MODULE} not installed (libnginx-mod-mail)")
        return 77
    auth_port, backend_port = h.free_port(), h.free_port()
    backend = Backend(backend_port)
    with AuthStub(auth_port, backend_port, {"alice": "secret"}):
        try:
            with tempfile.TemporaryDirectory(prefix="popcheck-signals-") as tmp:
                for run in (one_worker, two_workers):
                    port = h.free_port()
                    conf = os.path.join(tmp, f"{run.__name__}.conf")
                    with open(conf, "w") as fh:
                        fh.write(f"load_module {nginx_runner.MAIL_MODULE};\nevents {{}}\n"
                                 f"mail {{ auth_http 127.0.0.1:{auth_port}/auth;\n"
                                 f"  server {{ listen 127.0.0.1:{port}; protocol pop3; }} }}\n")
                    run(popcheck, conf, port)
        finally:
            backend.stop()
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
