#!/usr/bin/python3
"""Differential test of `popcheck lint` against the real `nginx -t` (Debian 1.22.1 + mail module),
run live on each case: testdata/lint/<set>/<case>/nginx.conf, unmodified.

nginx stops at its first error, popcheck reports them all, so for each case:
  * nginx fails: popcheck's first error must be nginx's [emerg] text, message and `in FILE:LINE`
    alike (certificate-load errors compared up to nginx's `": `, popcheck omits OpenSSL's tail):
    lint lists nginx -t's messages first, in nginx's order, and `popcheck compile` lists its
    errors in that order too;
  * nginx passes: popcheck reports no CONF/MAIL0xx error (pitfalls, MAIL1xx and POP3/IMAP/SMTP, are allowed);
  * every nginx [warn] printed before it stopped is among popcheck's warnings;
  * the exit codes agree (lint --fail-on error: 1 iff nginx fails).
Both run as root on this machine, so popcheck looks up `user` as nginx does (--check-users). A
case whose first line names `--check-binds` also has popcheck bind its listening addresses (only
those cases: a bind on the host could take a port another test is about to use).
nginx -t binds every listen: it runs inside `unshare -n` (a private network namespace) when that
works; otherwise only cases whose listens are 127.0.0.1 ports 26000-26999 run, the rest are skipped.
Exit 0 all passed, 1 a case failed, 77 nginx or its mail module is missing (ctest skip).

--recorded judges each case against its recorded verdict (CASE/nginx-t.txt: `exit N`, then
nginx -t's stderr with the case directory written $CASE, as testdata/corpus/record.py writes it)
instead of running nginx; popcheck then runs with --no-resolve, since the recording resolved
names through a private /etc/hosts.

Run: /usr/bin/python3 scripts/lint_diff_test.py --popcheck build/popcheck [CASE_DIR...]
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import nginx_runner  # noqa: E402
from golden_common import REPO, nginx_messages, print_result, same_nginx_error  # noqa: E402

SETS = ("nginx", "multi", "rules")  # subdirectories of testdata/lint whose cases nginx -t judges
TIMEOUT = 30
# popcheck's own pitfall rules, which nginx -t does not report (conf/rule_ids.hpp): POP3/IMAP/SMTP
# ids and MAIL100 on; CONF and MAIL001-099 are nginx's errors.
PITFALL = re.compile(r"^(?:POP3|IMAP|SMTP)\d{3}$|^MAIL[1-9]\d\d$")
HOSTNAME = "test-host"


def popcheck_json(popcheck, args, case_dir):
    r = subprocess.run([popcheck] + args, cwd=case_dir, capture_output=True, timeout=TIMEOUT)
    try:
        return r.returncode, json.loads(r.stdout.decode("utf-8", errors="replace")), r.stderr.decode()
    except ValueError:
        return r.returncode, None, r.stderr.decode(errors="replace")


def recorded_verdict(case_dir):
    """(exit status, stderr lines) from CASE/nginx-t.txt."""
    with open(os.path.join(case_dir, "nginx-t.txt"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    status = int(lines[0].split()[1])
    return status, [line.replace("$CASE", case_dir) for line in lines[1:]]


def check_case(popcheck, case_dir, recorded=False):
    """(failures, notes); failures empty = pass. None for a case that cannot run here."""
    conf = os.path.join(case_dir, "nginx.conf")
    verdict = recorded_verdict(case_dir) if recorded else nginx_runner.test_in_place(conf)
    if verdict is None:
        return None
    nginx_exit, lines = verdict
    extra = ["--no-resolve"] if recorded else []
    with open(conf, encoding="utf-8", errors="surrogateescape") as f:
        if "--check-binds" in f.readline():
            extra.append("--check-binds")
    # The fatal line is [emerg], except a few I/O errors ([crit] pread() of a directory).
    emerg = [m for line in lines for level in ("emerg", "alert", "crit")
             for m in nginx_messages([line], level)]
    warns = nginx_messages(lines, "warn")
    failures = []

    lint_exit, lint, err = popcheck_json(
        popcheck, ["lint", "--format", "json", "--fail-on", "error", "--hostname", HOSTNAME,
                   "--check-users", conf] + extra, case_dir)
    if lint is None:
        return [f"popcheck lint printed no JSON (exit {lint_exit}): {err.strip()}"], []
    findings = lint["findings"]
    errors = [f["nginx_text"] for f in findings
              if f["severity"] == "error" and not PITFALL.match(f["rule"])]
    warnings = [f["nginx_text"] for f in findings if f["severity"] == "warning"]

    if nginx_exit != 0 and not emerg:
        failures.append("nginx -t failed without an [emerg] line:\n" + "\n".join(lines))
    if emerg:
        if not errors or not same_nginx_error(emerg[0], errors[0]):
            failures.append(f"popcheck's first error is not nginx's:\n  nginx:    {emerg[0]}\n"
                            + "".join(f"  popcheck: {e}\n" for e in errors).rstrip("\n")
                            + ("" if errors else "  popcheck: (no error)"))
        compile_exit, compiled, err = popcheck_json(
            popcheck, ["compile", "--hostname", HOSTNAME, "--check-users", conf] + extra, case_dir)
        first = [e["text"] for e in (compiled or {}).get("errors", []) if e["severity"] == "error"]
        if not first or not same_nginx_error(emerg[0], first[0]):
            failures.append(f"compile's first error is not nginx's:\n  nginx:   {emerg[0]}\n"
                            f"  compile: {first[0] if first else '(none)'}")
    elif errors:
        failures.append("nginx -t accepts the config, popcheck reports errors:\n  "
                        + "\n  ".join(errors))
    for w in warns:
        if w not in warnings:
            failures.append(f"nginx -t warns, popcheck does not: {w}")
    want_exit = 1 if any(f["severity"] == "error" and not f["suppressed"] for f in findings) else 0
    if nginx_exit != 0 and want_exit == 0 or lint_exit != want_exit:
        failures.append(f"nginx -t exits {nginx_exit}, popcheck lint --fail-on error exits {lint_exit}")
    notes = [f"nginx: {emerg[0]}" if emerg else "nginx: ok"] + [f"nginx warns: {w}" for w in warns]
    return failures, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--popcheck", default=os.path.join(REPO, "build", "popcheck"), help="popcheck binary")
    ap.add_argument("-v", "--verbose", action="store_true", help="print nginx's verdict of each case")
    ap.add_argument("--recorded", action="store_true",
                    help="judge against each case's nginx-t.txt instead of running nginx -t")
    ap.add_argument("cases", nargs="*", help=f"case directories (default: testdata/lint/{{{','.join(SETS)}}}/*)")
    args = ap.parse_args()
    why = None if args.recorded else nginx_runner.available()
    if why:
        print(f"SKIP: {why}")
        return 77
    popcheck = os.path.abspath(args.popcheck)
    if not os.access(popcheck, os.X_OK):
        sys.exit(f"lint_diff_test.py: {popcheck} is not an executable (build it, or pass --popcheck)")
    cases = [os.path.abspath(c) for c in args.cases] or sorted(
        os.path.dirname(p) for s in SETS
        for p in glob.glob(os.path.join(REPO, "testdata", "lint", s, "*", "nginx.conf")))
    passed = failed = skipped = 0
    for case_dir in cases:
        label = os.path.relpath(case_dir, os.path.join(REPO, "testdata"))
        result = check_case(popcheck, case_dir, args.recorded)
        if result is None:
            print(f"SKIP {label}: its listens need `unshare -n`, which does not work here")
            skipped += 1
            continue
        failures, notes = result
        print_result(label, failures)
        if args.verbose:
            for n in notes:
                print("  " + n)
        failed += bool(failures)
        passed += not failures
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    if failed:
        return 1
    return 77 if skipped and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
