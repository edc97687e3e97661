#!/usr/bin/python3
"""Golden-file runner for `popcheck diff`: testdata/diff/<case>/ holds old.conf and new.conf (one
behaviour change per case) and the goldens expected.txt, expected.json, expected.md (stdout of
`popcheck diff old.conf new.conf --format F`, run in the case directory, byte for byte) and
expected-exit (the exit code, the same for every format). The JSON is validated against
schemas/diff.schema.json; when the exit code is 2, stderr must name the invalid side.

`--adjacent` instead diffs every pair of adjacent testdata/compile configurations (sorted by
name) in every format: each run must end with exit 0, 1 or 2 (never a crash), print its report
(or, for 2, the invalid side's errors) and, as JSON, match the schema.

`--update` rewrites the goldens (REVIEW them: a golden is an assertion). Ends with
`N passed, N failed`; exit 1 if a case failed.
Run: /usr/bin/python3 scripts/diff_golden.py --popcheck build/popcheck [--update] [CASE_DIR...]
"""

import argparse
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from golden_common import REPO, diff, load_validator, read, schema_errors  # noqa: E402

FORMATS = (("text", "expected.txt"), ("json", "expected.json"), ("markdown", "expected.md"))


def run(popcheck, cwd, old, new, fmt):
    return subprocess.run([popcheck, "diff", old, new, "--format", fmt], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def check_case(args, validator, case_dir):
    problems = []
    want_exit = read(os.path.join(case_dir, "expected-exit"))
    for fmt, golden_name in FORMATS:
        r = run(args.popcheck, case_dir, "old.conf", "new.conf", fmt)
        if r.returncode < 0 or r.returncode > 2:
            problems.append(f"{fmt}: exit {r.returncode}: {r.stderr.strip()}")
            continue
        if args.update:
            with open(os.path.join(case_dir, golden_name), "w", encoding="utf-8") as fh:
                fh.write(r.stdout)
            with open(os.path.join(case_dir, "expected-exit"), "w") as fh:
                fh.write(f"{r.returncode}\n")
            want_exit = f"{r.returncode}\n"
            continue
        golden = read(os.path.join(case_dir, golden_name))
        if golden is None:
            problems.append(f"missing {golden_name}")
        elif golden != r.stdout:
            problems.append(diff(golden, r.stdout, golden_name, f"popcheck diff --format {fmt}"))
        if want_exit is None or int(want_exit) != r.returncode:
            problems.append(f"{fmt}: exit {r.returncode}, expected {want_exit!r}")
        if r.returncode == 2 and "is not a valid configuration" not in r.stderr:
            problems.append(f"{fmt}: exit 2 without the invalid side's errors: {r.stderr!r}")
        if fmt == "json":
            problems += [f"schema: {e}" for e in schema_errors(validator, r.stdout)]
    return problems


def check_adjacent(args, validator):
    confs = sorted(glob.glob(os.path.join(REPO, "testdata", "compile", "*", "nginx.conf")))
    passed = failed = 0
    for old, new in zip(confs, confs[1:]):
        label = f"{os.path.basename(os.path.dirname(old))} -> {os.path.basename(os.path.dirname(new))}"
        problems = []
        for fmt, _ in FORMATS:
            r = run(args.popcheck, REPO, old, new, fmt)
            if r.returncode not in (0, 1, 2):
                problems.append(f"{fmt}: exit {r.returncode}: {r.stderr.strip()[-300:]}")
            elif r.returncode == 2 and "is not a valid configuration" not in r.stderr:
                problems.append(f"{fmt}: exit 2 without the invalid side's errors")
            elif fmt == "json" and (r.returncode != 2 or r.stdout):
                problems += [f"schema: {e}" for e in schema_errors(validator, r.stdout)]
            elif fmt != "json" and (r.returncode != 2 or r.stdout) and "popcheck diff" not in r.stdout:
                problems.append(f"{fmt}: no report on stdout")
        if problems:
            failed += 1
            print(f"FAIL {label}\n  " + "\n  ".join(problems))
        else:
            passed += 1
            print(f"ok   {label}")
    return passed, failed


def check_git(args):
    """git:REV:PATH gives the same report as the files themselves: a repository whose first
    commit holds a case's old.conf (as conf/nginx.conf, with the certs it includes) and whose
    working tree has new.conf in its place."""
    import shutil
    import tempfile
    case = os.path.join(REPO, "testdata", "diff", "starttls-on-to-only")
    with tempfile.TemporaryDirectory(prefix="popcheck-diff-git-") as tmp:
        os.makedirs(os.path.join(tmp, "conf"))
        shutil.copy(os.path.join(case, "old.conf"), os.path.join(tmp, "conf", "nginx.conf"))
        env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.test",
                   GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.test")
        for cmd in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "old"]):
            subprocess.run(cmd, cwd=tmp, env=env, check=True, capture_output=True)
        shutil.copy(os.path.join(case, "new.conf"), os.path.join(tmp, "conf", "nginx.conf"))
        by_git = subprocess.run([args.popcheck, "diff", "git:HEAD:conf/nginx.conf", "nginx.conf"],
                                cwd=os.path.join(tmp, "conf"), capture_output=True, text=True, timeout=60)
        want = read(os.path.join(case, "expected.txt"))
        got = by_git.stdout.replace("git:HEAD:conf/nginx.conf -> nginx.conf", "old.conf -> new.conf")
        got = got.replace("- warning MAIL102 nginx.conf:", "- warning MAIL102 old.conf:")
        bad = subprocess.run([args.popcheck, "diff", "git:no-such-rev:conf/nginx.conf", "conf/nginx.conf"],
                             cwd=tmp, capture_output=True, text=True, timeout=60)
        left = [p for p in glob.glob(os.path.join(tempfile.gettempdir(), "popcheck-diff-*"))
                if not p.startswith(tmp)]
    problems = []
    if by_git.returncode != 1 or got != want:
        problems.append(f"git:HEAD:PATH: exit {by_git.returncode}\n" + diff(want, got, "expected.txt", "git"))
    if bad.returncode != 2 or "no such revision" not in bad.stderr:
        problems.append(f"an unknown revision: exit {bad.returncode}, {bad.stderr.strip()!r}")
    if left:
        problems.append(f"temporary checkouts left behind: {left}")
    print(("FAIL git inputs\n  " + "\n  ".join(problems)) if problems else "ok   git inputs")
    return (0, 1) if problems else (1, 0)


