#!/usr/bin/python3
"""The CI recipes of docs/ci.md, run as far as this machine allows.

  * docs/ci.md embeds every file of docs/ci/ verbatim (`<!-- file: ci/NAME -->` + a fenced block);
  * the YAML files parse; GitHub: the SARIF upload reads the file the lint step writes and the
    workflow may write security events; GitLab: the codequality/junit reports are the files the
    scripts write; pre-commit: a `local`/`system` hook;
  * every popcheck command (GitHub `run:` lines, GitLab `script:` lines, the pre-commit hook's
    entry + args, the shell one-liner) runs with bash in a copy of testdata/ship/ci-repo/, with
    the build's popcheck first on PATH and POP3_TARGET pointing at a `popcheck proxy` of the same
    configuration; each must exit 0 (the repository's .popcheck.json sets fail_on: error);
  * the fixture's .popcheck.json validates against schemas/popcheck-config.schema.json;
  * the outputs validate: SARIF against schemas/sarif-2.1.0.json (and its relative paths exist in
    the repository), Code Quality against schemas/codequality.schema.json (paths exist, at least
    one issue), JUnit is well-formed XML with a <testsuites> or <testsuite> root whose failures
    are lint's findings (none for probe and selftest).
Exit 0 pass, 1 fail.

Run: /usr/bin/python3 scripts/ci_recipes_test.py --popcheck build/popcheck
"""

import argparse
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

import jsonschema
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(REPO, "docs")
FIXTURE = os.path.join(REPO, "testdata", "ship", "ci-repo")
PROXY_LISTEN = "127.0.0.1:11110"  # the listen of testdata/ship/ci-repo/nginx/mail.d/pop3.conf
failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def embedded_files():
    text = open(os.path.join(DOCS, "ci.md")).read()
    blocks = re.findall(r"<!-- file: (ci/[\w.-]+) -->\n```\w*\n(.*?)```\n", text, re.S)
    names = sorted("ci/" + n for n in os.listdir(os.path.join(DOCS, "ci")))
    expect(sorted(n for n, _ in blocks) == names, f"docs/ci.md embeds every file of docs/ci/: {names}")
    for name, body in blocks:
        expect(body == open(os.path.join(DOCS, name)).read(), f"docs/ci.md's {name} block is the file")


def popcheck_lines(script):
    """The popcheck commands of a shell script (`run:` block), one per logical line."""
    return [l.strip() for l in script.replace("\\\n", " ").splitlines()
            if re.match(r"\s*popcheck\s", l)]


def github_commands():
    wf = yaml.safe_load(open(os.path.join(DOCS, "ci", "github-actions.yml")))
    expect((wf.get("on") or wf.get(True)) is not None and
           wf["permissions"].get("security-events") == "write",
           "GitHub: triggers, and permission to write security events")
    commands = []
    for job_name, job in wf["jobs"].items():
        written = set()
        for step in job["steps"]:
            for cmd in popcheck_lines(step.get("run", "")):
                commands.append(cmd)
                written.add(output_of(cmd))
            if "upload-sarif" in step.get("uses", ""):
                expect(step["with"]["sarif_file"] in written and step.get("if") == "always()",
                       f"GitHub {job_name}: upload-sarif always uploads the file lint writes")
            if "upload-artifact" in step.get("uses", ""):
                expect(step["with"]["path"] in written,
                       f"GitHub {job_name}: the artifact is the report written")
    return commands


def github_diff_commands():
    wf = yaml.safe_load(open(os.path.join(DOCS, "ci", "github-diff.yml")))
    expect(wf["permissions"].get("pull-requests") == "write",
           "GitHub diff: permission to comment on pull requests")
    commands, uploaded, downloaded = [], None, None
    for job in wf["jobs"].values():
        for step in job["steps"]:
            commands += popcheck_lines(step.get("run", ""))
            if "upload-artifact" in step.get("uses", ""):
                uploaded = step["with"]["path"]
            if "download-artifact" in step.get("uses", ""):
                downloaded = step["with"]["name"]
            if "checkout" in step.get("uses", ""):
                expect(step["with"].get("fetch-depth") == 0, "GitHub diff: the checkout has history")
            if "--body-file" in step.get("run", ""):
                expect(f"--body-file {uploaded}" in step["run"],
                       "GitHub diff: the comment is the report the diff job wrote")
    expect(commands and all(output_of(c) == uploaded for c in commands) and downloaded,
           "GitHub diff: the report written is the artifact uploaded and downloaded")
    return commands


