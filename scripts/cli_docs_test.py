#!/usr/bin/python3
"""The man page and the shell completions cannot drift from the command line.

From `popcheck --help` and `popcheck VERB --help` (CLI11's listing) it takes every verb and every
option, and checks:
  * docs/man/popcheck.1.scd has a `## VERB` section with an entry for each option (`*--opt* ...`)
    (probe and selftest may rely on run's section, which the page says applies to them), every
    exit code of cli/exit_codes.hpp under EXIT STATUS, and the generated page renders without
    groff warnings;
  * the bash completion offers exactly the verb's options after `popcheck VERB -` (run in bash);
  * the zsh completion (zsh -n clean) names each option in the verb's branch;
  * the .popcheck.json examples of the man page and docs/getting-started.md match
    schemas/popcheck-config.schema.json and `popcheck lint --config EXAMPLE` accepts them;
  * docs/schemas.md names every file of schemas/.
Exit 0 pass, 1 fail.

Run: /usr/bin/python3 scripts/cli_docs_test.py --popcheck build/popcheck [--man build/popcheck.1.gz]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import jsonschema

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAN_SOURCE = os.path.join(REPO, "docs", "man", "popcheck.1.scd")
BASH = os.path.join(REPO, "share", "completions", "popcheck.bash")
ZSH = os.path.join(REPO, "share", "completions", "_popcheck")
SHARED_WITH_RUN = {"probe", "selftest"}  # "The options of run apply as well"


def help_text(popcheck, *args):
    return subprocess.run([popcheck, *args, "--help"], capture_output=True, text=True,
                          check=True).stdout


def verbs(popcheck):
    text = help_text(popcheck).split("Subcommands:", 1)[1]
    return re.findall(r"^  ([a-z]+) ", text, re.M)


def options(popcheck, verb):
    """Every option name of a verb (short and long), without -h/--help."""
    text = help_text(popcheck, verb).split("Options:", 1)[1]
    names = set()
    for line in text.splitlines():
        m = re.match(r"^  (-[\w-]+(?:,--?[\w-]+)*)", line)
        if m:
            names.update(m.group(1).split(","))
    return names - {"-h", "--help"}


def man_sections(source):
    """{verb: text of its `## verb` section}, plus the top-level `# NAME` sections."""
    sections, name = {}, None
    for line in source.splitlines():
        m = re.match(r"^(#{1,2}) (.+)$", line)
        if m:
            name = m.group(2)
            sections[name] = ""
        elif name:
            sections[name] += line + "\n"
    return sections


def bash_options(verb):
    script = (f"source {BASH}; COMP_WORDS=(popcheck {verb} -); COMP_CWORD=2; _popcheck; "
              "printf '%s\\n' \"${COMPREPLY[@]}\"")
    out = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True).stdout
    return set(out.split()) - {"-h", "--help"}


def zsh_branch(source, verb):
    m = re.search(rf"^\s+{verb}\)\n(.*?);;", source, re.M | re.S)
    text = m.group(1) if m else ""
    if "$_popcheck_dialogue_opts" in text:
        text += re.search(r"_popcheck_dialogue_opts=\((.*?)\n\)", source, re.S).group(1)
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    ap.add_argument("--man", help="the generated page (build/popcheck.1.gz) to render")
    args = ap.parse_args()
    failures = []

    def expect(cond, what):
        if not cond:
            failures.append(what)
            print("FAIL " + what)

    man = man_sections(open(MAN_SOURCE).read())
    zsh = open(ZSH).read()
    all_verbs = verbs(args.popcheck)
    expect(len(all_verbs) >= 8, f"popcheck --help lists the verbs: {all_verbs}")
    bash_verbs = subprocess.run(
        ["bash", "--norc", "-c", f"source {BASH}; COMP_WORDS=(popcheck ''); COMP_CWORD=1; "
         "_popcheck; echo ${COMPREPLY[*]}"], capture_output=True, text=True).stdout.split()
    expect(set(bash_verbs) == set(all_verbs) | {"--help", "--version"},
           f"bash completes the verbs: {sorted(bash_verbs)}")
    for verb in all_verbs:
        opts = options(args.popcheck, verb)
        section = man.get(verb)
        expect(section is not None, f"man page: no `## {verb}` section")
        text = (section or "") + (man.get("run", "") if verb in SHARED_WITH_RUN else "")
        # Definition lines: `*--opt* _ARG_` or `*-o*, *--output* _FILE_`.
        entries = "\n".join(l for l in text.splitlines() if l.startswith("*-"))
        for opt in sorted(opts):
            expect(f"*{opt}*" in entries, f"man page, {verb}: option {opt} is not documented")
            expect(re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", zsh_branch(zsh, verb)),
                   f"zsh completion, {verb}: option {opt} is missing")
        expect(f"'{verb}:" in zsh, f"zsh completion: verb {verb} is not described")
        got = bash_options(verb)
        expect(got == opts, f"bash completion, {verb}: offers {sorted(got - opts)} too, "
               f"misses {sorted(opts - got)}")

    codes = re.findall(r"k_exit_\w+ = (\d+);",
                       open(os.path.join(REPO, "cli", "exit_codes.hpp")).read())
    for code in codes:
        expect(f"*{code}*" in man.get("EXIT STATUS", ""), f"man page: exit code {code} missing")
    if shutil.which("zsh"):
        r = subprocess.run(["zsh", "-n", ZSH], capture_output=True, text=True)
        expect(r.returncode == 0, f"zsh -n _popcheck: {r.stderr}")
    r = subprocess.run(["bash", "-n", BASH], capture_output=True, text=True)
    expect(r.returncode == 0, f"bash -n popcheck.bash: {r.stderr}")
    if args.man:
        r = subprocess.run(["man", "--warnings", "-l", args.man], capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING=""))
        expect(r.returncode == 0 and r.stderr == "" and "EXIT STATUS" in r.stdout,
               f"man -l {args.man}: exit {r.returncode}, warnings: {r.stderr.strip()}")

    schema = json.load(open(os.path.join(REPO, "schemas", "popcheck-config.schema.json")))
    examples = {
        "man page": re.search(r"```\n(\{.*?\})\n```", man.get("PROJECT CONFIGURATION FILE", ""), re.S),
        "getting-started.md": re.search(r"## Project file\n.*?```json\n(.*?)```",
                                        open(os.path.join(REPO, "docs", "getting-started.md")).read(),
                                        re.S),
    }
    conf = os.path.join(REPO, "testdata", "compile", "defaults", "nginx.conf")
    for where, m in examples.items():
        expect(m is not None, f"{where}: has a .popcheck.json example")
        if m is None:
            continue
        doc = json.loads(m.group(1))
        errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
        expect(not errors, f"{where}: the example matches the schema: {errors}")
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            f.write(m.group(1))
            f.flush()
            r = subprocess.run([args.popcheck, "lint", "--config", f.name, conf],
                               capture_output=True, text=True)
        expect(r.returncode in (0, 1), f"{where}: popcheck lint --config accepts the example "
               f"(exit {r.returncode}: {r.stderr.strip()})")
    listed = open(os.path.join(REPO, "docs", "schemas.md")).read()
    for name in sorted(os.listdir(os.path.join(REPO, "schemas"))):
        expect(f"schemas/{name}" in listed, f"docs/schemas.md: {name} is not described")

    print("FAIL" if failures else f"PASS ({len(all_verbs)} verbs)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
