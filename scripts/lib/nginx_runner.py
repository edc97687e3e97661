"""Run the real nginx (Debian 1.22.1 + libnginx-mod-mail) on a copy of a test case.

A case directory is copied to a private temporary directory and rewritten so that it can run anywhere:
every `listen` address becomes 127.0.0.1 (or [::1]):<port from a caller-supplied map>, relative ssl_* file paths
become absolute against the original case directory (joined, not normalised, so nginx's messages
name the same path as for the original), `pid` and `error_log` go into the temporary directory. The
config is otherwise left as it is. Python 3 stdlib only.
"""

import ctypes
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

NGINX = os.environ.get("POPCHECK_NGINX", "/usr/sbin/nginx")  # another nginx build, for experiments
MAIL_MODULE = "/usr/lib/nginx/modules/ngx_mail_module.so"
# Debian's compiled-in prefix: `load_module modules/...` resolves against it.
DEBIAN_PREFIX = "/usr/share/nginx/"

# Directives whose relative file argument nginx resolves against the conf prefix (docs/nginx-behaviour.md#files-and-paths).
_PATH_DIRECTIVES = ("ssl_certificate", "ssl_certificate_key", "ssl_password_file", "ssl_dhparam",
                    "ssl_client_certificate", "ssl_trusted_certificate", "ssl_crl",
                    "ssl_session_ticket_key")
_PATH_RE = re.compile(r"(?m)(^|[;{}\s])(" + "|".join(_PATH_DIRECTIVES) + r")(\s+)([^\s;\"']+)(\s*;)")
_LISTEN_RE = re.compile(r"(?m)(^|[;{}\s])(listen\s+)([^\s;]+)")
_PID_RE = re.compile(r"(?m)^(\s*)pid\s+[^;]*;")
_ERROR_LOG_RE = re.compile(r"(?m)^(\s*)error_log\s+(?!stderr)[^\s;]+")