def check_cli(args):
    """- reads one side from stdin (the same report as the file), never both (usage, 3); a
    missing file exits 2 with its name."""
    case = os.path.join(REPO, "testdata", "diff", "starttls-on-to-only")
    problems = []
    with open(os.path.join(case, "old.conf")) as stdin:
        r = subprocess.run([args.popcheck, "diff", "-", "new.conf"], cwd=case, stdin=stdin,
                           capture_output=True, text=True, timeout=60)
    want = read(os.path.join(case, "expected.txt")).replace("old.conf -> new.conf", "- -> new.conf")
    # stdin has no file name: the lint finding that went names it as the parser does
    got = re.sub(r"(MAIL102 )[^:\s]*:", r"\1old.conf:", r.stdout)
    if r.returncode != 1 or got != want:
        problems.append(f"stdin: exit {r.returncode}\n" + diff(want, got, "expected.txt", "stdin"))
    with open(os.path.join(case, "old.conf")) as stdin:
        r = subprocess.run([args.popcheck, "diff", "-", "-"], cwd=case, stdin=stdin,
                           capture_output=True, text=True, timeout=60)
    if r.returncode != 3:
        problems.append(f"both sides from stdin: exit {r.returncode}, expected 3")
    r = subprocess.run([args.popcheck, "diff", "old.conf", "missing.conf"], cwd=case,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 2 or "missing.conf" not in r.stderr:
        problems.append(f"a missing file: exit {r.returncode}, {r.stderr.strip()!r}")
    print(("FAIL cli\n  " + "\n  ".join(problems)) if problems else "ok   cli")
    return (0, 1) if problems else (1, 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--adjacent", action="store_true")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    args.popcheck = os.path.abspath(args.popcheck)
    validator = load_validator("diff.schema.json", "diff_golden")
    if args.adjacent:
        passed, failed = check_adjacent(args, validator)
        for check in (check_git, check_cli):
            more_passed, more_failed = check(args)
            passed, failed = passed + more_passed, failed + more_failed
    else:
        cases = args.cases or sorted(glob.glob(os.path.join(REPO, "testdata", "diff", "*", "")))
        passed = failed = 0
        for case_dir in cases:
            case_dir = os.path.abspath(case_dir).rstrip("/")
            problems = check_case(args, validator, case_dir)
            name = os.path.basename(case_dir)
            if problems:
                failed += 1
                print(f"FAIL {name}\n" + "\n".join(problems))
            else:
                passed += 1
                print(f"ok   {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
