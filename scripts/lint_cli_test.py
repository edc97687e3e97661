#!/usr/bin/python3
"""`popcheck lint` end to end: the progress line and the project file (.popcheck.json).

Progress: with stderr on a pseudo-terminal and 5+ files, stderr holds `\\r\\e[K[i/N] lint FILE`
lines ending with an erased line, and stdout is byte-identical to a run without a terminal; with
stderr on a pipe, with 4 files or with --no-progress, stderr is empty.
Project file: found upwards from the first FILE (or the current directory for `-`); its fail_on,
severity and skip apply; the command line wins option by option (--fail-on, --skip), --no-config
and --config FILE work; a bad file is exit 3 with the file named.
Exit 0 pass, 1 fail.

Run: /usr/bin/python3 scripts/lint_cli_test.py --popcheck build/popcheck
"""

import argparse
import json
import os
import pty
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# No TLS (MAIL101 warning, formerly POP3003) and nginx -t errors (no events, no auth_http, proxy_pass, mail_log).
CONFIG = os.path.join(REPO, "testdata", "compile", "seed-plain-load-module", "nginx.conf")
failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def lint_on_tty(popcheck, args, cwd):
    """(stdout, stderr bytes) with stderr on a pseudo-terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([popcheck, "lint"] + args, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=slave)
    os.close(slave)
    out = proc.stdout.read()
    proc.wait(timeout=60)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other side is closed
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    return out, err


def progress_tests(popcheck, tmp):
    files = []
    for i in range(6):
        os.makedirs(os.path.join(tmp, f"c{i}"))
        files.append(f"c{i}/nginx.conf")
        shutil.copy(CONFIG, os.path.join(tmp, files[-1]))
    args = ["--no-config", "--fail-on", "none"]
    plain = subprocess.run([popcheck, "lint"] + args + files, cwd=tmp, capture_output=True)
    expect(plain.stderr == b"" and plain.stdout != b"", "no terminal: stderr is empty")
    out, err = lint_on_tty(popcheck, args + files, tmp)
    expect(out == plain.stdout, "terminal: stdout is the same bytes as without one")
    expect(err.startswith(b"\r\x1b[K[1/6] lint c0/nginx.conf")
           and b"\r\x1b[K[6/6] lint c5/nginx.conf" in err and err.endswith(b"\r\x1b[K"),
           f"terminal, 6 files: progress lines, erased at the end: {err[:60]!r}...{err[-40:]!r}")
    _, err = lint_on_tty(popcheck, args + files[:4], tmp)
    expect(err == b"", f"terminal, 4 files: no progress ({err[:40]!r})")
    _, err = lint_on_tty(popcheck, args + ["--no-progress"] + files, tmp)
    expect(err == b"", f"terminal, --no-progress: nothing on stderr ({err[:40]!r})")


def lint_json(popcheck, args, cwd, stdin=None):
    r = subprocess.run([popcheck, "lint", "--format", "json"] + args, cwd=cwd, input=stdin,
                       capture_output=True, text=True)
    doc = json.loads(r.stdout) if r.stdout else {"findings": []}
    return r.returncode, {f["rule"]: f["severity"] for f in doc["findings"]}, r.stderr


def config_tests(popcheck, tmp):
    repo = os.path.join(tmp, "repo")
    os.makedirs(os.path.join(repo, "etc", "nginx"))
    conf = os.path.join("etc", "nginx", "nginx.conf")
    shutil.copy(CONFIG, os.path.join(repo, conf))
    with open(os.path.join(repo, ".popcheck.json"), "w") as f:
        json.dump({"fail_on": "none", "skip": ["CONF003"],
                   "severity": {"cleartext-credentials": "info", "POP3016": "off"}}, f)
    rc, rules, _ = lint_json(popcheck, ["--no-config", conf], repo)
    expect(rc == 1 and rules.get("MAIL101") == "warning" and "CONF003" in rules
           and "POP3016" in rules, f"--no-config: built-in defaults (exit {rc})")
    rc, rules, err = lint_json(popcheck, [conf], repo)
    expect(rc == 0 and rules.get("MAIL101") == "info" and "CONF003" not in rules
           and "POP3016" not in rules, f"file found from etc/nginx/ upwards applies (exit {rc}) {err}")
    rc, _, _ = lint_json(popcheck, ["--fail-on", "error", conf], repo)
    expect(rc == 1, f"--fail-on error beats the file's fail_on none (exit {rc})")
    rc, rules, _ = lint_json(popcheck, ["--skip", "CONF004", conf], repo)
    expect("CONF004" not in rules and "CONF003" in rules and "POP3016" not in rules,
           "--skip replaces the file's skip list; rules set to off stay off")
    with open(CONFIG) as f:
        rc, rules, _ = lint_json(popcheck, ["-"], repo, stdin=f.read())
    expect(rc == 0 and rules.get("MAIL101") == "info", "stdin: the file is found from the cwd")
    other = os.path.join(tmp, "other.json")
    with open(other, "w") as f:
        json.dump({"only": ["POP3003"], "target_version": "1.26"}, f)
    rc, rules, _ = lint_json(popcheck, ["--config", other, conf], repo)
    expect(rc == 1 and list(rules) == ["MAIL101"], f"--config FILE is used instead ({rules})")
    with open(os.path.join(repo, "etc", ".popcheck.json"), "w") as f:
        f.write('{"fail_on": "sometimes"}')
    rc, rules, err = lint_json(popcheck, [conf], repo)
    expect(rc == 3 and err == f"popcheck: {repo}/etc/.popcheck.json: \"fail_on\" must be one of "
           "error|warning|info|none, not \"sometimes\"\n",
           f"the nearest file wins, and a bad one is a usage error (exit {rc}): {err.strip()}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    args = ap.parse_args()
    popcheck = os.path.abspath(args.popcheck)
    with tempfile.TemporaryDirectory(prefix="popcheck-lint-cli-") as tmp:
        progress_tests(popcheck, tmp)
        config_tests(popcheck, tmp)
    print("FAIL" if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