def _die_with_parent():
    """In the nginx child: get SIGTERM if the test process dies (killed by a ctest timeout, say),
    so no nginx outlives its test. Linux prctl(PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def available():
    """None when nginx and its mail module are installed, else the reason they are not usable."""
    if not os.access(NGINX, os.X_OK):
        return f"{NGINX} not installed"
    if not os.path.exists(MAIL_MODULE):
        return f"{MAIL_MODULE} not installed (libnginx-mod-mail)"
    return None


_UNSHARE = None


def can_unshare():
    """Whether `unshare -n` works here (root, or user namespaces): nginx -t then binds its listens
    in a private network namespace, so a config runs unmodified, any port, without clashes."""
    global _UNSHARE
    if _UNSHARE is None:
        try:
            r = subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"],
                               capture_output=True, timeout=10)
            _UNSHARE = r.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _UNSHARE = False
    return _UNSHARE


def test_in_place(conf, timeout=20):
    """`nginx -t` on the configuration file itself (no copy, no rewrite: nginx's messages name the
    real path), in a private network namespace when possible. nginx -t creates the pid file: a
    config that sets `pid` itself (to test that) must name one nginx cannot create; others get a
    pid file in a temporary directory.
    Returns (exit status, stderr lines) or None when the config's listens would have to bind on
    the host and are not all 127.0.0.1 ports in 26000-26999 (then the caller skips the case)."""
    with tempfile.TemporaryDirectory(prefix="popcheck-nginx-t-") as tmp:
        cmd = [NGINX, "-t", "-p", DEBIAN_PREFIX, "-c", conf, "-e", "/dev/stderr"]
        with open(conf, encoding="utf-8", errors="surrogateescape") as f:
            if not _PID_RE.search(f.read()):
                cmd += ["-g", f"pid {tmp}/nginx.pid;"]
        if can_unshare():
            script = 'ip link set lo up && exec "$@"'
            cmd = ["unshare", "-n", "sh", "-c", script, "sh"] + cmd
        elif any(not 26000 <= p <= 26999 for p in ports_in(os.path.dirname(conf))):
            return None
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return r.returncode, r.stderr.splitlines()


def listen_port(address):
    """The port of a listen address token (`110`, `*:110`, `127.0.0.1:110`, `[::1]:110`), or None."""
    if address.startswith("unix:"):
        return None
    tail = address.rsplit("]", 1)[-1] if address.startswith("[") else address
    port = tail.rsplit(":", 1)[-1]
    return int(port) if port.isdigit() else None


# Ports handed out by free_port() are leased across every test process on the machine: ctest -j
# runs tests side by side, and "nobody listens there right now" is not ownership (a test picks a
# port, then starts its server a second later; another test must not pick it in between). A lease
# is an exclusive flock on a file named after the port, held until this process exits (the kernel
# drops it even on SIGKILL), so a port stays a test's own for the test's whole life.
_LEASE_DIR = os.path.join(tempfile.gettempdir(), "popcheck-port-leases")
_leases = {}  # port -> the open lease file


def _lease(port):
    import fcntl

    os.makedirs(_LEASE_DIR, mode=0o1777, exist_ok=True)
    fd = os.open(os.path.join(_LEASE_DIR, str(port)), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    _leases[port] = fd
    return True


def free_port(lo, hi, taken=()):
    """A TCP port in [lo, hi] that nobody listens on at 127.0.0.1 and that no other test process
    holds: leased to this process until it exits (see _lease)."""
    start = lo + (os.getpid() * 7919 + int(time.time() * 1000)) % (hi - lo + 1)
    for i in range(hi - lo + 1):
        port = lo + (start - lo + i) % (hi - lo + 1)
        if port in taken or port in _leases:
            continue
        if not _lease(port):
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use by something outside the leases: keep the lease, skip it
        return port
    raise RuntimeError(f"no free port in {lo}-{hi}")


def _rewrite_text(text, case_dir, port_map):
    def listen(m):
        port = listen_port(m.group(3))
        if port is None or port not in port_map:
            return m.group(0)
        host = "[::1]" if m.group(3).startswith("[") else "127.0.0.1"
        return f"{m.group(1)}{m.group(2)}{host}:{port_map[port]}"

    def path(m):
        value = m.group(4)
        if value.startswith("/") or value.startswith("data:"):
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}{m.group(3)}{case_dir}/{value}{m.group(5)}"

    return _PATH_RE.sub(path, _LISTEN_RE.sub(listen, text))


def ports_in(case_dir):
    """Every listen port written in the case's files (main file and includes), sorted."""
    ports = set()
    for root, _, files in os.walk(case_dir):
        for name in files:
            if name.endswith((".json", ".md", ".txt")):  # goldens and notes, not config
                continue
            try:
                text = open(os.path.join(root, name), encoding="utf-8", errors="surrogateescape").read()
            except OSError:
                continue
            text = re.sub(r"(?m)#.*$", "", text)  # commented-out listens (approximate: ignores quotes)
            for m in _LISTEN_RE.finditer(text):
                port = listen_port(m.group(3))
                if port is not None:
                    ports.add(port)
    return sorted(ports)



def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def probe_connection(port):
    """A connection to 127.0.0.1:port from a client port outside the kernel's ephemeral range, so
    that no test's own connection later gets the same client port (tests tell their sessions
    apart in the error log by client port; loopback reuses ports still in TIME_WAIT). Falls back
    to an ephemeral port when none of those is free."""
    _, hi = _ephemeral_range()
    candidates = list(range(hi + 1, 65536))
    random.shuffle(candidates)
    for client_port in candidates[:50]:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", client_port))
        except OSError:
            s.close()
            continue
        s.settimeout(0.5)
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            s.close()
            raise
        return s
    return socket.create_connection(("127.0.0.1", port), timeout=0.5)


