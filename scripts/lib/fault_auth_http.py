"""An auth_http server with faults, for scripts/proxy_faults_test.py. Python 3 stdlib, asyncio (a
thread per request, as auth_stub.py has, does not hold a thousand requests that never end).

The behaviour is chosen by the first word of the login (fault_backend's `KIND.SIZE.SEED`):

  deny      `Auth-Status: Invalid login or password` (no Auth-Wait: nginx closes after the -ERR)
  dead      OK, but Auth-Server/Auth-Port name a port nobody listens on
  e500      `HTTP/1.0 500 Internal Server Error` with an HTML body and no Auth-* header
  garbage   a header block with binary bytes in a header name
  hang      reads the request and never answers (the proxy's auth_http_timeout ends it)
  close     reads the request and closes without a byte
  half      sends half of a header line, then closes
  authslow  answers OK after SLOW_ANSWER seconds (clients give up while they wait)
  otherwise OK with the address of the backend of the request's Auth-Protocol (pop3, imap, smtp)
            and Auth-Pass, if the password is fault_backend.PASSWORD; else
            `Auth-Status: Invalid login or password`
"""

import asyncio

import auth_stub
import fault_backend

SLOW_ANSWER = 1.0
REFUSAL = b"HTTP/1.0 200 OK\r\nAuth-Status: Invalid login or password\r\n\r\n"
E500 = (b"HTTP/1.0 500 Internal Server Error\r\nContent-Type: text/html\r\nContent-Length: 49\r\n\r\n"
        b"<html><body>500 Internal Server Error</body></html>")
GARBAGE = b"HTTP/1.0 200 OK\r\nAuth-\x00\x01\xff\xfeStatus: OK\r\n\r\n"
HALF = b"HTTP/1.0 200 OK\r\nAuth-Sta"


def headers(raw):
    """Lower-cased header names to values (latin-1) of a request."""
    out = {}
    for line in raw.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b": ")
        if sep:
            out[name.decode("latin-1").lower()] = value.decode("latin-1")
    return out


class AuthHttp:
    def __init__(self, port, pop3_port, imap_port, smtp_port, dead_port):
        self.port = port
        self.backend_ports = {"pop3": pop3_port, "imap": imap_port, "smtp": smtp_port}
        self.dead_port = dead_port
        self.served = 0
        self.server = None

    async def start(self):
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", self.port, backlog=4096)

    def ok(self, port):
        return (f"HTTP/1.0 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 127.0.0.1\r\n"
                f"Auth-Port: {port}\r\nAuth-Pass: {fault_backend.PASSWORD}\r\n\r\n").encode()

    async def serve(self, reader, writer):
        self.served += 1
        try:
            raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            h = headers(raw)
            login = auth_stub._unescape(h.get("auth-user", ""))
            kind = fault_backend.parse_login(login)[0]
            if kind == "hang":
                await reader.read()  # until the proxy gives up
                return
            if kind == "close":
                return
            if kind == "authslow":
                await asyncio.sleep(SLOW_ANSWER)
            answer = {"deny": REFUSAL, "e500": E500, "garbage": GARBAGE, "half": HALF,
                      "dead": self.ok(self.dead_port)}.get(kind)
            if answer is None:
                good = auth_stub._unescape(h.get("auth-pass", "")) == fault_backend.PASSWORD
                port = self.backend_ports.get(h.get("auth-protocol"), self.dead_port)
                answer = self.ok(port) if good else REFUSAL
            writer.write(answer)
            await writer.drain()
        except (ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
