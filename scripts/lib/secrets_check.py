"""Secrets never reach what popcheck writes (issue 6): one check for every integration test.

`leaks(data)` names every test secret found in a log, report or message: each test password as
is, base64-encoded (an AUTH LOGIN password line), inside an AUTH PLAIN payload for each test user
(base64 of "\\0user\\0password", with and without an authzid), and percent-escaped as an
`Auth-Pass` header value would be. `check(label, data)` prints a FAIL line for each leak and
remembers it; the process then exits 1 whatever the test itself concluded (atexit), so a test that
forgets to look at its result still fails. The helpers that run popcheck call it on every stderr
log and report they collect (proxy_harness.Popcheck.stop, the probe tests' reports).

Passwords shorter than 5 bytes are not checked: they occur by chance in any text.
"""
import atexit
import base64
import os
import sys
import urllib.parse

# The passwords the integration tests use (proxy_harness.USERS, the dovecot and auth stub users,
# probe --password) and their users. The clients' deliberately wrong passwords ("wrong", "x") are
# ordinary words that reports legitimately contain (the probe case "wrong-capa"); the test that
# sends them checks its own logs for them.
PASSWORDS = ("secret", "builder")
USERS = ("alice", "bob")
MIN_LENGTH = 5

_found = []


def forms(passwords=PASSWORDS, users=USERS):
    """(label, bytes) for every form of every password that must never be written."""
    out = []
    for pw in passwords:
        raw = pw.encode()
        if len(raw) < MIN_LENGTH:
            continue
        out.append((f"password {pw!r}", raw))
        out.append((f"base64 of password {pw!r}", base64.b64encode(raw)))
        escaped = urllib.parse.quote(pw, safe="").encode()
        if escaped != raw:
            out.append((f"escaped password {pw!r}", escaped))
        for user in users:
            for authzid in ("", user):
                payload = f"{authzid}\0{user}\0{pw}".encode()
                out.append((f"AUTH PLAIN payload of {user}/{pw!r}", base64.b64encode(payload)))
    return out


_FORMS = forms()


def leaks(data):
    """Labels of the secret forms found in `data` (str or bytes)."""
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogateescape")
    return sorted({label for label, needle in _FORMS if needle in data})


def check(label, data):
    """Records and prints every leak in `data`; returns True when it is clean."""
    found = leaks(data or b"")
    for what in found:
        _found.append(f"{label}: {what}")
        print(f"FAIL secrets: {label} contains the {what}", flush=True)
    return not found


def check_file(label, path):
    """check() on a file's bytes; a missing file is clean (nothing was written)."""
    try:
        with open(path, "rb") as fh:
            return check(label, fh.read())
    except OSError:
        return True


def failures():
    return list(_found)


@atexit.register
def _fail_if_leaked():
    if _found:
        print(f"FAIL secrets: {len(_found)} leak(s) in logs or reports", file=sys.stderr, flush=True)
        sys.stdout.flush()
        os._exit(1)
