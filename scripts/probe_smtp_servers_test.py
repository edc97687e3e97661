#!/usr/bin/python3
"""The generic SMTP suite (`popcheck probe --protocol smtp`) against real Debian SMTP servers.

Each server runs on 127.0.0.1 (ports 26000-26999) with its own configuration in a temporary
directory, in the foreground, owned by this script, never as a system service, and never
delivering anything (no transport leads anywhere; the probe never sends DATA with a recipient):
  postfix 3.7   installed (`apt-get install postfix`; it conflicts with the other two as an MTA):
                its `master -d` with a private config, queue and data directory, Cyrus SASL
                (sasldb, from sasl2-bin unpacked with --fetch) for PLAIN LOGIN CRAM-MD5, AUTH
                after STARTTLS only (smtpd_tls_auth_only), relaying for authenticated clients;
  exim4 4.96    unpacked (`apt-get download` + `dpkg-deb -x` into --root): `exim4 -bdf -C`,
                plaintext PLAIN/LOGIN authenticators advertised after STARTTLS, as Debian's
                default configuration does; and again as exim4-smtps with TLS from the first
                byte (tls_on_connect_ports, port 465 style; probed with --tls);
  opensmtpd 6.8 unpacked: `smtpd -d -f`, `listen ... tls auth <creds>`.
Each server gets the same user (popchk, password below) and the test certificate for
mail.example.test. The checks that fail, warn or inform must be exactly those recorded in
testdata/probe/smtp-servers.json (a server that follows the RFCs has no failure; every recorded
failure is a real deviation, quoted in docs/probe.md). With --markdown the table for docs/probe.md
is printed.

Needs root: the servers' own system users (Debian-exim, opensmtpd, opensmtpq; postfix's come with
its package) and OpenSMTPD's compiled-in chroot /var/lib/opensmtpd/empty are created if missing.
Run (about 30 s):
    sudo python3 scripts/probe_smtp_servers_test.py --popcheck build/popcheck [--fetch] [SERVER...]
Exit: 0 as recorded, 1 a difference, 2 setup error, 77 not root or a server missing.
"""

import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
from checks import Checks  # noqa: E402
import nginx_runner  # noqa: E402

USER, PASSWORD = "popchk", "popchk-pw-1"  # known to each server's own user table, no system user
HOST = "mail.example.test"
CERTS = os.path.join(REPO, "testdata", "certs")
EXPECTED = os.path.join(REPO, "testdata", "probe", "smtp-servers.json")
PACKAGES = ["exim4-base", "exim4-daemon-light", "exim4-config", "opensmtpd", "sasl2-bin"]


def fetch(root):
    debs = os.path.join(root, "debs")
    os.makedirs(debs, exist_ok=True)
    subprocess.run(["apt-get", "download"] + PACKAGES, cwd=debs, check=True)
    for deb in os.listdir(debs):
        subprocess.run(["dpkg-deb", "-x", os.path.join(debs, deb), root], check=True)


def system_user(name, home="/nonexistent"):
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-r", "-M", "-d", home, "-s", "/usr/sbin/nologin", name], check=True)


def wait_listening(port, proc, log, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited {proc.returncode}: {tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"not listening on {port} after {seconds} s: {tail(log)}")


def tail(path):
    try:
        with open(path, errors="replace") as fh:
            return fh.read()[-2000:]
    except OSError:
        return ""


def spawn(argv, log, env=None):
    with open(log, "ab") as out:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                                start_new_session=True, preexec_fn=nginx_runner._die_with_parent)


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def copy_certs(directory, owner=None):
    crt, key = os.path.join(directory, "mail.crt"), os.path.join(directory, "mail.key")
    shutil.copy(os.path.join(CERTS, "mail.crt"), crt)
    shutil.copy(os.path.join(CERTS, "mail.key"), key)
    os.chmod(key, 0o600)
    if owner:
        uid = pwd.getpwnam(owner).pw_uid
        os.chown(crt, uid, -1)
        os.chown(key, uid, -1)
    return crt, key


