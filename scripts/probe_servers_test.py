#!/usr/bin/python3
"""The generic suite (`popcheck probe` without --config) against real Debian POP3 and IMAP servers.

Each server runs on 127.0.0.1 (ports 26000-26999) with its own configuration in a temporary
directory, never as a system service: dovecot-pop3d (installed; scripts/lib/dovecot_runner.py),
and, from Debian packages unpacked into a private directory (`apt-get download` + `dpkg-deb -x`,
no maintainer scripts, nothing started by the package system): popa3d, solid-pop3d and
mailutils-pop3d and courier-pop (with courier-authlib's authdaemond) inetd-style (this script
accepts and hands each connection to the server as its stdin/stdout), perdition in front of
dovecot; and the generic IMAP suite (`probe --protocol imap`) against dovecot-imapd (installed),
courier-imap (imaplogin + imapd inetd-style, courier-authlib), cyrus-imapd (its own master
process, SASL users in a private sasldb), and nginx 1.22.1 (testdata/compile/imap-starttls-only)
in front of dovecot-imapd. The mailbox is the same for all: three messages,
one with a dot-stuffed line, one of 200 KiB.

For each server the probe runs with credentials; the checks that fail, warn or inform must be
exactly those recorded in testdata/probe/servers.json (a server that follows the RFCs has no
failure; a known real bug, such as mailutils' +OK to a second DELE, must be caught). With
--markdown the per-server table for docs/probe.md is printed.

Needs root: the servers authenticate system users through PAM, so the test creates the user
`popchk` (password below, no shell, no home) and the service users the packages expect (popa3d,
spop3d), and adds popchk to the `mail` group. Run (about a minute):
    sudo python3 scripts/probe_servers_test.py --popcheck build/popcheck [--fetch] [SERVER...]
--fetch downloads and unpacks the packages into --root (default /var/tmp/popcheck-pop3-servers).
Exit: 0 as recorded, 1 a difference, 2 setup error, 77 not root or no unpacked packages.
"""

import argparse
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
from checks import Checks  # noqa: E402
import dovecot_runner  # noqa: E402
import nginx_runner  # noqa: E402

USER, PASSWORD = "popchk", "popchk-pw-1"  # a throwaway system user of this test only
EXPECTED = os.path.join(REPO, "testdata", "probe", "servers.json")
PACKAGES = {
    "popa3d": ["popa3d"],
    "solid-pop3d": ["solid-pop3d", "liblockfile1"],
    "mailutils": ["mailutils-pop3d", "libmailutils9", "libmu-dbm9", "mailutils-common",
                  "libgsasl18", "libidn12", "libkyotocabinet16v5", "libmariadb3", "libntlm0",
                  "libgssglue1", "liblzo2-2", "guile-3.0-libs", "libltdl7", "libgc1"],
    "perdition": ["perdition", "libvanessa-adt1", "libvanessa-logger0", "libvanessa-socket2",
                  "libpopt0"],
    "courier": ["courier-pop", "courier-base", "courier-authlib", "libcourier-unicode4"],
    "courier-imap": ["courier-imap", "courier-base", "courier-authlib", "libcourier-unicode4",
                     "libgamin0", "libltdl7"],
    "cyrus-imap": ["cyrus-imapd", "cyrus-common", "libxapian30", "libical3", "sasl2-bin",
                   "libsasl2-modules", "libsasl2-modules-db"],
}
HOME = "/var/tmp/popcheck-popchk-home"  # courier opens the Maildir in the user's home
BIG = "".join(f"line {i:06d} " + "x" * 60 + "\r\n" for i in range(3000))  # ~200 KiB
MESSAGES = [
    ("<1@example.test>", "Hello.\r\n"),
    ("<2@example.test>", "before\r\n.dot-stuffed line\r\n..two dots\r\nafter\r\n"),
    ("<3@example.test>", BIG),
]


def message(n, msgid, body, eol="\r\n"):
    text = (f"From: sender{n}@example.test\r\nTo: {USER}@example.test\r\nSubject: message {n}\r\n"
            f"Message-ID: {msgid}\r\n\r\n{body}")
    return text.replace("\r\n", eol)