def wait_for_ports(process, ports, deadline, exited, stop, timed_out):
    """Waits until every port accepts connections on 127.0.0.1, polling every 50 ms until the
    monotonic `deadline`. Raises RuntimeError(exited()) if `process` ends first, or calls `stop()`
    and raises RuntimeError(timed_out(port)) at the deadline."""
    pending = list(ports)
    while pending:
        if process.poll() is not None:
            raise RuntimeError(exited())
        try:
            with probe_connection(pending[0]):
                pass
            pending.pop(0)
        except OSError:
            if time.monotonic() > deadline:
                stop()
                raise RuntimeError(timed_out(pending[0]))
            time.sleep(0.05)

class Instance:
    """A rewritten copy of a case in a temporary directory; `test()` runs `nginx -t`, `start()` runs it."""

    def __init__(self, case_dir, port_map, runnable=False, log_level="info"):
        self.case_dir = os.path.abspath(case_dir)
        self.tmp = tempfile.mkdtemp(prefix="popcheck-nginx-")
        self.conf_dir = os.path.join(self.tmp, "conf")
        self.conf = os.path.join(self.conf_dir, "nginx.conf")
        self.pid_file = os.path.join(self.tmp, "nginx.pid")
        self.error_log = os.path.join(self.tmp, "error.log")
        self.process = None
        shutil.copytree(self.case_dir, self.conf_dir, symlinks=False)
        for root, _, files in os.walk(self.conf_dir):
            for name in files:
                p = os.path.join(root, name)
                with open(p, encoding="utf-8", errors="surrogateescape") as fh:
                    text = fh.read()
                new = _rewrite_text(text, self.case_dir, port_map)
                new = _PID_RE.sub(lambda m: f"{m.group(1)}pid {self.pid_file};", new)
                new = _ERROR_LOG_RE.sub(lambda m: f"{m.group(1)}error_log {self.error_log}", new)
                if new != text:
                    with open(p, "w", encoding="utf-8", errors="surrogateescape") as fh:
                        fh.write(new)
        with open(self.conf, encoding="utf-8", errors="surrogateescape") as fh:
            text = fh.read()
        self.has_pid = _PID_RE.search(text) is not None
        if runnable:
            # What a runnable copy needs beyond the case itself: the module, events, logs at `info`.
            head = f"error_log {self.error_log} {log_level};\n"
            if "load_module" not in text:
                head = f"load_module {MAIL_MODULE};\n" + head
            if not re.search(r"(?m)^\s*events\s*\{", text):
                text += "\nevents {}\n"
            with open(self.conf, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(head + text)

    def _globals(self):
        return [] if self.has_pid else ["-g", f"pid {self.pid_file};"]

    def unmap(self, text):
        """Replace the temporary conf dir with the original case dir in nginx's messages."""
        return text.replace(self.conf_dir, self.case_dir)

    def test(self, timeout=20):
        """`nginx -t`: (exit status, stderr lines without the Debian timestamp/pid prefix)."""
        cmd = [NGINX, "-t", "-p", DEBIAN_PREFIX, "-c", self.conf, "-e", "/dev/stderr"] + self._globals()
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return r.returncode, [self.unmap(line) for line in r.stderr.splitlines()]

    def start(self, ports, timeout=10.0):
        """Start nginx in the foreground as our child; wait until every port accepts connections."""
        cmd = [NGINX, "-p", DEBIAN_PREFIX, "-c", self.conf, "-e", self.error_log] + self._globals()
        cmd += ["-g", "daemon off;"]
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        def exited():
            err = self.process.stderr.read().decode(errors="replace")
            return (f"nginx exited with {self.process.returncode}: {err.strip()}\n"
                    f"{self.log_tail()}")

        wait_for_ports(self.process, ports, deadline, exited, self.stop,
                       lambda port: f"nginx did not listen on 127.0.0.1:{port} within {timeout}s")

    def stop(self, timeout=10.0):
        """Stop our nginx (master and workers are in their own process group) and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)
        except ProcessLookupError:
            pass

    def log_tail(self, lines=20):
        try:
            with open(self.error_log, encoding="utf-8", errors="replace") as fh:
                return "".join(fh.readlines()[-lines:])
        except OSError:
            return ""

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
