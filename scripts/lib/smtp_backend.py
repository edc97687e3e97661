"""The scripted SMTP backend of every test behind nginx or `popcheck proxy` (Python 3 stdlib
only): the probe's (probe_nginx_test.py), the proxy tests' (proxy_harness.Environment,
proxy_clients_mail_test.py) and the backend-login test's (nginx_backend_login_test.py).

It greets and answers by the command: a multi-line EHLO reply, 220 to XCLIENT (550 when the
XCLIENT names the login "rejectbe"), 235 to AUTH, 250 to MAIL, 250 to RCPT (550 for a recipient
starting "nobody"), DATA up to the dot (250 queued, nothing is delivered anywhere), 221 to
QUIT, 250 to anything else. `received` holds each connection's bytes, in order (a PROXY header
included, which gets no reply).
"""

import socketserver
import threading


class SmtpBackend:
    def __init__(self, port):
        self.received = []
        self.lock = threading.Lock()
        backend = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 30

            def handle(self):
                with backend.lock:
                    backend.received.append(b"")
                    index = len(backend.received) - 1
                try:
                    self.wfile.write(b"220 backend.test ESMTP\r\n")
                    data = False
                    for line in self.rfile:
                        with backend.lock:
                            backend.received[index] += line
                        if data:
                            if line == b".\r\n":
                                data = False
                                self.wfile.write(b"250 2.0.0 queued\r\n")
                            continue
                        verb = line.split(b" ", 1)[0].strip().upper()
                        if verb == b"PROXY":
                            continue
                        if verb == b"QUIT":
                            self.wfile.write(b"221 2.0.0 backend bye\r\n")
                            return
                        if verb == b"DATA":
                            data = True
                            self.wfile.write(b"354 go ahead\r\n")
                            continue
                        self.wfile.write(SmtpBackend.reply(verb, line))
                except OSError:
                    return

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def reply(verb, line):
        if verb == b"EHLO":
            return b"250-backend.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
        if verb == b"HELO":
            return b"250 backend.test\r\n"
        if verb == b"XCLIENT":
            if b" LOGIN=rejectbe " in line:
                return b"550 5.7.0 xclient denied\r\n"
            return b"220 backend.test ESMTP\r\n"
        if verb == b"AUTH":
            return b"235 2.7.0 backend ok\r\n"
        if verb == b"MAIL":
            return b"250 2.1.0 sender ok\r\n"
        if verb == b"RCPT":
            if line.upper().startswith(b"RCPT TO:<NOBODY"):
                return b"550 5.1.1 no such user\r\n"
            return b"250 2.1.5 recipient ok\r\n"
        return b"250 2.0.0 ok\r\n"

    def sessions(self):
        """Each connection's lines (without CRLF, latin-1), in order."""
        with self.lock:
            received = list(self.received)
        return [[line.decode("latin-1") for line in data.split(b"\r\n")[:-1]] for data in received]

    def clear(self):
        with self.lock:
            self.received.clear()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
