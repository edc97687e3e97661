#!/usr/bin/python3
"""Golden-file runner for `popcheck lint`: testdata/lint/{rules,multi,formats,cli}/<case>/.

A case is a directory with an nginx.conf and, optionally, a case.json listing runs:
    {"runs": [{"golden": "expected.json", "args": ["lint", "--format", "json", "nginx.conf"],
               "exit": 1, "stdin": "nginx.conf", "schema": "lint.schema.json", "xml": false}]}
Each run executes `popcheck ARGS` with the case directory as cwd (stdin from the named file, else
empty), and compares stdout (case directory written $CASE, repository $REPO) byte for byte with
the golden file and the exit code with `exit`. `schema` validates stdout against schemas/<schema>
(python3-jsonschema; draft from its $schema), `xml` checks it is well-formed XML.
Without case.json there is one run: `lint --no-color --hostname test-host --no-resolve
--fail-on none nginx.conf` against expected.txt, exit 0.

Cases under rules/ are named RULE-<what>-positive or -negative (RULE: POP3xxx, MAILxxx, ...). Lines
of their config files marked `# expect: RULE` are where that rule must be reported: the rule's findings (file, line)
must be exactly the marked lines, at least one in a positive case, none in a negative one.

`--update` rewrites the goldens (REVIEW them: a golden is an assertion). Ends with
`N passed, N failed`; exit 1 if a case failed.
Run: /usr/bin/python3 scripts/lint_golden.py --popcheck build/popcheck [--update] [CASE_DIR...]
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from golden_common import REPO, diff, load_validator, normalise, print_result, read, schema_errors  # noqa: E402

SETS = ("rules", "multi", "formats", "cli")
DEFAULT_RUN = {"golden": "expected.txt", "exit": 0,
               "args": ["lint", "--no-color", "--hostname", "test-host", "--no-resolve",
                        "--fail-on", "none", "nginx.conf"]}
RULE_CASE = re.compile(r"^((?:POP3|IMAP|SMTP|MAIL)\d{3})-.*-(positive|negative)$")
MARKER = re.compile(r"#\s*expect:\s*(\w+)")
TIMEOUT = 30


def run_popcheck(popcheck, case_dir, args, stdin_name=None):
    stdin = b""
    if stdin_name:
        with open(os.path.join(case_dir, stdin_name), "rb") as fh:
            stdin = fh.read()
    r = subprocess.run([popcheck] + args, cwd=case_dir, input=stdin, capture_output=True,
                       timeout=TIMEOUT)
    return r.returncode, r.stdout.decode("utf-8", errors="surrogateescape"), r.stderr.decode(errors="replace")


def markers(case_dir, rule):
    """{(absolute file, line)} of every `# expect: RULE` in the case's config files."""
    out = set()
    for path in sorted(glob.glob(os.path.join(case_dir, "**", "*"), recursive=True)):
        if not path.endswith((".conf", ".inc")):
            continue
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, 1):
                if any(m == rule for m in MARKER.findall(line)):
                    out.add((path, number))
    return out


def check_rule_lines(popcheck, case_dir):
    """The rule of a rules/ case is reported exactly at its marked lines."""
    m = RULE_CASE.match(os.path.basename(case_dir))
    if not m:
        return [f"a rules/ case is named RULE-<what>-positive|negative, not {os.path.basename(case_dir)}"]
    rule, polarity = m.groups()
    code, out, err = run_popcheck(popcheck, case_dir, ["lint", "--format", "json", "--hostname", "test-host",
                                                        "--no-resolve", "--fail-on", "none", "nginx.conf"])
    try:
        findings = json.loads(out)["findings"]
    except (ValueError, KeyError):
        return [f"lint --format json printed no report (exit {code}): {err.strip()}"]
    got = {(f["file"], f["line"]) for f in findings if f["rule"] == rule}
    want = markers(case_dir, rule)
    failures = []
    if polarity == "positive" and not want:
        failures.append(f"a positive case needs a `# expect: {rule}` marker")
    if polarity == "negative" and want:
        failures.append("a negative case has no markers")
    if got != want:
        show = lambda s: ", ".join(f"{os.path.relpath(f, case_dir)}:{n}" for f, n in sorted(s)) or "none"
        failures.append(f"{rule} reported at {show(got)}; expected at {show(want)}")
    return failures


def run_case(popcheck, case_dir, update, validators):
    spec = json.loads(read(os.path.join(case_dir, "case.json")) or '{"runs": null}')
    runs = spec.get("runs") or [DEFAULT_RUN]
    failures = []
    if os.path.basename(os.path.dirname(case_dir)) == "rules":
        failures += check_rule_lines(popcheck, case_dir)
    for run in runs:
        name = run["golden"]
        code, out, err = run_popcheck(popcheck, case_dir, run["args"], run.get("stdin"))
        out = normalise(out, case_dir)
        if run.get("schema"):
            if run["schema"] not in validators:
                validators[run["schema"]] = load_validator(run["schema"], "lint_golden.py")
            failures += [f"{name}: schema {run['schema']}: {p}"
                         for p in schema_errors(validators[run["schema"]], out)]
        if run.get("xml"):
            try:
                ElementTree.fromstring(out.encode("utf-8", errors="surrogateescape"))
            except ElementTree.ParseError as e:
                failures.append(f"{name}: not well-formed XML: {e}")
        if code != run.get("exit", 0):
            failures.append(f"{name}: exit code {code}, expected {run.get('exit', 0)}"
                            + (f"\n  stderr: {err.strip()}" if err.strip() else ""))
        golden_path = os.path.join(case_dir, name)
        if update:
            with open(golden_path, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(out)
            continue
        golden = read(golden_path)
        if golden is None:
            failures.append(f"{name}: no golden (run with --update)")
        elif golden != out:
            failures.append(f"{name}: stdout differs from the golden:\n"
                            + diff(golden, out, f"{name} (golden)", f"{name} (popcheck)"))
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--popcheck", default=os.path.join(REPO, "build", "popcheck"), help="popcheck binary")
    ap.add_argument("--update", action="store_true", help="rewrite the goldens from popcheck's output")
    ap.add_argument("cases", nargs="*", help=f"case directories (default: testdata/lint/{{{','.join(SETS)}}}/*)")
    args = ap.parse_args()
    popcheck = os.path.abspath(args.popcheck)
    if not os.access(popcheck, os.X_OK):
        sys.exit(f"lint_golden.py: {popcheck} is not an executable (build it, or pass --popcheck)")
    cases = [os.path.abspath(c) for c in args.cases] or sorted(
        os.path.dirname(p) for s in SETS
        for p in glob.glob(os.path.join(REPO, "testdata", "lint", s, "*", "nginx.conf")))
    validators = {}
    passed = failed = 0
    for case_dir in cases:
        failures = run_case(popcheck, case_dir, args.update, validators)
        print_result(os.path.relpath(case_dir, os.path.join(REPO, "testdata")), failures, args.update)
        failed += bool(failures)
        passed += not failures
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
