#!/usr/bin/python3
"""Fleet probing (issue 15): `popcheck probe --targets FILE --config CONF` against several
targets at once.

`popcheck proxy` runs testdata/probe/fleet/nginx.conf (three POP3 servers: plain, STARTTLS and an
ssl port) in front of a private dovecot-pop3d and the auth_http stub (scripts/lib/proxy_harness.py).
The targets file names, besides those three (two of them with logins, the password from an
environment variable named per target), a target whose expectations are another server's (its
checks must fail), a port nothing listens on and a server that accepts and never answers. Checked:

  * exit 1; per target the verdict (pass, pass, pass, fail, error, fail) in the file's order,
    the JSON report valid against schemas/probe-report-fleet.schema.json and each target's report
    against probe-report.schema.json, the summary's counts;
  * the TLS target without --sni passes: SNI and the certificate host check default to the
    server's server_name (the certificate names mail.example.test, not 127.0.0.1);
  * the silent target holds one slot for at most its own timeouts: the whole run ends within the
    bound its deadlines give (every check of it ends at --check-timeout);
  * JUnit: one <testsuite> per target, valid against testdata/lint/formats/junit.xsd (xmllint);
  * OpenMetrics: parsed by prometheus_client's OpenMetrics parser (strict: one family once,
    `# EOF`), popcheck_check_passed / popcheck_target_passed per target;
  * text: the summary in the file's order;
  * unusable input exits 2 with FILE:LINE on stderr, before anything is probed: an unknown
    option, a --server the configuration lacks, an unset --password-env variable;
  * the password appears in no report and no stderr.

Exit 0 pass, 1 fail, 77 dovecot not installed. Python 3 stdlib + python3-jsonschema +
python3-prometheus-client; xmllint (libxml2-utils).

Run: /usr/bin/python3 scripts/probe_fleet_test.py --popcheck build/popcheck
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
from checks import Checks  # noqa: E402
import dovecot_runner  # noqa: E402
import proxy_harness  # noqa: E402
import secrets_check  # noqa: E402

SKIP = 77
CASE = os.path.join(REPO, "testdata", "probe", "fleet", "nginx.conf")
JUNIT_XSD = os.path.join(REPO, "testdata", "lint", "formats", "junit.xsd")
PASSWORD_ENV = "POPCHECK_FLEET_PASSWORD"
CHECK_TIMEOUT_MS = 2000
LIMITS = ["--check-timeout", str(CHECK_TIMEOUT_MS), "--step-timeout", str(CHECK_TIMEOUT_MS)]
JOBS = 3
HANG_S = 120


def validators():
    """The fleet schema, its $ref to probe-report.schema.json resolved from the repository."""
    import jsonschema
    schemas = {}
    for name in ("probe-report-fleet.schema.json", "probe-report.schema.json"):
        with open(os.path.join(REPO, "schemas", name)) as fh:
            schemas[name] = json.load(fh)
    fleet, report = schemas["probe-report-fleet.schema.json"], schemas["probe-report.schema.json"]
    try:
        from referencing import Registry, Resource
        registry = Registry().with_resource(report["$id"], Resource.from_contents(report))
        fleet_validator = jsonschema.Draft202012Validator(fleet, registry=registry)
    except ImportError:  # jsonschema < 4.18 (Debian 12)
        resolver = jsonschema.RefResolver.from_schema(fleet, store={report["$id"]: report})
        fleet_validator = jsonschema.Draft202012Validator(fleet, resolver=resolver)
    return fleet_validator, jsonschema.Draft202012Validator(report)


def targets_schema_validator():
    import jsonschema
    with open(os.path.join(REPO, "schemas", "probe-targets.schema.json")) as fh:
        return jsonschema.Draft202012Validator(json.load(fh))


def documented_targets_example():
    """The ```json block of docs/probe.md's fleet section."""
    text = open(os.path.join(REPO, "docs", "probe.md"), encoding="utf-8").read()
    start = text.find("```json\n", text.find("## Fleet probing"))
    if start < 0:
        return None
    start += len("```json\n")
    return json.loads(text[start:text.find("```", start)])


class SilentServer:
    """Accepts connections and never sends a byte (a hung server)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def stop(self):
        self.stopped = True
        self.sock.close()
        for c in self.conns:
            c.close()


def dead_port():
    """A port nothing listens on: bound, then closed (the kernel will not hand it out at once)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def probe(popcheck, args, env, timeout=HANG_S):
    start = time.monotonic()
    r = subprocess.run([popcheck, "probe", *args], capture_output=True, timeout=timeout, env=env)
    secrets_check.check(f"probe {' '.join(args)} stdout", r.stdout)
    secrets_check.check(f"probe {' '.join(args)} stderr", r.stderr)
    return r, time.monotonic() - start


