#!/usr/bin/python3
"""Replays configuration fuzz regressions through the CLI (ctest "fuzz-replay: config via the CLI").

For every file in the given directories: `popcheck parse`, `popcheck compile` and `popcheck lint`
in each format must exit 0, 1 or 2 (never 4 "internal error", never a signal) within the timeout,
and JSON outputs must parse. Prints one line per failure, then `N passed, N failed`.

Run: /usr/bin/python3 scripts/fuzz_cli_replay.py --popcheck build/popcheck testdata/fuzz-regressions/config
"""
import argparse
import json
import pathlib
import subprocess
import sys

TIMEOUT = 60
RUNS = (
    (["parse"], "json"),
    (["compile", "--hostname", "test-host", "--no-resolve", "--no-file-checks"], "json"),
    (["lint", "--no-resolve", "--no-file-checks", "--hostname", "test-host", "--format", "text"], None),
    (["lint", "--no-resolve", "--no-file-checks", "--hostname", "test-host", "--format", "json"], "json"),
    (["lint", "--no-resolve", "--no-file-checks", "--hostname", "test-host", "--format", "sarif"], "json"),
    (["lint", "--no-resolve", "--no-file-checks", "--hostname", "test-host", "--format", "junit"], None),
    (["lint", "--no-resolve", "--no-file-checks", "--hostname", "test-host", "--format",
      "codequality"], "json"),
)


def check(popcheck, path, argv, kind):
    try:
        proc = subprocess.run([popcheck, *argv, str(path)], capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"timed out after {TIMEOUT}s"
    if proc.returncode not in (0, 1, 2):
        return f"exit {proc.returncode}: {proc.stderr.decode(errors='replace').strip()[:300]}"
    if kind == "json" and proc.stdout:
        try:
            json.loads(proc.stdout)
        except ValueError as e:
            return f"stdout is not JSON: {e}"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--popcheck", required=True)
    parser.add_argument("dirs", nargs="+")
    args = parser.parse_args()
    files = sorted(p for d in args.dirs for p in pathlib.Path(d).iterdir() if p.is_file())
    passed = failed = 0
    for path in files:
        for argv, kind in RUNS:
            problem = check(args.popcheck, path, argv, kind)
            if problem:
                failed += 1
                print(f"FAIL {path.name}: popcheck {' '.join(argv)}: {problem}")
            else:
                passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not files else 0


if __name__ == "__main__":
    sys.exit(main())
