"""Run a private dovecot POP3 (and, with imap_port, IMAP) server for a test: its own config, passwd-file and maildirs in a
temporary directory, listening on 127.0.0.1:<port>, never a system service. Python 3 stdlib only.

Users get the uid/gid of `nobody` (dovecot refuses mail access as root) and a maildir with the
messages the caller gives.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

DOVECOT = os.environ.get("POPCHECK_DOVECOT", "/usr/sbin/dovecot")
IMAP = "/usr/lib/dovecot/imap"


def available(imap=False):
    if not os.access(DOVECOT, os.X_OK):
        return f"{DOVECOT} not installed"
    if imap and not os.access(IMAP, os.X_OK):
        return f"{IMAP} not installed (dovecot-imapd)"
    return None


_CONF = """\
base_dir = {tmp}/run
state_dir = {tmp}/state
instance_name = popcheck-{port}
protocols = {protocols}
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {tmp}/dovecot.log
info_log_path = {tmp}/dovecot.log
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{tmp}/mail/%u
auth_failure_delay = {failure_delay}
pop3_uidl_format = %08Xu%08Xv
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp}/home/%u
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {internal_user}
  }}
  unix_listener stats-writer {{
    user = {internal_user}
  }}
}}
"""


def _message(n, body):
    return (f"From: sender{n}@example.test\r\nTo: user@example.test\r\nSubject: message {n}\r\n"
            f"Message-ID: <{n}@example.test>\r\n\r\n{body}")


class Dovecot:
    """users: {name: password}; messages: {name: [body, ...]}."""

    def __init__(self, port, users, messages=None, failure_delay="0", imap_port=None):
        """imap_port: also serve IMAP there (needs dovecot-imapd)."""
        self.port = port
        self.imap_port = imap_port
        self.tmp = tempfile.mkdtemp(prefix="popcheck-dovecot-")
        os.chmod(self.tmp, 0o755)
        self.conf = os.path.join(self.tmp, "dovecot.conf")
        self.process = None
        nobody = pwd.getpwnam("nobody")
        internal = pwd.getpwnam("dovecot") if _user_exists("dovecot") else nobody
        login = pwd.getpwnam("dovenull") if _user_exists("dovenull") else nobody
        import grp
        internal_group = grp.getgrgid(internal.pw_gid).gr_name
        with open(os.path.join(self.tmp, "passwd"), "w") as fh:
            for name, password in users.items():
                fh.write(f"{name}:{{PLAIN}}{password}::::::\n")
        for name in users:
            box = os.path.join(self.tmp, "mail", name)
            for sub in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(box, sub), exist_ok=True)
            for i, body in enumerate((messages or {}).get(name, []), start=1):
                path = os.path.join(box, "cur", f"{1700000000 + i}.M{i}P1.popcheck:2,S")
                with open(path, "w", newline="") as fh:
                    fh.write(_message(i, body))
            os.makedirs(os.path.join(self.tmp, "home", name), exist_ok=True)
        for root, dirs, files in os.walk(self.tmp):
            for d in dirs:
                os.chown(os.path.join(root, d), nobody.pw_uid, nobody.pw_gid)
            for f in files:
                os.chown(os.path.join(root, f), nobody.pw_uid, nobody.pw_gid)
        os.makedirs(os.path.join(self.tmp, "run"), exist_ok=True)
        os.makedirs(os.path.join(self.tmp, "state"), exist_ok=True)
        with open(self.conf, "w") as fh:
            fh.write(_CONF.format(tmp=self.tmp, port=port, uid=nobody.pw_uid, gid=nobody.pw_gid,
                                  login_user=login.pw_name, internal_user=internal.pw_name,
                                  internal_group=internal_group, failure_delay=failure_delay,
                                  protocols="pop3 imap" if imap_port else "pop3",
                                  imap_port=imap_port or 0))


    def enable_tls(self, tls_port, certs, imaps_port=None):
        """Before start(): STLS on the plain port and a pop3s listener on tls_port, with
        certs/mail.crt and certs/mail.key (and STARTTLS on the IMAP port, imaps on imaps_port)."""
        with open(self.conf) as fh:
            text = fh.read()
        text = text.replace("ssl = no", f"ssl = yes\nssl_cert = <{certs}/mail.crt\nssl_key = <{certs}/mail.key")
        text = text.replace("  inet_listener pop3s {\n    port = 0",
                            f"  inet_listener pop3s {{\n    address = 127.0.0.1\n    port = {tls_port}")
        if imaps_port:
            text = text.replace("  inet_listener imaps {\n    port = 0",
                                f"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {imaps_port}")
        with open(self.conf, "w") as fh:
            fh.write(text)
    def start(self, timeout=10.0):
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", self.conf], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode()}\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.settimeout(2)
                    if s.recv(100).startswith(b"+OK"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"dovecot did not listen on {self.port}\n{self.log()}")
            time.sleep(0.05)

    def log(self):
        try:
            return open(os.path.join(self.tmp, "dovecot.log")).read()
        except OSError:
            return ""

    def stop(self):
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def _user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
