#!/usr/bin/python3
"""The generic suite (`popcheck probe` without --config) against dovecot-pop3d directly.

Starts a private dovecot (scripts/lib/dovecot_runner.py) with TLS (testdata/certs/mail.crt) on a
plain port (STLS offered) and a pop3s port, both on 127.0.0.1 in 25000-25999, then:
  1. popcheck probe --target PLAIN --user alice --password secret --ca mail.crt --sni ...
  2. popcheck probe --tls --target POP3S (same credentials)
  3. popcheck run testdata/dialogues/* --target PLAIN (same credentials); the JSON dialogues are
     first validated against schemas/dialogue.schema.json
With --protocol imap, the same against dovecot-imapd: the generic IMAP suite (`probe --protocol
imap`) on the plain port (STARTTLS offered) and the imaps port, and testdata/dialogues/imap/*.
With --protocol imap also `--no-read-only` on the plain port: the APPEND/STORE/EXPUNGE checks run
(and pass) where the other runs skip them as read-only, and INBOX is as before (UIDs and flags).
Each report is checked as JSON (validated against schemas/probe-report.schema.json) and JUnit (parsed). Every check
must pass or be skipped (no failure, error or warning): that is the recorded result for Debian 12's
dovecot 2.3.19 (docs/probe.md); a difference here means dovecot or popcheck changed. The password must not appear in any report.
Exit: 0 passed, 1 failed, 2 setup error, 77 dovecot (dovecot-imapd for --protocol imap) not installed.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
import dovecot_runner  # noqa: E402
import nginx_runner  # noqa: E402
import secrets_check  # noqa: E402

USER, PASSWORD = "alice", "secret"
CERTS = os.path.join(REPO, "testdata", "certs")
TLS_ARGS = ["--ca", os.path.join(CERTS, "mail.crt"), "--sni", "mail.example.test"]
CRED_ARGS = ["--user", USER, "--password", PASSWORD]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--popcheck", default=os.path.join(REPO, "build", "popcheck"))
    ap.add_argument("--show", action="store_true", help="print the text reports")
    ap.add_argument("--protocol", choices=("pop3", "imap"), default="pop3")
    args = ap.parse_args()
    popcheck = os.path.abspath(args.popcheck)
    imap = args.protocol == "imap"
    why = dovecot_runner.available(imap=imap)
    if why:
        print(f"SKIP: {why}")
        return 77
    import jsonschema
    with open(os.path.join(REPO, "schemas", "probe-report.schema.json")) as fh:
        validator = jsonschema.Draft202012Validator(json.load(fh))
    with open(os.path.join(REPO, "schemas", "dialogue.schema.json")) as fh:
        dialogue_validator = jsonschema.Draft202012Validator(json.load(fh))
    failures = 0
    dialogue_dir = os.path.join(REPO, "testdata", "dialogues", *(["imap"] if imap else []))
    for path in sorted(glob.glob(os.path.join(dialogue_dir, "*.json"))):
        with open(path) as fh:
            for e in dialogue_validator.iter_errors(json.load(fh)):
                print(f"FAIL {path}: not a valid dialogue: {list(e.path)}: {e.message}")
                failures += 1
    taken = set()
    for _ in range(4 if imap else 2):
        taken.add(nginx_runner.free_port(25000, 25999, taken=taken))
    ports = sorted(taken)
    plain, tls = ports[0], ports[1]
    pop3_plain = pop3_tls = None
    if imap:
        pop3_plain, pop3_tls = ports[2], ports[3]
    dialogues = sorted(p for p in glob.glob(os.path.join(dialogue_dir, "*")) if os.path.isfile(p))
    protocol = ["--protocol", "imap"] if imap else []
    name = "imap" if imap else "pop3"
    runs = [
        ("generic plain+STLS" if not imap else "generic imap plain+STARTTLS",
         ["probe"] + protocol + ["--target", f"127.0.0.1:{plain}"] + CRED_ARGS + TLS_ARGS),
        (f"generic {name}s", ["probe"] + protocol + ["--tls", "--target", f"127.0.0.1:{tls}"] + CRED_ARGS + TLS_ARGS),
    ] + ([
        ("generic imap --no-read-only", ["probe"] + protocol + ["--no-read-only", "--target", f"127.0.0.1:{plain}"] + CRED_ARGS + TLS_ARGS),
    ] if imap else []) + [
        ("run " + os.path.relpath(dialogue_dir, REPO), ["run"] + dialogues + ["--target", f"127.0.0.1:{plain}"] + CRED_ARGS + TLS_ARGS),
    ]
    messages = {USER: ["Hello.\r\n", ".dot\r\nbye\r\n"]}
    with dovecot_runner.Dovecot(pop3_plain if imap else plain, {USER: PASSWORD}, messages,
                                imap_port=plain if imap else None) as dovecot, \
            tempfile.TemporaryDirectory(prefix="popcheck-probe-") as tmp:
        if imap:
            dovecot.enable_tls(pop3_tls, CERTS, imaps_port=tls)
        else:
            dovecot.enable_tls(tls, CERTS)
        try:
            dovecot.start()
        except RuntimeError as e:
            print(f"ERROR dovecot: {e}")
            return 2
        inbox_before = inbox_state(plain) if imap else None
        for label, cmd in runs:
            out = os.path.join(tmp, "report")
            r = subprocess.run([popcheck] + cmd + ["--format", "json", "-o", out], capture_output=True, timeout=300)
            try:
                text = open(out).read()
                report = json.loads(text)
            except (OSError, ValueError) as e:
                print(f"FAIL {label}: no JSON report (exit {r.returncode}): {e} {r.stderr.decode()}")
                failures += 1
                continue
            problems = [f"schema: {list(e.path)}: {e.message}" for e in validator.iter_errors(report)]
            if imap and cmd[0] == "probe":
                problems += write_check_problems(report, "--no-read-only" in cmd)
            if not (secrets_check.check(f"{label} JSON report", text) and
                    secrets_check.check(f"{label} stderr", r.stderr)):
                problems.append("a secret appears in the JSON report or on stderr")
            # The generic suite skips what does not apply (STLS on the TLS port) and may report
            # MAY-level information; a failure, an error or a SHOULD warning is a difference.
            bad = [c for c in report["checks"] if c["result"] in ("fail", "error", "warn")]
            if r.returncode != 0 or bad:
                problems.append(f"exit {r.returncode}; not passed: " +
                                ", ".join(f"{c['name']}: {c['message']}" for c in bad))
            j = subprocess.run([popcheck] + cmd + ["--format", "junit"], capture_output=True, timeout=300)
            try:
                root = ET.fromstring(j.stdout)
                if len(root.findall(".//testcase")) != len(report["checks"]):
                    problems.append("JUnit testcase count differs from the JSON check count")
            except ET.ParseError as e:
                problems.append(f"JUnit is not well-formed: {e}")
            if not (secrets_check.check(f"{label} JUnit report", j.stdout) and
                    secrets_check.check(f"{label} stderr", j.stderr)):
                problems.append("a secret appears in the JUnit report or on stderr")
            t = subprocess.run([popcheck] + cmd + ["--no-color"], capture_output=True, timeout=300)
            if not (secrets_check.check(f"{label} text report", t.stdout) and
                    secrets_check.check(f"{label} stderr", t.stderr)):
                problems.append("a secret appears in the text report or on stderr")
            if args.show:
                print(t.stdout.decode())
            if problems:
                failures += 1
                print(f"FAIL {label}:\n  " + "\n  ".join(problems))
            else:
                names = ", ".join(c["name"] for c in report["checks"])
                print(f"PASS {label}: {len(report['checks'])} checks ({names})")
                for c in report["checks"]:
                    if c.get("tls") and c["name"] in ("greeting", "stls"):
                        t = c["tls"]
                        print(f"  TLS {c['name']}: {t['protocol']} {t['cipher']}, subject {t['subject']}, "
                              f"verified {t['verified']}, host name ok {t['hostname_matches']}, "
                              f"{t['days_left']} days left")
        if imap:
            inbox_after = inbox_state(plain)
            if inbox_after != inbox_before:
                failures += 1
                print(f"FAIL INBOX changed by the probe: {inbox_before} -> {inbox_after}")
            else:
                print(f"PASS INBOX as before the probes: {inbox_after}")
    return 1 if failures else 0


WRITE_CHECKS = {"append", "append-flags", "store-add-flags", "store-remove-flags", "store-examined",
                "expunge", "uid-expunge"}


def write_check_problems(report, writes):
    """The IMAP write checks pass under --no-read-only and are skipped, saying why, without it."""
    got = {c["name"]: c for c in report["checks"] if c["name"] in WRITE_CHECKS}
    problems = [f"write check {n} missing" for n in sorted(WRITE_CHECKS - set(got))]
    for name, c in sorted(got.items()):
        if writes and c["result"] != "pass":
            problems.append(f"{name}: {c['result']} under --no-read-only: {c['message']}")
        if not writes and (c["result"] != "skip" or "read-only" not in c["message"]):
            problems.append(f"{name}: {c['result']} ({c['message']}) without --no-read-only")
    return problems


def inbox_state(port):
    """INBOX's UIDs and flags (\\Recent aside: any session changes it), read with EXAMINE."""
    import imaplib
    m = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    try:
        m.login(USER, PASSWORD)
        m.select("INBOX", readonly=True)
        _, data = m.fetch("1:*", "(UID FLAGS)")
        return sorted(d.decode().replace(" \\Recent", "").replace("\\Recent", "") for d in data if d)
    finally:
        m.logout()


if __name__ == "__main__":
    sys.exit(main())
