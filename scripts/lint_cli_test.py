#!/usr/bin/python3
"""`popcheck lint` end to end: the progress line and the project file (.popcheck.json).

Progress: with stderr on a pseudo-terminal and 5+ files, stderr holds `\\r\\e[K[i/N] lint FILE`
lines ending with an erased line, and stdout is byte-identical to a run without a terminal; with
stderr on a pipe, with 4 files or with --no-progress, stderr is empty.
Project file: found upwards from the first FILE (or the current directory for `-`); its fail_on,
severity and skip apply; the command line wins option by option (--fail-on, --skip), --no-config
and --config FILE work; a bad file is exit 3 with the file named.
Reports for CI: every JUnit report (findings below --fail-on, suppressed, file-level, a failed
input) is valid against testdata/lint/formats/junit.xsd (xmllint from libxml2-utils), every
SARIF report against schemas/sarif-2.1.0.json with a start line on every result; paths are
relative to the git top directory (or --base-dir) also for absolute inputs; --path-map reads
server paths from the checkout and reports findings on its files; an unreadable or binary input
still writes the -o report with the failure in it and exits 2; LINT002/LINT003 warn about
nothing linted and empty include patterns.
Text: NO_COLOR and TERM=dumb turn colours off on a terminal (--color still wins), control bytes
from the configuration are escaped, --max-findings caps the listing.
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
    # POP3016 is MAIL141's former id (the 24h proxy_timeout default, shown with --show-defaults).
    rc, rules, _ = lint_json(popcheck, ["--no-config", "--show-defaults", conf], repo)
    expect(rc == 1 and rules.get("MAIL101") == "warning" and "CONF003" in rules
           and "MAIL141" in rules, f"--no-config: built-in defaults (exit {rc})")
    rc, rules, err = lint_json(popcheck, ["--show-defaults", conf], repo)
    expect(rc == 0 and rules.get("MAIL101") == "info" and "CONF003" not in rules
           and "MAIL141" not in rules, f"file found from etc/nginx/ upwards applies (exit {rc}) {err}")
    rc, _, _ = lint_json(popcheck, ["--fail-on", "error", conf], repo)
    expect(rc == 1, f"--fail-on error beats the file's fail_on none (exit {rc})")
    rc, rules, _ = lint_json(popcheck, ["--skip", "CONF004", "--show-defaults", conf], repo)
    expect("CONF004" not in rules and "CONF003" in rules and "MAIL141" not in rules,
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


JUNIT_XSD = os.path.join(REPO, "testdata", "lint", "formats", "junit.xsd")
SARIF_SCHEMA = os.path.join(REPO, "schemas", "sarif-2.1.0.json")
# A POP3 configuration whose server is in an included file (a cleartext listener: a warning).
MAIL_CONF = """load_module /usr/lib/nginx/modules/ngx_mail_module.so;
events {}
mail {
    auth_http 127.0.0.1:9000/auth;
    server_name mail.example.test;
    include %s;
}
"""
SERVER_CONF = """server {
    listen 192.0.2.1:110;
    protocol pop3;
}
"""


def run(popcheck, args, cwd, env=None, stdin=b""):
    return subprocess.run([popcheck, "lint", "--no-config", "--no-resolve", "--hostname", "h"] + args,
                          cwd=cwd, input=stdin, capture_output=True, timeout=60,
                          env=dict(os.environ, **(env or {})))


def junit_valid(path, what):
    if not shutil.which("xmllint"):
        expect(False, f"{what}: xmllint is installed (libxml2-utils, scripts/setup)")
        return
    r = subprocess.run(["xmllint", "--noout", "--schema", JUNIT_XSD, path], capture_output=True,
                       text=True, timeout=60)
    expect(r.returncode == 0, f"{what}: valid against junit.xsd {r.stderr.strip()[-300:]}")


def sarif_valid(doc, what):
    import jsonschema
    schema = json.load(open(SARIF_SCHEMA))
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]
    expect(not errors, f"{what}: valid against sarif-2.1.0.json {errors[:2]}")
    results = doc["runs"][0]["results"]
    expect(all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results),
           f"{what}: every one of {len(results)} results has a start line")


def report_tests(popcheck, tmp):
    repo = os.path.join(tmp, "reports")
    server_dir = "/srv/popcheck-lint-cli-test/nginx"  # exists on no machine
    os.makedirs(os.path.join(repo, ".git"))  # the top of a work tree for the default --base-dir
    os.makedirs(os.path.join(repo, "deploy", "nginx", "mail.d"))
    os.makedirs(os.path.join(repo, "sub"))
    with open(os.path.join(repo, "deploy", "nginx", "nginx.conf"), "w") as f:
        f.write(MAIL_CONF % f"{server_dir}/mail.d/*.conf")
    with open(os.path.join(repo, "deploy", "nginx", "mail.d", "pop3.conf"), "w") as f:
        f.write(SERVER_CONF)
    main = os.path.join(repo, "deploy", "nginx", "nginx.conf")

    # Without a map the include matches nothing: LINT003 at it, LINT002 for the whole file.
    r = run(popcheck, ["--format", "json", main], os.path.join(repo, "sub"))
    rules = {f["rule"]: f for f in json.loads(r.stdout)["findings"]}
    expect(r.returncode == 1 and "LINT003" in rules and "LINT002" in rules
           and rules["LINT003"]["message"] == f"include {server_dir}/mail.d/*.conf matched no file"
           and rules["LINT003"]["line"] == 6,
           f"no map: include ... matched no file, no mail server was linted (exit {r.returncode})")

    # With the map: the server's include is read from the checkout, findings land on its files,
    # relative to the git top directory although the input is absolute and the cwd is sub/.
    args = ["--path-map", f"{server_dir}=../deploy/nginx", main]
    r = run(popcheck, ["--format", "sarif"] + args, os.path.join(repo, "sub"))
    doc = json.loads(r.stdout)
    sarif_valid(doc, "path map sarif")
    results = doc["runs"][0]["results"]
    on_server = [res for res in results if res["locations"][0]["physicalLocation"]
                 ["artifactLocation"]["uri"] == "deploy/nginx/mail.d/pop3.conf"]
    expect(on_server and not [res for res in results if res["ruleId"] in ("LINT002", "LINT003")],
           "path map: the server's findings on the checkout's file, relative to the work tree "
           f"top, no LINT002/3 ({[(r['ruleId'], r['locations'][0]['physicalLocation']['artifactLocation']['uri']) for r in results]})")
    expect(all(set(res.get("properties", {})) <= {"server", "protocol"} for res in results),
           "sarif: result properties are server and protocol only")
    # popcheck has no website: no links unless --docs-url (or docs_url in .popcheck.json) says
    # where docs/ is published; each rule carries its whole help either way.
    driver = doc["runs"][0]["tool"]["driver"]
    expect("informationUri" not in driver
           and not [rule for rule in driver["rules"] if "helpUri" in rule]
           and all(rule["help"]["text"].startswith(rule["id"] + " ")
                   and "Fix" in rule["help"]["markdown"] for rule in driver["rules"]),
           "sarif without --docs-url: no links, every rule's full help text and markdown")
    r = run(popcheck, ["--format", "sarif", "--docs-url", "https://docs.example.test/popcheck"]
            + args, os.path.join(repo, "sub"))
    doc = json.loads(r.stdout)
    sarif_valid(doc, "sarif with --docs-url")
    driver = doc["runs"][0]["tool"]["driver"]
    expect(driver.get("informationUri") == "https://docs.example.test/popcheck/lint.md"
           and all(rule.get("helpUri") == "https://docs.example.test/popcheck/rules.md#"
                   + rule["id"].lower() for rule in driver["rules"]),
           "sarif --docs-url: informationUri and a helpUri per rule under it")
    r = run(popcheck, ["--format", "sarif", "--docs-url", "docs/"] + args, os.path.join(repo, "sub"))
    expect(r.returncode == 3 and b"not an absolute http(s) URL" in r.stderr,
           f"a relative --docs-url is a usage error (exit {r.returncode})")
    r = run(popcheck, ["--format", "json", "--path-map", "etc=x", main], repo)
    expect(r.returncode == 3 and b"--path-map wants FROM=TO" in r.stderr,
           f"a relative FROM is a usage error (exit {r.returncode})")

    # JUnit: below --fail-on passes, at or above fails; valid either way; relative paths.
    r = run(popcheck, ["--format", "json"] + args, os.path.join(repo, "sub"))
    severities = [f["severity"] for f in json.loads(r.stdout)["findings"] if not f["suppressed"]]
    at_least = {"error": ("error",), "warning": ("error", "warning"),
                "info": ("error", "warning", "info"), "none": ()}
    for fail_on in ("error", "warning", "info", "none"):
        failures = sum(1 for sev in severities if sev in at_least[fail_on])
        out = os.path.join(tmp, f"junit-{fail_on}.xml")
        r = run(popcheck, ["--format", "junit", "--fail-on", fail_on, "-o", out] + args,
                os.path.join(repo, "sub"))
        xml = open(out).read()
        junit_valid(out, f"junit --fail-on {fail_on}")
        got = xml.count("<failure ")
        expect(got == failures and r.returncode == (1 if failures else 0)
               and "/srv/" not in xml.split("<testsuite ", 1)[1].split(">", 1)[0]
               and 'name="deploy/nginx/mail.d/pop3.conf"' in xml,
               f"junit --fail-on {fail_on}: {got} failures, exit {r.returncode}")
    for case in ("include-tls", "suppressed"):
        case_dir = os.path.join(REPO, "testdata", "lint", "formats", case)
        out = os.path.join(tmp, f"{case}.xml")
        run(popcheck, ["--format", "junit", "--fail-on", "info", "-o", out, "nginx.conf"], case_dir)
        junit_valid(out, f"junit of formats/{case}")
        xml = open(out).read()
        expect(' line="' not in xml and ' file="/' not in xml, f"junit of formats/{case}: no line "
               "attribute, relative paths")

    # An unreadable input: every format still writes the report, records the failure, exits 2.
    missing = os.path.join(repo, "deploy", "missing.conf")
    for fmt in ("text", "json", "sarif", "junit", "codequality"):
        out = os.path.join(tmp, f"missing.{fmt}")
        r = run(popcheck, ["--format", fmt, "-o", out, missing, main], repo)
        text = open(out).read() if os.path.exists(out) else ""
        recorded = {
            "text": lambda: "No such file or directory) [CONF002]" in text
            and "1 file could not be linted" in text,
            "json": lambda: json.loads(text).get("failed_inputs") == [missing],
            "sarif": lambda: json.loads(text)["runs"][0]["invocations"][0]["executionSuccessful"]
            is False,
            "junit": lambda: '<error type="input" message="could not be linted: deploy/missing.conf"/>'
            in text,
            "codequality": lambda: "CONF002" in text,
        }[fmt]() if text else False
        expect(r.returncode == 2 and recorded and b"cannot read" in r.stderr,
               f"unreadable input, {fmt}: report written with the failure, exit {r.returncode}"
               + ("" if recorded else f": {text[-300:]!r}"))
        if fmt == "junit":
            junit_valid(out, "junit with an unreadable input")
        if fmt == "sarif":
            sarif_valid(json.loads(text), "sarif with an unreadable input")

    # A binary file: one clear error at FILE:LINE, exit 2, nothing else from it.
    binary = os.path.join(repo, "module.so")
    with open(binary, "wb") as f:
        f.write(b"\x7fELF\n\n\x00\x01\x02mail {\n")
    r = run(popcheck, [binary], repo)
    out = r.stdout.decode()
    expect(r.returncode == 2 and out.count("[") == 1 and f"{binary}:3: error: binary file" in out
           and "[LINT004]" in out, f"binary file: one error at its line 3, exit {r.returncode}: {out!r}")
    with open(os.path.join(repo, "bin.conf"), "w") as f:
        f.write(MAIL_CONF % "module.so")
    r = run(popcheck, ["--format", "json", "bin.conf"], repo)
    findings = json.loads(r.stdout)["findings"]
    expect(r.returncode == 2 and [(f["rule"], f["file"], f["line"]) for f in findings]
           == [("LINT004", binary, 3)], f"a binary include refuses the input: {findings}")


def on_pty(popcheck, args, cwd, env):
    """stdout of `popcheck lint ARGS` written to a pseudo-terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([popcheck, "lint"] + args, cwd=cwd, stdout=slave,
                            stderr=subprocess.DEVNULL, env=dict(os.environ, **env))
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    proc.wait(timeout=60)
    return out


