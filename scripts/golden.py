#!/usr/bin/python3
"""Golden-file runner for testdata/compile/<case>/ (one behaviour per case).

For each case it runs, with the case directory as cwd and the absolute path of the case's nginx.conf:
    popcheck parse FILE
    popcheck compile --hostname test-host --no-resolve FILE
and compares stdout byte for byte with parse.json / compile.json and the exit codes with
expected.json, and compile's verdict with the real `nginx -t` verdict recorded in nginx-t.txt
(`--record-nginx` re-records it). The absolute case directory and repository root are replaced by `$CASE` and `$REPO`
first, so goldens are machine independent. Every non-empty stdout is validated against
schemas/parse.schema.json or schemas/compile.schema.json (python3-jsonschema). `--update` rewrites
the goldens (schema errors still fail). Ends with `N passed, N failed`; exit 1 if any case failed.

Run: /usr/bin/python3 scripts/golden.py --popcheck build/popcheck [--update] [CASE_DIR...]
"""

import argparse
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import nginx_runner  # noqa: E402
from golden_common import (REPO, diff, load_validator, nginx_messages, normalise, print_result,  # noqa: E402
                           read, same_nginx_error, schema_errors)

CASES_ROOT = os.path.join(REPO, "testdata", "compile")
EXPECTED = "expected.json"
# (name of the golden file, argv after the popcheck binary, schema file)
STEPS = (
    ("parse", ["parse"], "parse.schema.json"),
    ("compile", ["compile", "--hostname", "test-host", "--no-resolve"], "compile.schema.json"),
)
TIMEOUT = 30
NGINX_T = "nginx-t.txt"
# Ports whose listen picks a protocol (docs/nginx-behaviour.md#protocol-by-port): moving them would change what nginx -t says.
PROTOCOL_PORTS = {110, 995, 143, 993, 25, 465, 587}


def nginx_port(port):
    """The stand-in port used when recording `nginx -t` (only 22000-22999 may be bound here)."""
    return 22000 + port % 1000


def record_nginx(case_dir):
    """Run the real `nginx -t` on a copy of the case and write its verdict to nginx-t.txt:
    `exit N`, then nginx's warning and error lines (`nginx: [level] ...`) with $CASE for the path."""
    ports = nginx_runner.ports_in(case_dir)
    texts = "".join(read(os.path.join(r, f)) or "" for r, _, fs in os.walk(case_dir) for f in fs
                    if f.endswith(".conf") or f == "default")
    has_protocol = re.search(r"(?m)^[^#]*(^|[;{\s])protocol\s+\w+\s*;", texts) is not None
    if set(ports) & PROTOCOL_PORTS and not has_protocol:
        return f"not recorded: it relies on the protocol-by-port rule (write {NGINX_T} by hand)"
    port_map = {p: nginx_port(p) for p in ports}
    with nginx_runner.Instance(case_dir, port_map) as inst:
        rc, lines = inst.test()
    out = [f"exit {rc}"]
    for line in lines:
        if not line.startswith("nginx: [") or "could not open error log file" in line:
            continue
        for old, new in port_map.items():
            line = line.replace(f":{new}", f":{old}")
        out.append(normalise(line, case_dir))
    with open(os.path.join(case_dir, NGINX_T), "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")
    return None


def load_validators():
    return {schema_name: load_validator(schema_name, "golden.py") for _, _, schema_name in STEPS}


def nginx_disagreements(case_dir, compile_out, compile_exit):
    """Compare compile with the real nginx's recorded verdict (nginx-t.txt): same success/failure,
    nginx's first [emerg] equals compile's first error `text` (for OpenSSL load errors nginx appends
    `(SSL: ...)` details that differ between OpenSSL builds), and every nginx [warn] is reported."""
    record = read(os.path.join(case_dir, NGINX_T))
    if record is None:
        return []
    lines = [line for line in record.splitlines() if line and not line.startswith("#")]
    nginx_exit = int(lines[0].split()[1])
    emerg = nginx_messages(lines, "emerg")
    warn = nginx_messages(lines, "warn")
    problems = []
    if (nginx_exit == 0) != (compile_exit == 0):
        problems.append(f"nginx -t exits {nginx_exit} but compile exits {compile_exit}")
    try:
        diags = json.loads(compile_out).get("errors", [])
    except (ValueError, AttributeError):
        return problems
    errors = [d.get("text", "") for d in diags if d.get("severity") == "error"]
    warnings = [d.get("text", "") for d in diags if d.get("severity") == "warning"]
    if emerg:
        first = errors[0] if errors else "(no error)"
        if not same_nginx_error(emerg[0], first):
            problems.append(f"first error differs from nginx -t:\n  nginx:    {emerg[0]}\n  popcheck: {first}")
    elif errors:
        problems.append(f"nginx -t reports no error, compile does: {errors[0]}")
    for w in warn:
        if w not in warnings:
            problems.append(f"nginx -t warns, compile does not: {w}")
    return problems


