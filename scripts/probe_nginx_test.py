#!/usr/bin/python3
"""Derived-suite test: `popcheck probe --config CASE/nginx.conf` against the real nginx running CASE.

For each case directory (testdata/compile/<case>/):
  1. a private dovecot (scripts/lib/dovecot_runner.py; POP3, and IMAP when dovecot-imapd is
     installed; user alice/secret with 2 messages), a scripted SMTP backend
     (scripts/lib/smtp_backend.py; the test fails if the probe sends it DATA) and the auth_http stub
     (scripts/lib/auth_stub.py) answering with the backend's address (dovecot's POP3 or IMAP port
     or the SMTP backend, by Auth-Protocol) and the plaintext password (Auth-Pass) for
     plain/apop/cram-md5/external, and for smtp_auth none (Auth-Method: none, no user);
  2. the real nginx 1.22.1 on a rewritten copy of the case (scripts/lib/nginx_runner.py): listens
     moved to free 127.0.0.1 ports in 25000-25999, auth_http pointed at the stub;
  3. for every listener of every POP3, IMAP and SMTP server (from `popcheck compile`):
       popcheck probe --config CASE/nginx.conf --server LISTEN --target 127.0.0.1:PORT
                      --user alice --password secret --ca certs/mail.crt --sni mail.example.test
                      [--cert certs/client.crt --key certs/client.key]  (with --cert)
     once with --format json (validated against schemas/probe-report.schema.json) and once with
     --format junit (parsed as XML; testcase count = checks); the password must not appear in any
     report. Expected: exit 0 and every check passed; the SMTP backend never received DATA.
With --expect-fail CHECK,... --config-from DIR, the expectations come from DIR/nginx.conf (a
deliberately wrong config) while nginx runs CASE: exit 1 and exactly those checks failed.
With --proxy, the same checks run against `popcheck proxy CASE/nginx.conf` instead of nginx.
With --dialogues DIR, `popcheck run DIR/*` also runs on every SMTP listener (--dialogues-protocol)
and every script must pass.
--no-sni leaves --sni out (the server's server_name must be used); --expect-warning TEXT,
--expect-checks A,B and --only-checks A,B check the report's warnings and checks (ssl_verify_client:
which mode ran); an --expect-checks item PROTOCOL:CHECK applies to that protocol's listeners only.

Exit: 0 passed, 1 failed, 2 setup error, 77 nginx/dovecot (dovecot-imapd for a case with an IMAP
server) not installed. Python 3 stdlib +
python3-jsonschema.

Run: /usr/bin/python3 scripts/probe_nginx_test.py --popcheck build/popcheck testdata/compile/starttls-on
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
import auth_stub  # noqa: E402
from auth_stub import point_auth_http  # noqa: E402
import dovecot_runner  # noqa: E402
import nginx_runner  # noqa: E402
import secrets_check  # noqa: E402
import smtp_backend  # noqa: E402

PORT_RANGE = (25000, 25999)
SKIP = 77
USER, PASSWORD = "alice", "secret"
MESSAGES = {USER: ["Hello from popcheck.\r\n", ".a dot-stuffed line\r\nbye\r\n"]}
CERTS = os.path.join(REPO, "testdata", "certs")


def load_schema():
    import jsonschema
    with open(os.path.join(REPO, "schemas", "probe-report.schema.json")) as fh:
        schema = json.load(fh)
    return jsonschema.Draft202012Validator(schema)


PROTOCOLS = ("pop3", "imap", "smtp")


def probed_listeners(popcheck, conf):
    """The listeners of the servers whose protocol the probe speaks, each with its protocol."""
    r = subprocess.run([popcheck, "compile", "--no-resolve", "--no-file-checks", conf],
                       capture_output=True, timeout=60, cwd=os.path.dirname(conf))
    if r.returncode != 0:
        raise RuntimeError(f"popcheck compile {conf} exited {r.returncode}: {r.stderr.decode()}")
    out = []
    for server in json.loads(r.stdout)["servers"]:
        if server.get("protocol") in PROTOCOLS:
            out += [dict(listener, protocol=server["protocol"]) for listener in server["listeners"]]
    return out


def run_probe(args, config, listener, port, fmt, out_path):
    cmd = [args.popcheck, "probe", "--config", config, "--server", listener["text"],
           "--target", f"127.0.0.1:{port}", "--user", USER, "--password", PASSWORD,
           "--ca", os.path.join(CERTS, "mail.crt"),
           "--format", fmt, "-o", out_path, "--jobs", "4"]
    if not args.no_sni:
        cmd += ["--sni", "mail.example.test"]
    if args.cert:
        cmd += ["--cert", os.path.join(CERTS, "client.crt"), "--key", os.path.join(CERTS, "client.key")]
    if args.step_timeout:
        cmd += ["--step-timeout", str(args.step_timeout)]
    r = subprocess.run(cmd, capture_output=True, timeout=300, cwd=os.path.dirname(config))
    secrets_check.check(f"probe --format {fmt} stdout", r.stdout)
    secrets_check.check(f"probe --format {fmt} stderr", r.stderr)
    secrets_check.check_file(f"probe --format {fmt} report", out_path)
    return r.returncode, r.stderr.decode(errors="replace")


class Results:
    def __init__(self):
        self.failed = 0

    def fail(self, label, why):
        self.failed += 1
        print(f"FAIL {label}: {why}")


def run_dialogues(args, results, listener, port, tmp):
    """`popcheck run` of the scripts in --dialogues (JSON ones valid dialogues) against the
    listener: every script passes, no secret in the report."""
    import glob
    import jsonschema
    label = f"run {os.path.relpath(args.dialogues, REPO)} on listen {listener['text']}"
    with open(os.path.join(REPO, "schemas", "dialogue.schema.json")) as fh:
        schema = jsonschema.Draft202012Validator(json.load(fh))
    scripts = sorted(p for p in glob.glob(os.path.join(args.dialogues, "*")) if os.path.isfile(p))
    for path in scripts:
        if path.endswith(".json"):
            with open(path) as fh:
                for e in schema.iter_errors(json.load(fh)):
                    results.fail(label, f"{path} is not a valid dialogue: {list(e.path)}: {e.message}")
    out = os.path.join(tmp, "run.json")
    cmd = [args.popcheck, "run"] + scripts + [
        "--target", f"127.0.0.1:{port}", "--user", USER, "--password", PASSWORD,
        "--ca", os.path.join(CERTS, "mail.crt"), "--sni", "mail.example.test",
        "--format", "json", "-o", out]
    r = subprocess.run(cmd, capture_output=True, timeout=300)
    secrets_check.check("run stdout", r.stdout)
    secrets_check.check("run stderr", r.stderr)
    secrets_check.check_file("run report", out)
    try:
        with open(out) as fh:
            report = json.load(fh)
    except (OSError, ValueError) as e:
        results.fail(label, f"no JSON report (exit {r.returncode}): {e} {r.stderr.decode()}")
        return
    failed = [c for c in report["checks"] if c["result"] != "pass"]
    if r.returncode != 0 or failed or len(report["checks"]) != len(scripts):
        results.fail(label, f"exit {r.returncode}, {len(report['checks'])} checks for "
                            f"{len(scripts)} scripts, failed {[c['name'] for c in failed]}")
        for c in failed:
            print(f"  {c['name']}: {c['message']}")
            for t in c["transcript"]:
                print(f"    {t['dir']} {t['text']}")
    else:
        print(f"PASS {label}: {len(scripts)} scripts")


def check_listener(args, results, validator, config, listener, port, tmp):
    label = f"{os.path.basename(os.path.dirname(config))} {listener['protocol']} listen {listener['text']}"
    json_path = os.path.join(tmp, "report.json")
    junit_path = os.path.join(tmp, "report.xml")
    rc, err = run_probe(args, config, listener, port, "json", json_path)
    want_rc = 1 if args.expect_fail else 0
    try:
        with open(json_path, encoding="utf-8") as fh:
            text = fh.read()
        report = json.loads(text)
    except (OSError, ValueError) as e:
        results.fail(label, f"no JSON report (exit {rc}): {e} {err}")
        return
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
    for e in errors[:5]:
        results.fail(label, f"report does not match the schema at {list(e.path)}: {e.message}")
    if secrets_check.leaks(text):
        results.fail(label, "a secret appears in the JSON report")
    failed = sorted(c["name"] for c in report["checks"] if c["result"] != "pass")
    if args.expect_warning and not any(args.expect_warning in w for w in report["warnings"]):
        results.fail(label, f"no report warning contains {args.expect_warning!r}: {report['warnings']}")
    names = [c["name"] for c in report["checks"]]
    for want in (args.expect_checks or "").split(","):
        protocol, _, name = want.rpartition(":")  # "imap:login-authenticate-external": IMAP only
        if protocol and protocol != listener["protocol"]:
            continue
        want = name
        if want and want not in names:
            results.fail(label, f"the check {want} did not run: {names}")
    if args.only_checks and names != args.only_checks.split(","):
        results.fail(label, f"expected exactly the checks {args.only_checks}, got {names}")
    if args.expect_fail:
        want = sorted(args.expect_fail.split(","))
        if failed != want or rc != want_rc:
            results.fail(label, f"expected exit {want_rc} with exactly {want} failing, got exit {rc} "
                                f"with {failed}")
        else:
            print(f"PASS {label}: the wrong expectation fails {failed} (exit 1)")
    elif rc != 0:
        results.fail(label, f"exit {rc}, failed checks {failed}")
        for c in report["checks"]:
            if c["result"] != "pass":
                print(f"  {c['name']}: {c['message']}")
                for t in c["transcript"]:
                    arrow = {"client": "->", "server": "<-", "info": "=="}[t["dir"]]
                    print(f"    {arrow} {t['text']}")
    else:
        print(f"PASS {label}: {len(report['checks'])} checks")
    rc2, err2 = run_probe(args, config, listener, port, "junit", junit_path)
    try:
        with open(junit_path, encoding="utf-8") as fh:
            xml_text = fh.read()
        root = ET.fromstring(xml_text)
        cases = root.findall(".//testcase")
        if len(cases) != len(report["checks"]):
            results.fail(label, f"JUnit has {len(cases)} testcases, JSON {len(report['checks'])} checks")
        if secrets_check.leaks(xml_text):
            results.fail(label, "a secret appears in the JUnit report")
        if rc2 != rc:
            results.fail(label, f"JUnit run exited {rc2}, JSON run {rc}: {err2}")
    except (OSError, ET.ParseError) as e:
        results.fail(label, f"JUnit report is not well-formed XML: {e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--popcheck", default=os.path.join(REPO, "build", "popcheck"))
    ap.add_argument("--expect-fail", help="comma-separated checks that must fail")
    ap.add_argument("--config-from", help="derive expectations from DIR/nginx.conf instead")
    ap.add_argument("--proxy", action="store_true", help="run popcheck proxy instead of nginx")
    ap.add_argument("--step-timeout", type=int,
                    help="the probe's --step-timeout (ms): a wrong expectation that waits for a "
                         "reply nginx never sends fails after this, not after the default")
    ap.add_argument("--cert", action="store_true",
                    help="present the test client certificate (testdata/certs/client.crt)")
    ap.add_argument("--no-sni", action="store_true",
                    help="no --sni: SNI and the host check default to the server's server_name")
    ap.add_argument("--expect-warning", help="a report warning must contain this text")
    ap.add_argument("--expect-checks", help="comma-separated checks that must have run")
    ap.add_argument("--only-checks", help="comma-separated: exactly these checks, in this order")
    ap.add_argument("--dialogues", help="also `popcheck run DIR/*` on every listener of "
                                        "--dialogues-protocol (exit 0 wanted)")
    ap.add_argument("--dialogues-protocol", default="smtp")
    ap.add_argument("cases", nargs="+")
    args = ap.parse_args()
    args.popcheck = os.path.abspath(args.popcheck)
    for why in (nginx_runner.available() if not args.proxy else None, dovecot_runner.available()):
        if why:
            print(f"SKIP: {why}")
            return SKIP
    validator = load_schema()
    results = Results()
    skipped = 0
    taken = set()

    def port():
        p = nginx_runner.free_port(*PORT_RANGE, taken=taken)
        taken.add(p)
        return p

    dovecot_port, stub_port = port(), port()
    imap_port = port() if dovecot_runner.available(imap=True) is None else None
    smtp_port = port()
    # smtp_auth none: nginx asks with Auth-Method: none and no Auth-User (section 6.1 of the spec).
    none_ok = (f"HTTP/1.0 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 127.0.0.1\r\n"
               f"Auth-Port: {smtp_port}\r\n\r\n").encode()
    ports = {"smtp": smtp_port, **({"imap": imap_port} if imap_port else {})}
    with dovecot_runner.Dovecot(dovecot_port, {USER: PASSWORD}, MESSAGES, imap_port=imap_port) as dovecot, \
            auth_stub.AuthStub(stub_port, dovecot_port, {USER: PASSWORD}, protocol_ports=ports,
                               responses={"": none_ok}), \
            smtp_backend.SmtpBackend(smtp_port) as backend, \
            tempfile.TemporaryDirectory(prefix="popcheck-probe-") as tmp:
        try:
            dovecot.start()
        except RuntimeError as e:
            print(f"ERROR dovecot: {e}")
            return 2
        for case in args.cases:
            case_dir = os.path.abspath(case)
            port_map = {p: port() for p in nginx_runner.ports_in(case_dir)}
            config_dir = os.path.abspath(args.config_from) if args.config_from else case_dir
            config = os.path.join(config_dir, "nginx.conf")
            try:
                listeners = probed_listeners(args.popcheck, config)
            except RuntimeError as e:
                print(f"ERROR {case}: {e}")
                return 2
            if imap_port is None and any(l["protocol"] == "imap" for l in listeners):
                print(f"SKIP {case}: {dovecot_runner.available(imap=True)}")
                skipped += 1
                continue
            server = None
            with nginx_runner.Instance(case_dir, port_map, runnable=True) as instance:
                point_auth_http(instance.conf_dir, stub_port)
                try:
                    if args.proxy:
                        server = start_proxy(args.popcheck, instance, sorted(port_map.values()))
                    else:
                        instance.start(sorted(port_map.values()))
                except RuntimeError as e:
                    if args.proxy and "not starting" in str(e):
                        # popcheck proxy refuses configurations with lint errors (by design).
                        print(f"SKIP {case}: popcheck proxy refuses this configuration: "
                              f"{str(e).splitlines()[0]}")
                        skipped += 1
                        continue
                    print(f"ERROR {case}: {e}")
                    return 2
                failed_before = results.failed
                try:
                    for listener in listeners:
                        if listener["port"] not in port_map:
                            results.fail(case, f"listen {listener['text']} was not remapped")
                            continue
                        check_listener(args, results, validator, config, listener,
                                       port_map[listener["port"]], tmp)
                        if args.dialogues and listener["protocol"] == args.dialogues_protocol:
                            run_dialogues(args, results, listener, port_map[listener["port"]], tmp)
                finally:
                    if server is not None:
                        stop_proxy(server)
                    instance.stop()
                    if results.failed > failed_before:
                        print("server log (tail):\n  " + instance.log_tail().rstrip().replace("\n", "\n  "))
        for session in backend.sessions():
            if any(line.split(" ", 1)[0].upper() in ("DATA", "BDAT") for line in session):
                results.fail("smtp backend", "the probe sent DATA through nginx: " + " | ".join(session))
    print(f"{'FAILED' if results.failed else 'OK'}: {results.failed} failures")
    if results.failed:
        return 1
    return SKIP if skipped == len(args.cases) else 0


def start_proxy(popcheck, instance, ports):
    """`popcheck proxy` on the rewritten copy; waits until every port accepts connections."""
    import socket
    import time
    proc = subprocess.Popen([popcheck, "proxy", instance.conf], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=nginx_runner._die_with_parent)
    deadline = time.monotonic() + 10
    for p in ports:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"popcheck proxy exited {proc.returncode}: {proc.stderr.read().decode()}")
            try:
                with socket.create_connection(("127.0.0.1", p), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    stop_proxy(proc)
                    raise RuntimeError(f"popcheck proxy did not listen on {p}")
                time.sleep(0.05)
    return proc


def stop_proxy(proc):
    import signal
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    if proc.stderr:
        secrets_check.check("popcheck proxy stderr", proc.stderr.read())
        proc.stderr.close()


if __name__ == "__main__":
    sys.exit(main())
