#!/usr/bin/python3
"""Keeps each corpus case's findings.md (popcheck's current findings, one hand verdict each) in step
with popcheck, and checks it (the ctest).

findings.md holds one table row per finding popcheck reports today,
`| # | rule | where | severity | verdict | why |` (where = FILE:LINE relative to the case directory),
and a `## Still missed` list of `- [TAG] ...` lines (what a mail operations engineer expects and
popcheck still does not say). judgement.md keeps the verdicts on the findings before the #14/#16
work, for the record.

  judge.py --check [CASE...]   (the ctest) runs `popcheck lint --no-resolve --format json` on each
      case and fails if its findings and the table differ (a finding without a verdict, a verdict
      for a finding popcheck no longer reports, or a changed severity), if a row says UNJUDGED, if
      popcheck crashed or exited other than 0/1, or if `popcheck compile` disagrees with the real
      nginx -t recorded in nginx-t.txt: an accepted config must have no error, and a refused one
      must have nginx's first [emerg] line as its first error (except user/group lookups, which
      depend on the machine nginx -t ran on).
  judge.py --update [CASE...]  rewrites the tables from popcheck's output: a finding keeps the
      verdict of the row with the same rule (or the rule's former id), place and severity; a new
      one gets UNJUDGED, for a person to judge. Prints what changed.
Run: /usr/bin/python3 testdata/corpus/judge.py --popcheck build/popcheck --check
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VERDICTS = ("TP", "TP-sev", "FP", "noise", "cascade", "UNJUDGED")
ROW = re.compile(r"^\| (\d+) \| (\w+) \| ([^|]+) \| (\w+) \| ([\w-]+) \| (.*) \|$")
OLD_ROW = re.compile(r"^\| (\d+) \| (\w+) \| (\d+) \| (\w+) \| ([\w-]+) \| (.*) \|$")
MISS = re.compile(r"^- \[([A-Z0-9-]+)\] (.*)$")
FORMER = re.compile(r'\{"(\w+)",\s*RuleFamily::\w+,\s*Severity::\w+,\s*"(\w+)"(?:,\s*"(\w+)")?\}')
HEADER = ["| # | rule | where | severity | verdict | why |", "|---|---|---|---|---|---|"]


def former_ids():
    """new id -> its former ids (one or two), read from the registry (conf/rule_ids.hpp) so no
    table is restated."""
    text = open(os.path.join(REPO, "lib/popcheck/conf/rule_ids.hpp"), encoding="utf-8").read()
    return {m[1]: [i for i in (m[2], m[3]) if i] for m in FORMER.finditer(re.sub(r"\s+", " ", text))}


def cases(names):
    if names:
        return [os.path.abspath(n if os.path.isdir(n) else os.path.join(HERE, n)) for n in names]
    return sorted(os.path.join(HERE, d) for d in os.listdir(HERE)
                  if os.path.isfile(os.path.join(HERE, d, "nginx.conf")))


def lint(popcheck, case):
    r = subprocess.run([popcheck, "lint", "--no-resolve", "--format", "json", "nginx.conf"],
                       cwd=case, capture_output=True, text=True, timeout=60)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"popcheck lint exited {r.returncode}: {r.stderr.strip()[:300]}")
    found = []
    for f in json.loads(r.stdout)["findings"]:
        where = os.path.relpath(f["file"], case) if f["file"] else "-"
        found.append(dict(rule=f["rule"], where=f"{where}:{f['line']}", severity=f["severity"]))
    return found


def read_table(case):
    path = os.path.join(case, "findings.md")
    rows, misses = [], []
    if os.path.isfile(path):
        for line in open(path, encoding="utf-8"):
            line = line.rstrip("\n")
            if m := ROW.match(line):
                rows.append(dict(rule=m[2], where=m[3].strip(), severity=m[4], verdict=m[5], why=m[6]))
            elif m := MISS.match(line):
                misses.append(line)
        return rows, misses, True
    # First run: start from the judgement of the findings before #14/#16 (nginx.conf lines only
    # there) and its misses.
    for line in open(os.path.join(case, "judgement.md"), encoding="utf-8"):
        line = line.rstrip("\n")
        if m := OLD_ROW.match(line):
            rows.append(dict(rule=m[2], where=f"nginx.conf:{m[3]}", severity=m[4], verdict=m[5], why=m[6],
                             loose=True))
        elif MISS.match(line):
            misses.append(line)
    return rows, misses, False


def key(row):
    return (row["rule"], row["where"], row["severity"])


MACHINE_DEPENDENT = re.compile(r'^get(pw|gr)nam\(')


def nginx_agreement(popcheck, case):
    recorded = open(os.path.join(case, "nginx-t.txt"), encoding="utf-8").read().splitlines()
    nginx_exit = int(recorded[0].split()[1])
    first = next((l[len("[emerg] "):] for l in recorded[1:] if l.startswith("[emerg] ")), None)
    r = subprocess.run([popcheck, "compile", "--no-resolve", "nginx.conf"], cwd=case,
                       capture_output=True, text=True, timeout=60)
    if r.returncode not in (0, 2):
        raise RuntimeError(f"popcheck compile exited {r.returncode}: {r.stderr.strip()[:300]}")
    errors = [e["text"].replace(case + "/", "$CASE/") for e in json.loads(r.stdout)["errors"]
              if e["severity"] == "error"]
    if nginx_exit == 0:
        return [f"nginx -t accepts the config, popcheck reports: {errors[0]}"] if errors else []
    if first is None or MACHINE_DEPENDENT.match(first):
        return []
    if not errors:
        return [f"nginx -t refuses the config ({first}), popcheck reports no error"]
    if errors[0] != first:
        return [f"first error differs: nginx -t says {first}; popcheck says {errors[0]}"]
    return []


def check(popcheck, case):
    rows, _, exists = read_table(case)
    if not exists:
        return [f"no findings.md (run judge.py --update {os.path.basename(case)})"]
    problems = nginx_agreement(popcheck, case)
    found = collections.Counter(key(f) for f in lint(popcheck, case))
    judged = collections.Counter(key(r) for r in rows)
    problems += [f"reported but not judged: {k[0]} {k[1]} {k[2]}" for k in sorted(found - judged)]
    problems += [f"judged but no longer reported: {k[0]} {k[1]} {k[2]}" for k in sorted(judged - found)]
    problems += [f"UNJUDGED: {r['rule']} {r['where']}" for r in rows if r["verdict"] == "UNJUDGED"]
    return problems


def update(popcheck, case, former):
    rows, misses, _ = read_table(case)
    pool = collections.defaultdict(list)
    for r in rows:
        pool[(r["rule"], r["where"])].append(r)
    out, changes = [], []
    for f in lint(popcheck, case):
        candidates = pool.get((f["rule"], f["where"]))
        for old_id in former.get(f["rule"], []):
            candidates = candidates or pool.get((old_id, f["where"]))
        if candidates:
            old = candidates.pop(0)
            verdict, why = old["verdict"], old["why"]
            if old["severity"] != f["severity"]:
                changes.append(f"severity {old['severity']} -> {f['severity']}: {f['rule']} {f['where']} ({verdict})")
                verdict, why = "UNJUDGED", f"was {old['verdict']} at {old['severity']}: {why}"
        else:
            verdict, why = "UNJUDGED", ""
            changes.append(f"new: {f['rule']} {f['where']} {f['severity']}")
        out.append(dict(f, verdict=verdict, why=why))
    for left in pool.values():
        for r in left:
            changes.append(f"gone: {r['rule']} {r['where']} {r['severity']} (was {r['verdict']})")
    name = os.path.basename(case)
    lines = [f"# Findings now: {name}", "",
             "popcheck lint --no-resolve today, one hand verdict per finding (testdata/corpus/README.md "
             "says how they are judged); judge.py --check keeps this table equal to popcheck's output.", "",
             "## Findings", ""] + HEADER
    for i, r in enumerate(out, 1):
        lines.append(f"| {i} | {r['rule']} | {r['where']} | {r['severity']} | {r['verdict']} | {r['why']} |")
    lines += ["", "## Still missed", ""] + (misses or ["- none"]) + [""]
    with open(os.path.join(case, "findings.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    return changes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", default=os.path.join(REPO, "build/popcheck"))
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--update", action="store_true")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    a.popcheck = os.path.abspath(a.popcheck)
    failed = 0
    former = former_ids()
    for case in cases(a.cases):
        name = os.path.basename(case)
        try:
            problems = check(a.popcheck, case) if a.check else update(a.popcheck, case, former)
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
            problems = [f"popcheck failed: {e}"]
            failed += 1
        if a.check and problems:
            failed += 1
        status = ("FAIL" if problems else "ok") if a.check else f"{len(problems)} changes"
        print(f"{name}: {status}")
        for p in problems:
            print(f"  {p}")
    if a.check:
        print(f"{len(cases(a.cases)) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
