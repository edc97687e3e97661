"""A scripted SMTP backend for tests behind nginx (Python 3 stdlib only).

It greets, answers what nginx sends before relaying (EHLO/HELO, XCLIENT, AUTH PLAIN with
proxy_smtp_auth) and what a client sends through the relay (MAIL, RCPT, RSET, NOOP, QUIT), and
refuses DATA with 554: nothing is ever delivered. Every received line is recorded, per session.
"""

import socketserver
import threading

REPLIES = {
    "EHLO": b"250-backend.test\r\n250 8BITMIME\r\n",
    "HELO": b"250 backend.test\r\n",
    "XCLIENT": b"220 backend.test ESMTP\r\n",
    "AUTH": b"235 2.7.0 Authentication successful\r\n",
    "MAIL": b"250 2.1.0 Ok\r\n",
    "RCPT": b"250 2.1.5 Ok\r\n",
    "RSET": b"250 2.0.0 Ok\r\n",
    "NOOP": b"250 2.0.0 Ok\r\n",
    "DATA": b"554 5.5.1 Error: this test backend delivers nothing\r\n",
}


class SmtpBackend:
    def __init__(self, port):
        self.sessions = []
        self.lock = threading.Lock()
        backend = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 30

            def handle(self):
                lines = []
                with backend.lock:
                    backend.sessions.append(lines)
                try:
                    self.wfile.write(b"220 backend.test ESMTP\r\n")
                    for raw in self.rfile:
                        line = raw.rstrip(b"\r\n").decode("latin-1")
                        lines.append(line)
                        verb = line.split(" ", 1)[0].upper()
                        if verb == "QUIT":
                            self.wfile.write(b"221 2.0.0 Bye\r\n")
                            return
                        self.wfile.write(REPLIES.get(verb, b"502 5.5.2 Error: command not recognized\r\n"))
                except OSError:
                    return

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