def write(path, text):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--popcheck", default=os.path.join(REPO, "build", "popcheck"))
    args = ap.parse_args()
    popcheck = os.path.abspath(args.popcheck)
    why = dovecot_runner.available()
    if why:
        print(f"SKIP: {why}")
        return SKIP
    check = Checks()
    fleet_validator, report_validator = validators()
    ports = {name: proxy_harness.free_port() for name in ("PLAIN", "STLS", "TLS")}
    silent = SilentServer()
    dead = dead_port()
    tmp = tempfile.mkdtemp(prefix="popcheck-fleet-")
    env = dict(os.environ, **{PASSWORD_ENV: proxy_harness.USERS["alice"]})
    env.pop("POPCHECK_USER", None)
    env.pop("POPCHECK_PASSWORD", None)
    try:
        with proxy_harness.Environment() as penv:
            conf_text = open(CASE, encoding="utf-8").read()
            conf_text = conf_text.replace("@AUTH_PORT@", str(penv.auth_port))
            conf_text = conf_text.replace("@CERTS@", proxy_harness.CERTS)
            for name, port in ports.items():
                conf_text = conf_text.replace(f"@PORT_{name}@", str(port))
            conf = write(os.path.join(tmp, "nginx.conf"), conf_text)
            proxy = proxy_harness.Popcheck(popcheck, conf, sorted(ports.values()))
            proxy.start()
            try:
                run_checks(check, popcheck, conf, ports, silent.port, dead, tmp, env,
                           fleet_validator, report_validator)
            finally:
                proxy.stop()
    finally:
        silent.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return check.summary()