def start_postfix(root, tmp, port):
    if not os.access("/usr/lib/postfix/sbin/master", os.X_OK):
        raise FileNotFoundError("postfix is not installed (apt-get install postfix)")
    saslpasswd = os.path.join(root, "usr/sbin/saslpasswd2")
    if not os.access(saslpasswd, os.X_OK):
        raise FileNotFoundError(f"{saslpasswd} missing (run with --fetch)")
    base = os.path.join(tmp, "postfix")
    conf, queue, data = (os.path.join(base, d) for d in ("conf", "queue", "data"))
    sasl = os.path.join(conf, "sasl")  # Debian's smtpd reads $config_directory/sasl/smtpd.conf
    for d in (conf, queue, data, sasl):
        os.makedirs(d)
    os.chown(data, pwd.getpwnam("postfix").pw_uid, -1)
    crt, key = copy_certs(conf)
    nowhere = "error:this test instance delivers nothing"
    with open(os.path.join(conf, "main.cf"), "w") as fh:
        fh.write(f"""compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
myhostname = {HOST}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks =
maillog_file = {base}/maillog
maillog_file_prefixes = {base}
alias_maps =
alias_database =
default_transport = {nowhere}
relay_transport = {nowhere}
local_transport = {nowhere}
smtpd_tls_cert_file = {crt}
smtpd_tls_key_file = {key}
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
cyrus_sasl_config_path = {sasl}
smtpd_sasl_local_domain = {HOST}
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
""")
    # Debian's master.cf with the smtp service on our port and no chroot (the private queue is
    # not set up as a chroot jail).
    lines = []
    with open("/etc/postfix/master.cf") as fh:
        for line in fh.read().splitlines():
            fields = line.split()
            if line and not line[0].isspace() and not line.startswith("#") and len(fields) >= 8:
                if fields[0] == "smtp" and fields[1] == "inet":
                    fields[0] = f"127.0.0.1:{port}"
                fields[4] = "n"
                line = "  ".join(fields)
            lines.append(line)
    with open(os.path.join(conf, "master.cf"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    with open(os.path.join(sasl, "smtpd.conf"), "w") as fh:
        fh.write(f"pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN CRAM-MD5\n"
                 f"sasldb_path: {sasl}/sasldb2\n")
    subprocess.run([saslpasswd, "-p", "-c", "-f", os.path.join(sasl, "sasldb2"), "-u", HOST, USER],
                   input=PASSWORD.encode(), check=True)
    os.chown(os.path.join(sasl, "sasldb2"), pwd.getpwnam("postfix").pw_uid, -1)
    env = dict(os.environ, MAIL_CONFIG=conf)
    subprocess.run(["/usr/lib/postfix/sbin/post-install", f"config_directory={conf}",
                    f"queue_directory={queue}", f"data_directory={data}", "command_directory=/usr/sbin",
                    "daemon_directory=/usr/lib/postfix/sbin", "meta_directory=/etc/postfix",
                    "mail_owner=postfix", "setgid_group=postdrop", "create-missing"],
                   env=env, check=True, capture_output=True)
    log = os.path.join(base, "maillog")
    return spawn(["/usr/lib/postfix/sbin/master", "-c", conf, "-d"], os.path.join(base, "master.out"),
                 env), log


def start_exim(root, tmp, port, smtps=False):
    exim = os.path.join(root, "usr/sbin/exim4")
    if not os.access(exim, os.X_OK):
        raise FileNotFoundError(f"{exim} missing (run with --fetch)")
    system_user("Debian-exim")  # compiled in as the exim user
    base = os.path.join(tmp, "exim-smtps" if smtps else "exim")
    spool, logdir = os.path.join(base, "spool"), os.path.join(base, "log")
    for d in (spool, logdir):
        os.makedirs(d)
        os.chown(d, pwd.getpwnam("Debian-exim").pw_uid, -1)
    crt, key = copy_certs(base, "Debian-exim")
    check = "${if and {{eq{$auth%d}{%s}}{eq{$auth%d}{%s}}}}"
    conf = os.path.join(base, "exim.conf")
    with open(conf, "w") as fh:
        fh.write(f"""local_interfaces = 127.0.0.1
daemon_smtp_ports = {port}
pid_file_path = {base}/exim.pid
exim_user = Debian-exim
exim_group = Debian-exim
spool_directory = {spool}
log_file_path = {logdir}/%slog
primary_hostname = {HOST}
acl_smtp_mail = acl_check_mail
acl_smtp_rcpt = acl_check_rcpt
# Debian's default: AUTH only on TLS connections
auth_advertise_hosts = ${{if eq{{$tls_in_cipher}}{{}}{{}}{{*}}}}
tls_advertise_hosts = *
tls_certificate = {crt}
tls_privatekey = {key}
{f"tls_on_connect_ports = {port}" if smtps else ""}
begin acl
acl_check_mail:
  accept
acl_check_rcpt:
  accept authenticated = *
  accept local_parts = postmaster
  deny message = relay not permitted
begin routers
nowhere:
  driver = redirect
  data = :blackhole:
begin transports
begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = {check % (2, USER, 3, PASSWORD)}
  server_set_id = $auth2
login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = {check % (1, USER, 2, PASSWORD)}
  server_set_id = $auth1
""")
    os.chmod(conf, 0o644)
    log = os.path.join(logdir, "mainlog")
    return spawn([exim, "-C", conf, "-bdf"], os.path.join(base, "exim.out")), log


def start_opensmtpd(root, tmp, port):
    smtpd = os.path.join(root, "usr/sbin/smtpd")
    if not os.access(smtpd, os.X_OK):
        raise FileNotFoundError(f"{smtpd} missing (run with --fetch)")
    os.makedirs("/var/lib/opensmtpd/empty", exist_ok=True)  # its compiled-in chroot
    system_user("opensmtpd", "/var/lib/opensmtpd/empty")
    system_user("opensmtpq", "/var/lib/opensmtpd/empty")
    base = os.path.join(tmp, "opensmtpd")
    os.makedirs(base)
    crt, key = copy_certs(base)
    with warnings.catch_warnings():  # deprecated in 3.11, present in Debian 12's Python 3.11;
        warnings.simplefilter("ignore", DeprecationWarning)  # `smtpctl encrypt` needs its group
        import crypt
    creds = os.path.join(base, "creds")
    with open(creds, "w") as fh:
        fh.write(f"{USER} {crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_SHA512))}\n")
    os.chmod(creds, 0o640)
    conf = os.path.join(base, "smtpd.conf")
    with open(conf, "w") as fh:
        fh.write(f"""pki {HOST} cert "{crt}"
pki {HOST} key "{key}"
table creds file:{creds}
listen on 127.0.0.1 port {port} tls pki {HOST} auth <creds> hostname {HOST}
action "nowhere" mbox
match from any for local action "nowhere"
match auth from any for any action "nowhere"
""")
    log = os.path.join(base, "smtpd.out")
    return spawn([smtpd, "-d", "-f", conf], log), log


# name -> (start, TLS from the first byte: probe --tls)
SERVERS = {
    "postfix": (start_postfix, False),
    "exim4": (start_exim, False),
    "exim4-smtps": (lambda root, tmp, port: start_exim(root, tmp, port, smtps=True), True),
    "opensmtpd": (start_opensmtpd, False),
}


def probe(popcheck, port, out, tls):
    cmd = [popcheck, "probe", "--protocol", "smtp"] + (["--tls"] if tls else []) + [
           "--target", f"127.0.0.1:{port}", "--user", USER,
           "--password", PASSWORD, "--ca", os.path.join(CERTS, "mail.crt"), "--sni", HOST,
           "--format", "json", "-o", out, "--jobs", "4"]
    r = subprocess.run(cmd, capture_output=True, timeout=600)
    with open(out) as fh:
        return r.returncode, json.load(fh), r.stderr.decode()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--popcheck", default=os.path.join(REPO, "build", "popcheck"))
    ap.add_argument("--root", default="/var/tmp/popcheck-smtp-servers")
    ap.add_argument("--fetch", action="store_true", help="apt-get download + dpkg-deb -x into --root")
    ap.add_argument("--markdown", action="store_true", help="print the table for docs/probe.md")
    ap.add_argument("--show", action="store_true", help="print every non-passing check")
    ap.add_argument("servers", nargs="*")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root (the servers' system users)")
        return 77
    if args.fetch:
        fetch(args.root)
    popcheck = os.path.abspath(args.popcheck)
    with open(EXPECTED) as fh:
        expected = json.load(fh)
    check = Checks()
    rows, missing = [], 0
    tmp = tempfile.mkdtemp(prefix="popcheck-smtp-servers-")
    os.chmod(tmp, 0o755)
    try:
        for name, want in expected.items():
            if args.servers and name not in args.servers:
                continue
            port = nginx_runner.free_port(26000, 26999)
            try:
                start, tls = SERVERS[name]
                proc, log = start(args.root, tmp, port)
            except FileNotFoundError as e:
                print(f"skip {name}: {e}")
                missing += 1
                continue
            try:
                wait_listening(port, proc, log)
                out = os.path.join(tmp, f"{name}.json")
                start = time.monotonic()
                rc, report, stderr = probe(popcheck, port, out, tls)
                seconds = time.monotonic() - start
            except (RuntimeError, subprocess.SubprocessError, OSError, ValueError) as e:
                check(f"{name}: probed", False, str(e))
                continue
            finally:
                stop(proc)
            by = {k: [c for c in report["checks"] if c["result"] == k]
                  for k in ("pass", "fail", "warn", "info", "skip", "error")}
            got = {k: sorted(c["name"] for c in by[k] + (by["error"] if k == "fail" else []))
                   for k in ("fail", "warn", "info")}
            print(f"   {name}: exit {rc}, {len(report['checks'])} checks in {seconds:.1f} s: "
                  f"{len(by['pass'])} passed, {len(got['fail'])} failed, {len(got['warn'])} warnings, "
                  f"{len(got['info'])} information, {len(by['skip'])} skipped", flush=True)
            if args.show:
                for kind in ("fail", "error", "warn", "info", "skip"):
                    for c in by[kind]:
                        print(f"     {kind.upper()} {c['name']} ({c.get('reference', '')}, "
                              f"{c.get('level', '')}): {c['message']}")
            for kind, label in (("fail", "failures"), ("warn", "warnings"), ("info", "information")):
                check(f"{name}: {label} as recorded", got[kind] == sorted(want[kind]),
                      f"got {got[kind]}, recorded {sorted(want[kind])}")
            check(f"{name}: exit {1 if want['fail'] else 0}", rc == (1 if want["fail"] else 0),
                  f"exit {rc}: {stderr}")
            check(f"{name}: the password is not in the report", PASSWORD not in json.dumps(report))
            rows.append((name, want.get("version", ""), report, by))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.markdown:
        print("\n| server | checks | passed | failed | warnings | information | skipped |")
        print("|---|---|---|---|---|---|---|")
        for name, version, report, by in rows:
            print(f"| {name} {version} | {len(report['checks'])} | {len(by['pass'])} | "
                  f"{len(by['fail']) + len(by['error'])} | {len(by['warn'])} | {len(by['info'])} | "
                  f"{len(by['skip'])} |")
        for name, version, report, by in rows:
            for kind in ("fail", "warn", "info"):
                for c in by[kind]:
                    print(f"* {name}: {kind} `{c['name']}` ({c.get('reference', '')}, "
                          f"{c.get('level', '')}): {c['message']}")
    status = check.summary()
    if status == 0 and missing and not rows:
        return 77
    return status


if __name__ == "__main__":
    sys.exit(main())