def fetch(root):
    os.makedirs(root, exist_ok=True)
    debs = os.path.join(root, "debs")
    os.makedirs(debs, exist_ok=True)
    names = sorted({p for ps in PACKAGES.values() for p in ps})
    subprocess.run(["apt-get", "download"] + names, cwd=debs, check=True)
    for deb in os.listdir(debs):
        subprocess.run(["dpkg-deb", "-x", os.path.join(debs, deb), root], check=True)


def library_path(root):
    return ":".join(os.path.join(root, d) for d in
                    ("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu", "usr/lib"))


def ensure_users():
    for name in ("popa3d", "spop3d"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            subprocess.run(["useradd", "-r", "-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin",
                            name], check=True)
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin", USER],
                       check=True)
    subprocess.run(["chpasswd"], input=f"{USER}:{PASSWORD}\n".encode(), check=True)
    subprocess.run(["usermod", "-aG", "mail", USER], check=True)
    os.makedirs(HOME, exist_ok=True)
    os.chown(HOME, pwd.getpwnam(USER).pw_uid, -1)
    subprocess.run(["usermod", "-d", HOME, USER], check=True)
    os.makedirs("/var/lib/popa3d", exist_ok=True)  # popa3d's empty chroot
    os.makedirs("/var/lock/subsys/mail", mode=0o1777, exist_ok=True)  # mailutils' session locks
    os.chmod("/var/lock/subsys/mail", 0o1777)


def maildir(path):
    uid, gid = pwd.getpwnam(USER).pw_uid, pwd.getpwnam(USER).pw_gid
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    for i, (msgid, body) in enumerate(MESSAGES, start=1):
        with open(os.path.join(path, "new", f"{1700000000 + i}.M{i}P1.popcheck"), "w", newline="") as fh:
            fh.write(message(i, msgid, body, "\n"))
    for dirpath, dirs, files in os.walk(path):
        for name in dirs + files + [""]:
            os.chown(os.path.join(dirpath, name), uid, gid)  # courier imapd checks both


def mbox(path):
    with open(path, "w", newline="") as fh:
        for i, (msgid, body) in enumerate(MESSAGES, start=1):
            fh.write(f"From sender{i}@example.test Mon Dec  7 00:00:0{i} 2026\n")
            fh.write(message(i, msgid, body, "\n") + "\n")
    os.chown(path, pwd.getpwnam(USER).pw_uid, -1)
    os.chmod(path, 0o600)


class Inetd:
    """Accepts on 127.0.0.1:port and runs `argv` per connection with the socket as stdin/stdout."""

    def __init__(self, port, argv, env, log):
        self.argv, self.env, self.log = argv, env, log
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.children = []
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with open(self.log, "ab") as err:
                self.children.append(subprocess.Popen(self.argv, stdin=conn.fileno(), stdout=conn.fileno(),
                                                      stderr=err, env=self.env, close_fds=True))
            conn.close()
            self.children = [c for c in self.children if c.poll() is None]

    def stop(self):
        self.stopping = True
        self.sock.close()
        for c in self.children:
            if c.poll() is None:
                c.kill()
            c.wait()


def start_popa3d(root, tmp, port):
    mbox(f"/var/mail/{USER}")
    return Inetd(port, [os.path.join(root, "usr/sbin/popa3d")], os.environ.copy(),
                 os.path.join(tmp, "popa3d.log"))


def start_solid(root, tmp, port):
    box = os.path.join(tmp, "solid", USER)
    maildir(box)
    conf = os.path.join(tmp, "spop3d.conf")
    with open(conf, "w") as fh:
        fh.write(f'<Global>\n\tMailDropName\t"{os.path.dirname(box)}/%s"\n\tMailDropType\tmaildir\n'
                 '\tLogStatistics\tno\n\tAddBulletins\tno\n</Global>\n')
    env = dict(os.environ, LD_LIBRARY_PATH=library_path(root))
    return Inetd(port, [os.path.join(root, "usr/sbin/solid-pop3d"), "-f", conf], env,
                 os.path.join(tmp, "solid.log"))


def start_mailutils(root, tmp, port):
    box = os.path.join(tmp, "mailutils", USER)
    maildir(box)
    conf = os.path.join(tmp, "mailutils.conf")
    with open(conf, "w") as fh:
        fh.write('mailbox {\n  mailbox-pattern "maildir://%s/${user}";\n};\n' % os.path.dirname(box))
    env = dict(os.environ, LD_LIBRARY_PATH=library_path(root))
    return Inetd(port, [os.path.join(root, "usr/sbin/pop3d"), "--inetd", f"--config-file={conf}"], env,
                 os.path.join(tmp, "mailutils.log"))


