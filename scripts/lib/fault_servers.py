#!/usr/bin/env python3
"""Runs the POP3, IMAP and SMTP fault backends or fault_auth_http.AuthHttp in a process of its own (the test's
clients, the backend and the auth server then do not share one Python core). Prints `ready` once
listening; exits when stdin closes (the test ended or died) or on SIGTERM, printing a count.

usage: fault_servers.py backend POP3_PORT IMAP_PORT SMTP_PORT
       fault_servers.py auth PORT POP3_PORT IMAP_PORT SMTP_PORT DEAD_PORT
"""

import asyncio
import ctypes
import os
import resource
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault_auth_http  # noqa: E402
import fault_backend  # noqa: E402
import fault_backend_imap  # noqa: E402
import fault_backend_smtp  # noqa: E402


async def main(role, ports):
    if role == "backend":
        servers = [module.Backend(port) for module, port in
                   zip((fault_backend, fault_backend_imap, fault_backend_smtp), ports)]
    else:
        servers = [fault_auth_http.AuthHttp(*ports)]
    for server in servers:
        await server.start()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, done.set)
    loop.add_reader(sys.stdin.fileno(), lambda: done.set() if not os.read(0, 4096) else None)
    await done.wait()
    print(f"fault {role}: {'/'.join(str(s.served) for s in servers)} connections", flush=True)


if __name__ == "__main__":
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: never outlive the test
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(main(sys.argv[1], [int(a) for a in sys.argv[2:]]))
