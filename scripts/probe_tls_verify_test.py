#!/usr/bin/python3
"""The probe verifies TLS certificates by default (issue 6): popcheck probe --tls against a private
dovecot-pop3d whose certificate (testdata/certs/mail.crt, self-signed for mail.example.test) is
not in the system trust store.

  default (no --ca)                     -> the TLS checks fail: "certificate verification failed"
  --ca mail.crt --sni mail.example.test -> every check passes, the report says verified
  --ca mail.crt --sni other.example     -> fails: the name is not the certificate's
  --ca mail.crt, target 127.0.0.1       -> fails: the address is not the certificate's
  --insecure (no --ca)                  -> passes, the report carries the --insecure warning and
                                           "verification_skipped"; the text report shows it too

Exit 0 pass, 1 failure, 77 skipped (no dovecot).
Run: /usr/bin/python3 scripts/probe_tls_verify_test.py --popcheck build/popcheck
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CERTS = os.path.join(REPO, "testdata", "certs")
sys.path.insert(0, os.path.join(HERE, "lib"))
from checks import Checks  # noqa: E402
import dovecot_runner  # noqa: E402
import nginx_runner  # noqa: E402
import secrets_check  # noqa: E402

CA = ["--ca", os.path.join(CERTS, "mail.crt")]
WARNING = "--insecure: TLS certificates were not verified"


def probe(popcheck, port, extra, tmp):
    out = os.path.join(tmp, "report.json")
    r = subprocess.run([popcheck, "probe", "--tls", "--target", f"127.0.0.1:{port}",
                        "--format", "json", "-o", out] + extra, capture_output=True, timeout=120)
    secrets_check.check("probe stderr", r.stderr)
    with open(out) as fh:
        return r.returncode, json.load(fh)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", default=os.path.join(REPO, "build", "popcheck"))
    args = ap.parse_args()
    popcheck = os.path.abspath(args.popcheck)
    why = dovecot_runner.available()
    if why:
        print(f"SKIP: {why}")
        return 77
    plain = nginx_runner.free_port(27000, 27999)
    tls = nginx_runner.free_port(27000, 27999, taken={plain})
    check = Checks()

    def greeting(report):
        return next(c for c in report["checks"] if c["name"] == "greeting")

    with dovecot_runner.Dovecot(plain, {"alice": "secret"}, {"alice": ["Hello.\r\n"]}) as dovecot, \
            tempfile.TemporaryDirectory(prefix="popcheck-tls-") as tmp:
        dovecot.enable_tls(tls, CERTS)
        dovecot.start()

        rc, report = probe(popcheck, tls, [], tmp)
        g = greeting(report)
        check("default: untrusted certificate fails", rc == 1 and g["result"] == "fail" and
              "certificate verification failed" in g["message"], f"exit {rc}: {g['message']}")
        check("default: no --insecure warning", WARNING not in report.get("warnings", []))

        rc, report = probe(popcheck, tls, CA + ["--sni", "mail.example.test"], tmp)
        g = greeting(report)
        check("--ca and the certificate's name: verified", rc == 0 and g["tls"]["verified"] and
              g["tls"]["hostname_matches"], f"exit {rc}: {g.get('message')}")

        rc, report = probe(popcheck, tls, CA + ["--sni", "other.example.test"], tmp)
        g = greeting(report)
        check("--ca, another name: fails", rc == 1 and g["result"] == "fail" and
              "certificate verification failed" in g["message"], f"exit {rc}: {g['message']}")

        rc, report = probe(popcheck, tls, CA, tmp)
        g = greeting(report)
        check("--ca, an address the certificate does not name: fails",
              rc == 1 and g["result"] == "fail" and "certificate verification failed" in g["message"],
              f"exit {rc}: {g.get('message')}")

        rc, report = probe(popcheck, tls, ["--insecure"], tmp)
        g = greeting(report)
        check("--insecure: connects", rc == 0 and g["result"] == "pass", f"exit {rc}: {g.get('message')}")
        check("--insecure: the report warns", WARNING in report.get("warnings", []),
              str(report.get("warnings")))
        check("--insecure: not verified, verification skipped",
              g["tls"]["verified"] is False and g["tls"]["verification_skipped"] is True, str(g["tls"]))
        t = subprocess.run([popcheck, "probe", "--tls", "--insecure", "--no-color", "--target",
                            f"127.0.0.1:{tls}"], capture_output=True, timeout=120, text=True)
        check("--insecure: the text report warns", WARNING in t.stdout + t.stderr, t.stdout[-400:])
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