def start_perdition(root, tmp, port, backend_port):
    env = dict(os.environ, LD_LIBRARY_PATH=library_path(root))
    argv = [os.path.join(root, "usr/sbin/perdition.pop3"), "--inetd_mode", "--no_lookup",
            "--outgoing_server", f"127.0.0.1:{backend_port}", "--ssl_mode", "none",
            "--map_library", "", "--connect_relog", "0"]
    return Inetd(port, argv, env, os.path.join(tmp, "perdition.log"))


class Courier:
    """courier-authlib's authdaemond (PAM) and courierpop3login inetd-style. authlib reads the
    compiled-in /etc/courier/authdaemonrc and loads its modules from /usr/lib/courier-authlib:
    both are written here when missing (the package's own files, never started as a service)."""

    def __init__(self, root, tmp, port, imap=False):
        box = os.path.join(HOME, "Maildir")
        shutil.rmtree(box, ignore_errors=True)
        maildir(box)
        os.makedirs("/etc/courier", exist_ok=True)
        if not os.path.exists("/etc/courier/authdaemonrc"):
            with open("/etc/courier/authdaemonrc", "w") as fh:
                fh.write('authmodulelist="authpam"\ndaemons=2\nauthdaemonvar=/run/courier/authdaemon\n')
        modules = os.path.join(root, "usr/lib/courier-authlib")
        if os.path.islink("/usr/lib/courier-authlib") and os.readlink("/usr/lib/courier-authlib") != modules:
            os.unlink("/usr/lib/courier-authlib")  # ours, from a run with another --root
        if not os.path.exists("/usr/lib/courier-authlib"):
            os.symlink(modules, "/usr/lib/courier-authlib")
        os.makedirs("/run/courier/authdaemon", exist_ok=True)
        env = dict(os.environ, LD_LIBRARY_PATH=library_path(root))
        self.authd = subprocess.Popen([os.path.join(root, "usr/lib/courier/courier-authlib/authdaemond")],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True)
        deadline = time.monotonic() + 10
        while not os.path.exists("/run/courier/authdaemon/socket") and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        # couriertcpd's environment for the login program (it crashes without TCPREMOTEIP)
        env.update(TCPREMOTEIP="127.0.0.1", TCPREMOTEPORT="1", TCPLOCALIP="127.0.0.1",
                   TCPLOCALPORT=str(port), POP3AUTH="PLAIN LOGIN")
        bin_dir = os.path.join(root, "usr/lib/courier/courier")
        if imap:
            # /etc/courier/imapd's settings as environment (no STARTTLS: no couriertls here);
            # AUTH=PLAIN is advertised so that the AUTHENTICATE checks run.
            env.update(IMAP_CAPABILITY="IMAP4rev1 UIDPLUS CHILDREN NAMESPACE IDLE AUTH=PLAIN",
                       IMAP_KEYWORDS="1", IMAP_ACL="1", IMAP_TLS="0", IMAP_STARTTLS="NO",
                       IMAPDSTARTTLS="NO", IMAP_USELOCKS="1", IMAP_PROXY="0")
            argv = [os.path.join(bin_dir, "imaplogin"), os.path.join(root, "usr/bin/imapd"), "Maildir"]
        else:
            argv = [os.path.join(bin_dir, "courierpop3login"), os.path.join(bin_dir, "courierpop3d"),
                    "Maildir"]
        self.inetd = Inetd(port, argv, env, os.path.join(tmp, "courier.log"))

    def stop(self):
        self.inetd.stop()
        import signal
        try:
            os.killpg(self.authd.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.authd.wait(timeout=10)


class Cyrus:
    """cyrus-imapd 3.6 under its own master process, as the system user `cyrus`, with everything in
    a private directory: imapd.conf, cyrus.conf (one imap service on 127.0.0.1:port), the spool
    and a sasldb with the test user and the admin `cyrus`. The INBOX is created by the admin and
    filled with APPEND by the user (Cyrus has no Maildir to prepare)."""

    ADMIN_PASSWORD = "popchk-admin-1"

    def __init__(self, root, tmp, port):
        import imaplib
        try:
            pwd.getpwnam("cyrus")
        except KeyError:
            subprocess.run(["useradd", "-r", "-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin",
                            "-g", "mail", "cyrus"], check=True)
        cyrus = pwd.getpwnam("cyrus")
        base = os.path.join(tmp, "cyrus")
        for sub in ("config", "spool", "run"):
            os.makedirs(os.path.join(base, sub), exist_ok=True)
        bin_dir = os.path.join(root, "usr/lib/cyrus/bin")
        conf = os.path.join(base, "imapd.conf")
        with open(conf, "w") as fh:
            fh.write(f"configdirectory: {base}/config\npartition-default: {base}/spool\n"
                     "admins: cyrus\nsasl_pwcheck_method: auxprop\nsasl_auxprop_plugin: sasldb\n"
                     f"sasl_sasldb_path: {base}/sasldb2\nsasl_mech_list: PLAIN LOGIN\n"
                     "allowplaintext: yes\nunixhierarchysep: no\naltnamespace: no\n"
                     "servername: mail.example.test\nsyslog_prefix: popcheck-cyrus\n"
                     f"tls_server_cert: {base}/mail.crt\ntls_server_key: {base}/mail.key\n")
        for name in ("mail.crt", "mail.key"):
            shutil.copy(os.path.join(REPO, "testdata", "certs", name), os.path.join(base, name))
        services = os.path.join(base, "cyrus.conf")
        with open(services, "w") as fh:
            fh.write(f'START {{\n  recover cmd="{bin_dir}/ctl_cyrusdb -C {conf} -r"\n}}\n'
                     f'SERVICES {{\n  imap cmd="{bin_dir}/imapd -C {conf}" '
                     f'listen="127.0.0.1:{port}" prefork=0\n}}\nEVENTS {{\n}}\n')
        env = dict(os.environ, LD_LIBRARY_PATH=library_path(root),
                   SASL_PATH=os.path.join(root, "usr/lib/x86_64-linux-gnu/sasl2"))
        for user, password in ((USER, PASSWORD), ("cyrus", self.ADMIN_PASSWORD)):
            subprocess.run([os.path.join(root, "usr/sbin/saslpasswd2"), "-f", f"{base}/sasldb2",
                            "-p", "-c", "-u", "mail.example.test", user],
                           input=password.encode(), env=env, check=True)
        for dirpath, dirs, files in os.walk(base):
            for name in dirs + files + [""]:
                os.chown(os.path.join(dirpath, name), cyrus.pw_uid, cyrus.pw_gid)

        def as_cyrus():
            os.setsid()
            os.setgid(cyrus.pw_gid)
            os.setuid(cyrus.pw_uid)

        self.log = open(os.path.join(tmp, "cyrus.log"), "ab")
        self.master = subprocess.Popen([os.path.join(bin_dir, "master"), "-C", conf, "-M", services,
                                        "-p", f"{base}/run/master.pid", "-D"], env=env,
                                       stdout=self.log, stderr=self.log, preexec_fn=as_cyrus)
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe_sock:
                    probe_sock.settimeout(3)
                    if probe_sock.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or self.master.poll() is not None:
                self.stop()
                raise RuntimeError("cyrus master did not serve IMAP on %d" % port)
            time.sleep(0.1)
        admin = imaplib.IMAP4("127.0.0.1", port)
        admin.login("cyrus", self.ADMIN_PASSWORD)
        admin.create(f"user.{USER}")
        admin.logout()
        user = imaplib.IMAP4("127.0.0.1", port)
        user.login(USER, PASSWORD)
        for i, (msgid, body) in enumerate(MESSAGES, start=1):
            user.append("INBOX", None, None, message(i, msgid, body).encode())
        user.logout()

    def stop(self):
        import signal
        if self.master.poll() is None:
            try:
                os.killpg(self.master.pid, signal.SIGTERM)
                self.master.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.master.pid, signal.SIGKILL)
                self.master.wait(timeout=10)
        self.log.close()


