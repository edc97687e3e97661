#!/usr/bin/python3
"""Rebuild the tables of testdata/corpus/README.md from the per-case files.

Reads every testdata/corpus/<case>/judgement.md (the hand-made verdicts: one table row per popcheck
finding, `| # | rule | line | severity | verdict | why |`, and one `- [TAG] ...` line per miss) and
<case>/nginx-t.txt, and prints the generated part of the README (between the GENERATED markers) to
stdout, or rewrites README.md in place with --write. Verdicts: TP, TP-sev (true but the severity is
wrong), FP, noise (true but restates a default or repeats an inherited value), cascade (knock-on of an
earlier error). Precision = (TP + TP-sev) / (TP + TP-sev + FP); noise and cascade are counted apart.
A case whose SOURCE.md has a `- Sample: out` line was added after the rules were tuned on the others:
its numbers are also given apart (out of sample: what a user's own config sees), the rest in sample.
Run: /usr/bin/python3 testdata/corpus/summarise.py [--write]
"""
import collections
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VERDICTS = ("TP", "TP-sev", "FP", "noise", "cascade")
ROW = re.compile(r"^\| (\d+) \| (\w+) \| (\d+) \| (\w+) \| ([\w-]+) \| (.*) \|$")
NOW_ROW = re.compile(r"^\| (\d+) \| (\w+) \| [^|]*?:(\d+) \| (\w+) \| ([\w-]+) \| (.*) \|$")
MISS = re.compile(r"^- \[([A-Z0-9-]+)\] (.*)$")
SERVERS = re.compile(r"^- Servers: pop3=(\d+) imap=(\d+) smtp=(\d+)")
SAMPLE_OUT = re.compile(r"^- Sample: out\b", re.M)
BEGIN, END = "<!-- GENERATED: summarise.py -->", "<!-- END GENERATED -->"
NOW_BEGIN, NOW_END = "<!-- GENERATED NOW: summarise.py -->", "<!-- END GENERATED NOW -->"


def load(now=False):
    """The verdicts before the #14/#16 work (judgement.md), or on today's findings (findings.md)."""
    cases = []
    row_re = NOW_ROW if now else ROW
    for name in sorted(os.listdir(HERE)):
        path = os.path.join(HERE, name, "findings.md" if now else "judgement.md")
        if not os.path.isfile(path):
            continue
        rows, misses, servers = [], [], (0, 0, 0)
        judgement = os.path.join(HERE, name, "judgement.md")
        for line in open(judgement, encoding="utf-8"):
            if m := SERVERS.match(line):
                servers = tuple(int(x) for x in m.groups())
        for line in open(path, encoding="utf-8"):
            line = line.rstrip("\n")
            if m := row_re.match(line):
                rows.append(dict(rule=m[2], line=int(m[3]), severity=m[4], verdict=m[5], why=m[6]))
            elif m := MISS.match(line):
                misses.append((m[1], m[2]))
            elif m := SERVERS.match(line):
                servers = tuple(int(x) for x in m.groups())
        for r in rows:
            if r["verdict"] not in VERDICTS + (("UNJUDGED",) if now else ()):
                sys.exit(f"{name}: unknown verdict {r['verdict']}")
        nginx = open(os.path.join(HERE, name, "nginx-t.txt"), encoding="utf-8").read().splitlines()
        first = next((l[8:] for l in nginx[1:] if l.startswith("[emerg]")), "")
        source = open(os.path.join(HERE, name, "SOURCE.md"), encoding="utf-8").read()
        cases.append(dict(name=name, rows=rows, misses=misses, servers=servers,
                          nginx_exit=int(nginx[0].split()[1]), nginx_first=first,
                          sample="out" if SAMPLE_OUT.search(source) else "in"))
    return cases


def pct(a, b):
    return f"{100 * a / b:.0f}%" if b else "-"


