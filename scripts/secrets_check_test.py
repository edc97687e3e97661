#!/usr/bin/python3
"""Unit test of scripts/lib/secrets_check.py: each form of a test secret is found, clean text is
clean, and a recorded leak makes the process exit 1 whatever the test returned.

Run: /usr/bin/python3 scripts/secrets_check_test.py
"""
import base64
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import secrets_check  # noqa: E402

CASES = [
    # (text, expected labels)
    ("[info] client logged in, login: \"alice\"", []),
    ("PASS ****", []),
    ("PASS x", []),  # too short to check
    ("Auth-Pass: secret\r\n", ["password 'secret'"]),
    ("AUTH LOGIN line " + base64.b64encode(b"builder").decode(), ["base64 of password 'builder'"]),
    ("AUTH PLAIN " + base64.b64encode(b"\0alice\0secret").decode(),
     ["AUTH PLAIN payload of alice/'secret'"]),
    ("AUTH PLAIN " + base64.b64encode(b"bob\0bob\0builder").decode(),
     ["AUTH PLAIN payload of bob/'builder'"]),
    (b"binary \xff secret", ["password 'secret'"]),
]


def main():
    failures = 0
    for text, want in CASES:
        got = secrets_check.leaks(text)
        if got != sorted(want):
            print(f"FAIL leaks({text!r}) = {got}, want {want}")
            failures += 1
    child = ("import sys; sys.path.insert(0, sys.argv[1]); import secrets_check; "
             "secrets_check.check('log', 'Auth-Pass: secret'); sys.exit(0)")
    r = subprocess.run([sys.executable, "-c", child, os.path.join(HERE, "lib")], capture_output=True,
                       text=True)
    if r.returncode != 1 or "FAIL secrets: log contains the password 'secret'" not in r.stdout:
        print(f"FAIL a leak must make the process exit 1: exit {r.returncode}, {r.stdout!r}")
        failures += 1
    clean = subprocess.run([sys.executable, "-c", child.replace("Auth-Pass: secret", "clean"),
                            os.path.join(HERE, "lib")])
    if clean.returncode != 0:
        print(f"FAIL no leak: exit {clean.returncode}")
        failures += 1
    print(f"{len(CASES) + 2 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