def dovecot(port):
    d = dovecot_runner.Dovecot(port, {USER: PASSWORD},
                               {USER: [f"{body}" for _, body in MESSAGES]}, failure_delay="2 secs")
    d.start()
    return d


def dovecot_imap(port, pop3_port):
    d = dovecot_runner.Dovecot(pop3_port, {USER: PASSWORD},
                               {USER: [f"{body}" for _, body in MESSAGES]}, failure_delay="2 secs",
                               imap_port=port)
    pop3s = nginx_runner.free_port(26000, 26999, taken={port, pop3_port})
    d.enable_tls(pop3s, os.path.join(REPO, "testdata", "certs"))  # STARTTLS on the IMAP port
    d.start()
    return d


class NginxImap:
    """Real nginx 1.22.1 with testdata/compile/imap-starttls-only (STARTTLS, LOGINDISABLED before
    it) in front of dovecot-imapd, through the auth_http stub; listening on `port`."""

    def __init__(self, port, backend_port, taken):
        import auth_stub
        ports = set(taken) | {port, backend_port}
        self.stub_port = nginx_runner.free_port(26000, 26999, taken=ports)
        pop3_port = nginx_runner.free_port(26000, 26999, taken=ports | {self.stub_port})
        self.dovecot = dovecot_imap(backend_port, pop3_port)
        self.stub = auth_stub.AuthStub(self.stub_port, pop3_port, {USER: PASSWORD},
                                       protocol_ports={"imap": backend_port})
        self.stub.start()
        case = os.path.join(REPO, "testdata", "compile", "imap-starttls-only")
        self.nginx = nginx_runner.Instance(case, {p: port for p in nginx_runner.ports_in(case)},
                                           runnable=True)
        self.nginx.__enter__()
        auth_stub.point_auth_http(self.nginx.conf_dir, self.stub_port)
        self.nginx.start([port])

    def stop(self):
        self.nginx.stop()
        self.nginx.__exit__(None, None, None)
        self.stub.stop()
        self.dovecot.cleanup()