def render(cases, now=False):
    out = []
    n = len(cases)
    srv = [sum(c["servers"][i] for c in cases) for i in range(3)]
    with_proto = [sum(1 for c in cases if c["servers"][i]) for i in range(3)]
    mixed = sum(1 for c in cases if sum(1 for x in c["servers"] if x) > 1)
    passed = sum(1 for c in cases if c["nginx_exit"] == 0)
    total = collections.Counter(r["verdict"] for c in cases for r in c["rows"])
    nmiss = sum(len(c["misses"]) for c in cases)
    out += [f"{n} configurations; servers: POP3 {srv[0]} (in {with_proto[0]} configs), IMAP {srv[1]} "
            f"(in {with_proto[1]}), SMTP {srv[2]} (in {with_proto[2]}); {mixed} configs mix protocols.",
            f"Real nginx -t 1.22.1: {passed} pass, {n - passed} fail.",
            f"popcheck lint ({'now' if now else 'before'}): {sum(total.values())} findings: " +
            ", ".join(f"{v} {total[v]}" for v in VERDICTS) +
            f"; {nmiss} misses. Overall precision (TP+TP-sev)/(TP+TP-sev+FP): "
            f"{pct(total['TP'] + total['TP-sev'], total['TP'] + total['TP-sev'] + total['FP'])}."]
    if any(c["sample"] == "out" for c in cases):
        out_label = ("Out of sample (configs added afterwards, as popcheck main 20e7dcb reported "
                     "them before any judgement or change)" if not now else
                     "Out of sample (the same configs, today)")
        for sample, label in (("in", "In sample (the configs the rules were tuned on)"),
                              ("out", out_label)):
            part = [c for c in cases if c["sample"] == sample]
            v = collections.Counter(r["verdict"] for c in part for r in c["rows"])
            good = v["TP"] + v["TP-sev"]
            out.append(f"- {label}: {len(part)} configs, {sum(v.values())} findings: " +
                       ", ".join(f"{x} {v[x]}" for x in VERDICTS) +
                       f"; {sum(len(c['misses']) for c in part)} misses; precision "
                       f"{pct(good, good + v['FP'])}, with noise {pct(good, sum(v.values()))}.")
    out.append("")

    out += ["### Per configuration", "",
            "| case | nginx -t | POP3/IMAP/SMTP servers | findings | TP | TP-sev | FP | noise | cascade | misses |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for c in cases:
        v = collections.Counter(r["verdict"] for r in c["rows"])
        verdict = "pass" if c["nginx_exit"] == 0 else f"fail: {c['nginx_first'][:60]}"
        verdict = verdict.replace("|", "\\|").replace(" in $CASE/", " in ")
        name = c["name"] + (" (out)" if c["sample"] == "out" else "")
        out.append(f"| {name} | {verdict} | {'/'.join(map(str, c['servers']))} | {len(c['rows'])} | "
                   + " | ".join(str(v[x]) for x in VERDICTS) + f" | {len(c['misses'])} |")
    out.append("")

    per_rule = collections.defaultdict(collections.Counter)
    for c in cases:
        for r in c["rows"]:
            per_rule[r["rule"]][r["verdict"]] += 1
    out += ["### Per rule", "",
            "Precision = (TP + TP-sev) / (TP + TP-sev + FP); \"with noise\" also counts noise and cascade "
            "findings as wrong.", "",
            "| rule | findings | TP | TP-sev | FP | noise | cascade | precision | with noise |",
            "|---|---|---|---|---|---|---|---|---|"]
    for rule in sorted(per_rule):
        v = per_rule[rule]
        good = v["TP"] + v["TP-sev"]
        out.append(f"| {rule} | {sum(v.values())} | " + " | ".join(str(v[x]) for x in VERDICTS)
                   + f" | {pct(good, good + v['FP'])} | {pct(good, sum(v.values()))} |")
    out.append("")

    out += ["### False positives, by rule", ""]
    fps = collections.defaultdict(lambda: collections.defaultdict(list))
    for c in cases:
        for r in c["rows"]:
            if r["verdict"] == "FP":
                fps[r["rule"]][r["why"]].append(c["name"])
    for rule in sorted(fps):
        out.append(f"- **{rule}**")
        for why, where in sorted(fps[rule].items(), key=lambda kv: -len(kv[1])):
            out.append(f"  - {len(where)}x: {why} ({', '.join(sorted(set(where)))})")
    out.append("")

    out += ["### Wrong severity (TP-sev)", ""]
    for c in cases:
        for r in c["rows"]:
            if r["verdict"] == "TP-sev":
                out.append(f"- {c['name']} {r['rule']} line {r['line']} ({r['severity']}): {r['why']}")
    out.append("")

    out += ["### Misses, by kind", "",
            "| kind | count | configs |", "|---|---|---|"]
    miss = collections.defaultdict(list)
    for c in cases:
        for tag, _ in c["misses"]:
            miss[tag].append(c["name"])
    for tag, where in sorted(miss.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        out.append(f"| {tag} | {len(where)} | {', '.join(sorted(set(where)))} |")
    out.append("")
    return "\n".join(out)


def replace_block(readme, begin, end, text):
    head, rest = readme.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + begin + "\n" + text + "\n" + end + tail


def main():
    before, now = render(load()), render(load(now=True), now=True)
    if "--write" not in sys.argv:
        print(now if "--now" in sys.argv else before)
        return 0
    path = os.path.join(HERE, "README.md")
    readme = open(path, encoding="utf-8").read()
    readme = replace_block(readme, BEGIN, END, before)
    if NOW_BEGIN in readme:
        readme = replace_block(readme, NOW_BEGIN, NOW_END, now)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