def gitlab_commands():
    ci = yaml.safe_load(open(os.path.join(DOCS, "ci", "gitlab-ci.yml")))
    commands = []
    for name, job in ci.items():
        if name.startswith(".") or not isinstance(job, dict):
            continue
        expect(job.get("extends") in ci, f"GitLab {name}: extends a template of the file")
        cmds = [c for line in job["script"] for c in popcheck_lines(line)]
        commands += cmds
        written = {output_of(c) for c in cmds}
        if any(c.startswith("popcheck diff") for c in cmds):
            notes = [l for l in job["script"] if "/notes" in l]
            expect(job["artifacts"].get("paths") == list(written) and notes and
                   f"body@{next(iter(written))}" in notes[0],
                   f"GitLab {name}: the report written is kept and posted as the note")
            continue
        reports = job.get("artifacts", {}).get("reports", {})
        expect(reports and set(reports.values()) <= written and
               job["artifacts"].get("when") == "always",
               f"GitLab {name}: reports {reports} are written by the job and kept on failure")
        formats = {c.split("--format ")[1].split()[0]: output_of(c) for c in cmds}
        for kind in ("codequality", "junit"):
            if kind in reports:
                expect(formats.get(kind) == reports[kind],
                       f"GitLab {name}: the {kind} report is written in format {kind}")
    return commands


def precommit_commands():
    cfg = yaml.safe_load(open(os.path.join(DOCS, "ci", "pre-commit-config.yaml")))
    commands = []
    for repo in cfg["repos"]:
        for hook in repo["hooks"]:
            expect(repo["repo"] == "local" and hook["language"] == "system" and
                   hook.get("pass_filenames") is False,
                   f"pre-commit {hook['id']}: a local system hook on the whole configuration")
            commands.append(" ".join([hook["entry"]] + [shlex.quote(a) for a in hook["args"]]))
    return commands


def shell_commands():
    text = open(os.path.join(DOCS, "ci", "shell.sh")).read()
    return [l for l in text.splitlines() if l.strip() and not l.startswith("#")]


def output_of(cmd):
    m = re.search(r"(?:-o|--output) (\S+)", cmd)
    return m.group(1) if m else None


def free_port():
    """A port leased to this test (scripts/lib/nginx_runner.py), from a range no other test uses."""
    sys.path.insert(0, os.path.join(REPO, "scripts", "lib"))
    import nginx_runner

    return nginx_runner.free_port(28000, 28999)


def start_proxy(popcheck, repo):
    port = free_port()
    proxy = subprocess.Popen([popcheck, "proxy", "nginx/nginx.conf", "--listen-override",
                              f"{PROXY_LISTEN}=127.0.0.1:{port}", "--access-log", "off",
                              "-e", "stderr"], cwd=repo, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proxy, f"127.0.0.1:{port}"
        except OSError:
            if proxy.poll() is not None:
                break
            time.sleep(0.05)
    proxy.kill()
    raise RuntimeError(f"popcheck proxy did not start: {proxy.stderr.read().decode()}")


def pull_request(repo):
    """Makes the copy a repository whose one commit is the fixture, then changes the working tree
    as a pull request would (pop3_auth loses apop): the diff recipes compare the two. Returns
    the base commit."""
    env = dict(os.environ, GIT_AUTHOR_NAME="ci", GIT_AUTHOR_EMAIL="ci@example.test",
               GIT_COMMITTER_NAME="ci", GIT_COMMITTER_EMAIL="ci@example.test")
    for cmd in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "base"]):
        subprocess.run(cmd, cwd=repo, env=env, check=True, capture_output=True)
    conf = os.path.join(repo, "nginx", "mail.d", "pop3.conf")
    text = open(conf).read()
    open(conf, "w").write(text.replace("pop3_auth plain apop;", "pop3_auth plain;"))
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True,
                          check=True).stdout.strip()