def probe(popcheck, port, out, protocol="pop3", extra=()):
    cmd = [popcheck, "probe", "--protocol", protocol, *extra, "--target", f"127.0.0.1:{port}", "--user",
           USER, "--password", PASSWORD, "--format", "json", "-o", out, "--jobs", "4",
           "--ca", os.path.join(REPO, "testdata", "certs", "mail.crt"), "--sni", "mail.example.test"]
    r = subprocess.run(cmd, capture_output=True, timeout=600)
    with open(out) as fh:
        return r.returncode, json.load(fh), r.stderr.decode()


def summarize(report):
    by = {"pass": [], "fail": [], "warn": [], "info": [], "skip": [], "error": []}
    for c in report["checks"]:
        by[c["result"]].append(c)
    return by


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--popcheck", default=os.path.join(REPO, "build", "popcheck"))
    ap.add_argument("--root", default="/var/tmp/popcheck-pop3-servers")
    ap.add_argument("--fetch", action="store_true", help="apt-get download + dpkg-deb -x into --root")
    ap.add_argument("--markdown", action="store_true", help="print the table for docs/probe.md")
    ap.add_argument("--show", action="store_true", help="print every non-passing check")
    ap.add_argument("--no-read-only", action="store_true",
                    help="IMAP: also the APPEND/STORE/EXPUNGE checks (probe --no-read-only)")
    ap.add_argument("servers", nargs="*")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root (system user and PAM for the servers)")
        return 77
    if args.fetch:
        fetch(args.root)
    popcheck = os.path.abspath(args.popcheck)
    with open(EXPECTED) as fh:
        expected = json.load(fh)
    ensure_users()
    check = Checks()
    rows = []
    tmp = tempfile.mkdtemp(prefix="popcheck-servers-")
    os.chmod(tmp, 0o755)
    try:
        backend = nginx_runner.free_port(26000, 26999)
        for name in expected:
            if args.servers and name not in args.servers:
                continue
            binary = {"popa3d": "usr/sbin/popa3d", "solid-pop3d": "usr/sbin/solid-pop3d",
                      "mailutils": "usr/sbin/pop3d", "perdition": "usr/sbin/perdition.pop3",
                      "courier": "usr/lib/courier/courier/courierpop3login",
                      "courier-imap": "usr/lib/courier/courier/imaplogin",
                      "cyrus-imap": "usr/lib/cyrus/bin/master"}.get(name)
            protocol = expected[name].get("protocol", "pop3")
            if binary and not os.access(os.path.join(args.root, binary), os.X_OK):
                print(f"skip {name}: {args.root}/{binary} missing (run with --fetch)")
                continue
            port = nginx_runner.free_port(26000, 26999, taken={backend})
            started, backend_dovecot = None, None
            try:
                if name == "dovecot":
                    started = dovecot(port)
                elif name == "dovecot-imap":
                    started = dovecot_imap(port, backend)
                elif name == "courier-imap":
                    started = Courier(args.root, tmp, port, imap=True)
                elif name == "cyrus-imap":
                    started = Cyrus(args.root, tmp, port)
                elif name == "nginx-imap":
                    started = NginxImap(port, backend, set())
                elif name == "perdition":
                    backend_dovecot = dovecot(backend)
                    started = start_perdition(args.root, tmp, port, backend)
                elif name == "courier":
                    started = Courier(args.root, tmp, port)
                else:
                    started = {"popa3d": start_popa3d, "solid-pop3d": start_solid,
                               "mailutils": start_mailutils}[name](args.root, tmp, port)
                time.sleep(0.2)
                out = os.path.join(tmp, f"{name}.json")
                start = time.monotonic()
                rc, report, stderr = probe(popcheck, port, out, protocol,
                                           ["--no-read-only"] if args.no_read_only else [])
                seconds = time.monotonic() - start
            finally:
                for s in (started, backend_dovecot):
                    if s is not None:
                        (s.cleanup if hasattr(s, "cleanup") else s.stop)()
            by = summarize(report)
            want = expected[name]
            got_fail = sorted(c["name"] for c in by["fail"] + by["error"])
            # Failures of the write checks (IMAP APPEND/STORE/EXPUNGE) are recorded apart: only
            # --no-read-only runs them.
            want = dict(want, fail=want["fail"] + (want.get("fail_no_read_only", [])
                                                   if args.no_read_only else []))
            got_warn = sorted(c["name"] for c in by["warn"])
            got_info = sorted(c["name"] for c in by["info"])
            print(f"   {name}: exit {rc}, {len(report['checks'])} checks in {seconds:.1f} s: "
                  f"{len(by['pass'])} passed, {len(got_fail)} failed, {len(got_warn)} warnings, "
                  f"{len(got_info)} information, {len(by['skip'])} skipped", flush=True)
            if args.show:
                for kind in ("fail", "error", "warn", "info", "skip"):
                    for c in by[kind]:
                        print(f"     {kind.upper()} {c['name']} ({c.get('reference', '')}, "
                              f"{c.get('level', '')}): {c['message']}")
            check(f"{name}: failures as recorded", got_fail == sorted(want["fail"]),
                  f"got {got_fail}, recorded {sorted(want['fail'])}")
            check(f"{name}: warnings as recorded", got_warn == sorted(want["warn"]),
                  f"got {got_warn}, recorded {sorted(want['warn'])}")
            check(f"{name}: information as recorded", got_info == sorted(want["info"]),
                  f"got {got_info}, recorded {sorted(want['info'])}")
            check(f"{name}: exit {1 if want['fail'] else 0}", rc == (1 if want["fail"] else 0), f"exit {rc}: {stderr}")
            check(f"{name}: the password is not in the report", PASSWORD not in json.dumps(report))
            delays = [c["message"] for c in report["checks"]
                      if c["name"] in ("wrong-password", "login-wrong-password")]
            rows.append((name, want.get("version", ""), report, by, delays[0] if delays else ""))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.markdown:
        print("\n| server | checks | passed | failed | warnings | information | skipped | failed-login delay |")
        print("|---|---|---|---|---|---|---|---|")
        for name, version, report, by, delay in rows:
            ms = delay.replace("the failed login was answered after ", "").replace("refused after ", "")
            print(f"| {name} {version} | {len(report['checks'])} | {len(by['pass'])} | "
                  f"{len(by['fail']) + len(by['error'])} | {len(by['warn'])} | {len(by['info'])} | "
                  f"{len(by['skip'])} | {ms} |")
        for name, version, report, by, delay in rows:
            for kind in ("fail", "warn", "info"):
                for c in by[kind]:
                    print(f"* {name}: {kind} `{c['name']}` ({c.get('reference', '')}, "
                          f"{c.get('level', '')}): {c['message']}")
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