def run_checks(check, popcheck, conf, ports, silent_port, dead, tmp, env, fleet_validator,
               report_validator):
    ca = os.path.join(proxy_harness.CERTS, "mail.crt")
    logins = f"--user alice --password-env {PASSWORD_ENV}"
    core = (f"# the fleet test's targets\n"
            f"127.0.0.1:{ports['PLAIN']} --name plain --server plain.example.test {logins}\n"
            f"127.0.0.1:{ports['STLS']} --name stls --server stls.example.test "
            f"--sni mail.example.test --ca {ca}\n"
            f"\n"
            f"127.0.0.1:{ports['TLS']} --name tls --server mail.example.test --ca {ca} {logins}"
            f"  # no --sni: the server_name\n"
            f"127.0.0.1:{ports['STLS']} --name wrong --server plain.example.test\n"
            f"127.0.0.1:{dead} --name dead --server plain.example.test\n")
    fleet = write(os.path.join(tmp, "fleet.txt"),
                  core + f"127.0.0.1:{silent_port} --name silent --server plain.example.test\n")
    want = [("plain", 2, "pass"), ("stls", 3, "pass"), ("tls", 5, "pass"), ("wrong", 6, "fail"),
            ("dead", 7, "error"), ("silent", 8, "fail")]

    # JSON, with the silent target: verdicts, order, schema, bound.
    r, took = probe(popcheck, ["--targets", fleet, "--config", conf, "--format", "json",
                               "-j", str(JOBS), *LIMITS], env)
    check("json: exit 1 (a target failed)", r.returncode == 1,
          f"exit {r.returncode}: {r.stderr.decode(errors='replace')[-500:]}")
    try:
        doc = json.loads(r.stdout)
    except ValueError as e:
        check("json: the report parses", False, str(e))
        return
    errors = list(fleet_validator.iter_errors(doc))
    check("json: valid against probe-report-fleet.schema.json", not errors,
          "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:3]))
    for t in doc["targets"]:
        errors = list(report_validator.iter_errors(t["report"]))
        check(f"json: {t['name']}'s report valid against probe-report.schema.json", not errors,
              "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:3]))
    got = [(t["name"], t["line"], t["result"]) for t in doc["targets"]]
    check("json: per-target verdicts in the file's order", got == want, f"{got}")
    for t in doc["targets"]:
        if t["result"] != dict((n, v) for n, _, v in want).get(t["name"]):
            for c in t["report"]["checks"]:
                if c["result"] != "pass":
                    print(f"  {t['name']} {c['name']}: {c['result']}: {c['message']}")
    check("json: summary (the silent target failed, the dead one could not be checked)",
          doc["summary"] == {"targets": 6, "passed": 3, "failed": 2, "errors": 1}, f"{doc['summary']}")
    by_name = {t["name"]: t["report"] for t in doc["targets"]}
    if len(by_name) == 6:
        plain = [c["name"] for c in by_name["plain"]["checks"]]
        check("json: the plain target ran its logins (password from the environment)",
              "login-user-pass" in plain and all(c["result"] == "pass"
                                                 for c in by_name["plain"]["checks"]), f"{plain}")
        tls_checks = by_name["tls"]["checks"]
        tls_facts = [c["tls"] for c in tls_checks if c["tls"]]
        check("json: the TLS target verified the certificate for its server_name (no --sni)",
              tls_facts and all(f["verified"] and f["hostname_matches"] for f in tls_facts)
              and "login-user-pass" in [c["name"] for c in tls_checks], f"{tls_facts[:1]}")
        wrong = sorted(c["name"] for c in by_name["wrong"]["checks"] if c["result"] == "fail")
        check("json: the wrong expectations fail CAPA and STLS", {"capa", "stls-refused"} <= set(wrong),
              f"{wrong}")
        dead_checks = by_name["dead"]["checks"]
        check("json: the dead port's checks could not run (connection refused)",
              dead_checks and all(c["result"] == "error" and "refused" in c["message"]
                                  for c in dead_checks), f"{dead_checks[:1]}")
        slow = [c["duration_ms"] for c in by_name["silent"]["checks"]]
        check("json: every check of the silent target ended at its deadline",
              slow and max(slow) <= CHECK_TIMEOUT_MS + 1000
              and all(c["result"] == "fail" for c in by_name["silent"]["checks"]), f"{slow}")
        # 6 targets, 3 at a time: two rounds; a round lasts at most what its slowest target's
        # checks take (ceil(checks / 4 concurrent) check deadlines), plus process start-up.
        rounds = -(-len(slow) // 4)
        bound = 2 * rounds * CHECK_TIMEOUT_MS / 1000 + 5
        check(f"the hung target did not stall the fleet beyond its timeouts ({took:.1f} s <= "
              f"{bound:.0f} s)", took <= bound)
    secrets_check.check("fleet JSON report", r.stdout)

    # The other formats, on the fleet without the silent target.
    quick = write(os.path.join(tmp, "quick.txt"), core)
    junit = os.path.join(tmp, "fleet.xml")
    r, _ = probe(popcheck, ["--targets", quick, "--config", conf, "--format", "junit", "-o", junit,
                            "-j", str(JOBS), *LIMITS], env)
    check("junit: exit 1", r.returncode == 1, f"exit {r.returncode}")
    try:
        root = ET.parse(junit).getroot()
        suites = root.findall("testsuite")
        check("junit: one testsuite per target inside testsuites",
              root.tag == "testsuites" and len(suites) == 5, f"{root.tag} {len(suites)}")
        check("junit: testsuites counts the failures of all targets",
              int(root.get("failures")) == sum(int(s.get("failures")) for s in suites) > 0
              and int(root.get("tests")) == len(root.findall(".//testcase")))
        x = subprocess.run(["xmllint", "--noout", "--schema", JUNIT_XSD, junit],
                           capture_output=True, text=True, timeout=60)
        check("junit: valid against junit.xsd", x.returncode == 0, x.stderr.strip()[-300:])
    except (OSError, ET.ParseError) as e:
        check("junit: well-formed", False, str(e))
    secrets_check.check_file("fleet JUnit report", junit)

    r, _ = probe(popcheck, ["--targets", quick, "--config", conf, "--format", "openmetrics",
                            "-j", str(JOBS), *LIMITS], env)
    check("openmetrics: exit 1", r.returncode == 1, f"exit {r.returncode}")
    text = r.stdout.decode()
    try:
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
        families = {f.name: f for f in text_string_to_metric_families(text)}
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for f in families.values() for s in f.samples}
        check("openmetrics: the families",
              {"popcheck_check_passed", "popcheck_check_duration_seconds", "popcheck_checks",
               "popcheck_tls_certificate_expiry_days", "popcheck_target_passed"} <= set(families),
              f"{sorted(families)}")
        verdicts = {dict(k[1])["target"]: v for k, v in samples.items()
                    if k[0] == "popcheck_target_passed"}
        check("openmetrics: popcheck_target_passed per target",
              verdicts == {"plain": 1, "stls": 1, "tls": 1, "wrong": 0, "dead": 0}, f"{verdicts}")
        capa = samples.get(("popcheck_check_passed", (("check", "capa"), ("target", "wrong"))))
        check("openmetrics: popcheck_check_passed{target=wrong,check=capa} 0", capa == 0, f"{capa}")
        expiry = samples.get(("popcheck_tls_certificate_expiry_days", (("target", "tls"),)))
        check("openmetrics: the TLS target's certificate expiry days", expiry and expiry > 1000,
              f"{expiry}")
    except ImportError:
        check("openmetrics: python3-prometheus-client is installed (scripts/setup)", False)
    except ValueError as e:
        check("openmetrics: parses as OpenMetrics", False, f"{e}")
    check("openmetrics: one exposition ending in # EOF", text.endswith("# EOF\n")
          and text.count("# EOF") == 1)

    # Text, from the JSON form of the same targets (valid against its schema, as is the example
    # docs/probe.md gives).
    targets_validator = targets_schema_validator()
    as_json = {"targets": [
        {"target": f"127.0.0.1:{ports['PLAIN']}", "name": "plain", "server": "plain.example.test",
         "user": "alice", "password_env": PASSWORD_ENV},
        {"target": f"127.0.0.1:{ports['STLS']}", "name": "stls", "server": "stls.example.test",
         "sni": "mail.example.test", "ca": ca},
        {"target": f"127.0.0.1:{ports['TLS']}", "name": "tls", "server": "mail.example.test",
         "ca": ca, "user": "alice", "password_env": PASSWORD_ENV},
        {"target": f"127.0.0.1:{ports['STLS']}", "name": "wrong", "server": "plain.example.test"},
        {"target": f"127.0.0.1:{dead}", "name": "dead", "server": "plain.example.test"}]}
    errors = list(targets_validator.iter_errors(as_json))
    check("targets JSON: valid against probe-targets.schema.json", not errors, f"{errors[:1]}")
    example = documented_targets_example()
    errors = list(targets_validator.iter_errors(example)) if example else ["no example found"]
    check("targets JSON: docs/probe.md's example is valid", not errors, f"{errors[:1]}")
    quick_json = write(os.path.join(tmp, "quick.json"), json.dumps(as_json, indent=2))
    r, _ = probe(popcheck, ["--targets", quick_json, "--config", conf, "-j", str(JOBS), *LIMITS], env)
    out = r.stdout.decode()
    summary = out[out.rfind("=== fleet: "):].splitlines()
    check("text: the summary in the file's order",
          [line.split()[:2] for line in summary[1:]] ==
          [["PASS", "plain"], ["PASS", "stls"], ["PASS", "tls"], ["FAIL", "wrong"],
           ["ERROR", "dead"]] and summary[0].startswith("=== fleet: 5 targets: 3 passed, 1 failed, "
                                                        "1 could not be checked"), f"{summary}")

    # Unusable input: exit 2, FILE:LINE, nothing probed.
    bad = write(os.path.join(tmp, "bad.txt"),
                f"127.0.0.1:{ports['PLAIN']} --name a --server plain.example.test\n"
                f"127.0.0.1:{ports['PLAIN']} --name b --colour red\n")
    r, _ = probe(popcheck, ["--targets", bad, "--config", conf], env)
    err = r.stderr.decode()
    check("bad option: exit 2 with FILE:LINE", r.returncode == 2 and f"{bad}:2: unknown option "
          "\"--colour\"" in err and not r.stdout, f"exit {r.returncode}: {err}")
    bad = write(os.path.join(tmp, "bad2.txt"),
                f"127.0.0.1:{ports['PLAIN']} --name a --server nosuch.example.test\n"
                f"127.0.0.1:{ports['TLS']} --name b --server mail.example.test "
                f"--user alice --password-env POPCHECK_FLEET_UNSET\n")
    r, _ = probe(popcheck, ["--targets", bad, "--config", conf], env)
    err = r.stderr.decode()
    check("unknown server and unset password variable: exit 2, both errors with their lines",
          r.returncode == 2 and f"{bad}:1: {conf}: no mail server named or listening on "
          "\"nosuch.example.test\"" in err and f"{bad}:2: --password-env POPCHECK_FLEET_UNSET: the "
          "environment variable is not set" in err and not r.stdout, f"exit {r.returncode}: {err}")
    r, _ = probe(popcheck, ["--targets", bad, "--target", "127.0.0.1:1"], env)
    check("--targets with --target: usage error (3)", r.returncode == 3, f"exit {r.returncode}")


if __name__ == "__main__":
    sys.exit(main())