def run_case(popcheck, case_dir, validators, update):
    """Returns a list of failure descriptions (empty = pass)."""
    conf = os.path.join(case_dir, "nginx.conf")
    failures = []
    expected_exits = json.loads(read(os.path.join(case_dir, EXPECTED)) or "{}")
    actual_exits = {}
    for name, args, schema_name in STEPS:
        try:
            r = subprocess.run([popcheck] + args + [conf], cwd=case_dir, capture_output=True,
                               timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            failures.append(f"{name}: popcheck did not finish within {TIMEOUT}s")
            continue
        out = normalise(r.stdout.decode("utf-8", errors="surrogateescape"), case_dir)
        err = normalise(r.stderr.decode("utf-8", errors="replace"), case_dir)
        actual_exits[f"{name}_exit"] = r.returncode
        if out.strip():
            for problem in schema_errors(validators[schema_name], out):
                failures.append(f"{name}: schema {schema_name}: {problem}")
        if name == "compile":
            failures += [f"compile vs real nginx: {p}" for p in nginx_disagreements(case_dir, out, r.returncode)]
        golden_path = os.path.join(case_dir, f"{name}.json")
        if update:
            with open(golden_path, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(out)
            continue
        golden = read(golden_path)
        if golden is None:
            failures.append(f"{name}: no golden {golden_path} (run with --update)")
        elif golden != out:
            failures.append(f"{name}: stdout differs from the golden:\n"
                            + diff(golden, out, f"{name}.json (golden)", f"{name}.json (popcheck)"))
        want = expected_exits.get(f"{name}_exit")
        if want != r.returncode:
            failures.append(f"{name}: exit code {r.returncode}, expected {want}"
                            + (f"\n  stderr: {err.strip()}" if err.strip() else ""))
    if update:
        with open(os.path.join(case_dir, EXPECTED), "w", encoding="utf-8") as fh:
            fh.write(json.dumps(actual_exits, indent=2, sort_keys=True) + "\n")
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--popcheck", default=os.path.join(REPO, "build", "popcheck"), help="popcheck binary")
    ap.add_argument("--update", action="store_true", help="rewrite the goldens from popcheck's output")
    ap.add_argument("--record-nginx", action="store_true",
                    help=f"write each case's {NGINX_T} from the real nginx -t (needs nginx + mail module)")
    ap.add_argument("cases", nargs="*", help="case directories (default: every testdata/compile/*)")
    args = ap.parse_args()
    cases = [os.path.abspath(c) for c in args.cases] or sorted(
        os.path.join(CASES_ROOT, d) for d in os.listdir(CASES_ROOT)
        if os.path.isfile(os.path.join(CASES_ROOT, d, "nginx.conf")))
    if args.record_nginx:
        why = nginx_runner.available()
        if why:
            sys.exit(f"golden.py: {why}")
        for case_dir in cases:
            print(f"{os.path.basename(case_dir)}: {record_nginx(case_dir) or 'recorded'}")
        return 0
    popcheck = os.path.abspath(args.popcheck)
    if not os.access(popcheck, os.X_OK):
        sys.exit(f"golden.py: {popcheck} is not an executable (build it, or pass --popcheck)")
    validators = load_validators()
    passed = failed = 0
    for case_dir in cases:
        label = (os.path.relpath(case_dir, os.path.join(REPO, "testdata"))
                 if case_dir.startswith(REPO + os.sep) else case_dir)
        if not os.path.isfile(os.path.join(case_dir, "nginx.conf")):
            print(f"FAIL {label}: no nginx.conf")
            failed += 1
            continue
        failures = run_case(popcheck, case_dir, validators, args.update)
        print_result(label, failures, args.update)
        failed += bool(failures)
        passed += not failures
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