def text_tests(popcheck, tmp):
    args = ["--no-config", "--fail-on", "none", CONFIG]
    env = {"NO_COLOR": "", "TERM": "xterm"}
    expect(b"\x1b[" in on_pty(popcheck, args, tmp, env), "terminal: coloured")
    for what, extra in (("NO_COLOR=1", {"NO_COLOR": "1"}), ("TERM=dumb", {"TERM": "dumb"})):
        out = on_pty(popcheck, args, tmp, dict(env, **extra))
        expect(b"\x1b" not in out and b"error:" in out, f"terminal, {what}: no colour")
    out = on_pty(popcheck, ["--color"] + args, tmp, dict(env, NO_COLOR="1"))
    expect(b"\x1b[" in out, "--color beats NO_COLOR")

    conf = os.path.join(tmp, "control.conf")
    with open(conf, "wb") as f:
        f.write(b"events {}\nmail {\n    \x1b[2Jx\x07y \x9b\xc2\x9b on;\n}\n")
    r = subprocess.run([popcheck, "lint", "--no-config", conf], capture_output=True)
    expect(b"\x1b" not in r.stdout and b"\x07" not in r.stdout and b"\xc2\x9b" not in r.stdout
           and b'unknown directive "\\x1b[2Jx\\x07y"' in r.stdout,
           f"control bytes escaped: {r.stdout[:200]!r}")

    many = os.path.join(tmp, "many.conf")
    with open(many, "w") as f:
        f.write("events {}\n" + "".join(f"bogus{i} x;\n" for i in range(20)))
    r = subprocess.run([popcheck, "lint", "--no-config", "--max-findings", "5", many],
                       capture_output=True, text=True)
    # 20 unknown directives (nginx -t's errors, listed first in nginx's order) and LINT002 (no
    # mail server) after them.
    shown = r.stdout.count("[CONF003]") + r.stdout.count("[LINT002]")
    expect(shown == 5 and "... 16 more findings not shown (15 errors, 1 warning, 0 info)" in r.stdout
           and "20 errors, 1 warning" in r.stdout,
           f"--max-findings 5: 5 shown, the rest counted ({r.stdout.splitlines()[-2:]})")
    r = subprocess.run([popcheck, "lint", "--no-config", many], capture_output=True, text=True)
    expect(r.stdout.count("[CONF003]") == 20 and "not shown" not in r.stdout,
           "default cap (1000): all 21 shown")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    args = ap.parse_args()
    popcheck = os.path.abspath(args.popcheck)
    with tempfile.TemporaryDirectory(prefix="popcheck-lint-cli-") as tmp:
        progress_tests(popcheck, tmp)
        config_tests(popcheck, tmp)
        report_tests(popcheck, tmp)
        text_tests(popcheck, tmp)
    print("FAIL" if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