def validate(repo, path, cmd, env):
    full = os.path.join(repo, path)
    if not os.path.exists(full):
        expect(False, f"{cmd}: wrote {path}")
        return
    fmt = cmd.split("--format ")[1].split()[0]
    if fmt == "markdown":
        text = open(full).read()
        expect(text.startswith("### popcheck diff\n") and "breaking" in text and "`plain apop` → `plain`" in text,
               f"{path}: the Markdown diff names the breaking change (apop removed)")
        return
    if fmt == "sarif":
        doc = json.load(open(full))
        schema = json.load(open(os.path.join(REPO, "schemas", "sarif-2.1.0.json")))
        errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
        uris = [loc["physicalLocation"]["artifactLocation"]["uri"]
                for r in doc["runs"][0]["results"] for loc in r.get("locations", [])]
        expect(not errors and uris and all(os.path.exists(os.path.join(repo, u)) for u in uris),
               f"{path}: valid SARIF 2.1.0 ({len(uris)} results, paths relative to the checkout)"
               + (f": {errors[0].message}" if errors else ""))
    elif fmt == "codequality":
        doc = json.load(open(full))
        schema = json.load(open(os.path.join(REPO, "schemas", "codequality.schema.json")))
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
        expect(not errors and doc and all(os.path.exists(os.path.join(repo, i["location"]["path"]))
                                          for i in doc),
               f"{path}: GitLab Code Quality, {len(doc)} issues, paths relative to the checkout"
               + (f": {errors[0].message}" if errors else ""))
    elif fmt == "junit":
        # lint: one failed test case per finding at or above the fail_on in force (the command
        # line's, else .popcheck.json's, else warning), as the exit code; probe/selftest: none.
        want = 0
        if cmd.startswith("popcheck lint"):
            r = subprocess.run(["popcheck", "lint", "--format", "json", "nginx/nginx.conf"],
                               cwd=repo, env=env, capture_output=True, text=True)
            m = re.search(r"--fail-on (\w+)", cmd)
            project = os.path.join(repo, ".popcheck.json")
            fail_on = m.group(1) if m else (json.load(open(project)).get("fail_on", "warning")
                                            if os.path.exists(project) else "warning")
            failing = {"error": {"error"}, "warning": {"error", "warning"},
                       "info": {"error", "warning", "info"}, "none": set()}[fail_on]
            want = sum(not f["suppressed"] and f["severity"] in failing
                       for f in json.loads(r.stdout)["findings"])
        try:
            root = ET.parse(full).getroot()
            failed = root.findall(".//failure") + root.findall(".//error")
            ok = root.tag in ("testsuites", "testsuite") and root.findall(".//testcase")
            expect(ok and len(failed) == want, f"{path}: well-formed JUnit, "
                   f"{len(root.findall('.//testcase'))} test cases, {len(failed)} failed "
                   f"(expected {want})")
        except ET.ParseError as e:
            expect(False, f"{path}: JUnit XML does not parse: {e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    args = ap.parse_args()
    popcheck = os.path.abspath(args.popcheck)
    embedded_files()
    schema = json.load(open(os.path.join(REPO, "schemas", "popcheck-config.schema.json")))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(
        json.load(open(os.path.join(FIXTURE, ".popcheck.json")))))
    expect(not errors, f"ci-repo/.popcheck.json matches its schema {[e.message for e in errors]}")
    recipes = {"GitHub Actions": github_commands() + github_diff_commands(),
               "GitLab CI": gitlab_commands(),
               "pre-commit": precommit_commands(), "shell": shell_commands()}
    with tempfile.TemporaryDirectory(prefix="popcheck-ci-") as tmp:
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        os.symlink(popcheck, os.path.join(bindir, "popcheck"))
        for recipe, commands in recipes.items():
            expect(commands, f"{recipe}: has popcheck commands")
            repo = os.path.join(tmp, recipe.replace(" ", "-"))
            shutil.copytree(FIXTURE, repo)
            base = pull_request(repo)
            proxy, target = start_proxy(popcheck, repo)
            env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"],
                       POP3_TARGET=target, BASE_SHA=base, CI_MERGE_REQUEST_DIFF_BASE_SHA=base)
            try:
                for cmd in commands:
                    r = subprocess.run(["bash", "-c", cmd], cwd=repo, env=env, capture_output=True,
                                       text=True, timeout=120)
                    expect(r.returncode == 0, f"{recipe}: `{cmd}` exits 0 (got {r.returncode})"
                           + (f"\n{r.stdout}{r.stderr}" if r.returncode else ""))
                    if output_of(cmd):
                        validate(repo, output_of(cmd), cmd, env)
            finally:
                proxy.terminate()
                proxy.wait(timeout=30)
    print("FAIL" if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
