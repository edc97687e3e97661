#!/usr/bin/python3
"""The probe against hostile servers (issue 6): for each mode of scripts/lib/hostile_server.py
(a server that never answers, endless lines, a line that never ends, a 1 GB multi-line reply, a
line without CR LF then a close or a stall, a one-byte-per-second drip, binary garbage, a close in
the middle of a CAPA line, TLS garbage (also after STLS), a fatal TLS alert (also after STLS), a
close in the middle of the handshake, a silent TLS peer, a self-signed certificate without
--insecure; and for the IMAP suite endless untagged lines, a 4 GB literal, a close inside a
literal),
`popcheck probe` runs the generic suite on 127.0.0.1 (and `popcheck run` a script that keeps
writing to a TLS server that closed, and one with the regex `(a*)*b` against 8000 a's) and must

  * exit 1 (a check failed), with the failure's reason in the JSON report and the text report,
  * finish within the bound its deadlines give: --check-timeout 3000 (every wait is cut by it,
    --step-timeout is longer on purpose), the CAPA check first and then the other checks at once
    (--jobs 8): at most 2 x 3 s, plus slack for starting the process; every check's duration
    within 3 s plus a little,
  * stay below 64 MiB peak RSS (GNU time's %M for the probe process), whatever the server sends; under AddressSanitizer the bound is 1 GiB (shadow memory and quarantine are ASan's),
  * never hang: a probe still running after 60 s is killed and the case fails.

Exit 0 pass, 1 failure. Run: /usr/bin/python3 scripts/probe_hostile_test.py --popcheck build/popcheck
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
from checks import Checks  # noqa: E402
import hostile_server  # noqa: E402
import nginx_runner  # noqa: E402

SCRIPTS = os.path.join(REPO, "testdata", "probe", "hostile") + os.sep
CHECK_TIMEOUT_MS = 3000
LIMITS = ["--check-timeout", str(CHECK_TIMEOUT_MS), "--step-timeout", "10000", "--jobs", "8"]
WALL_BOUND_S = 2 * CHECK_TIMEOUT_MS / 1000 + 3.0  # two rounds of checks + process start-up
CHECK_SLACK_MS = 1000  # scheduling on a loaded machine
HANG_S = 60
TIME = "/usr/bin/time"  # GNU time (Debian package time)
RSS_BOUND_MIB = 64
ASAN_RSS_BOUND_MIB = 512  # ASan alone takes ~145 MiB here

# mode, --tls (or a script for `popcheck run --insecure`), what the first failing check's message
# must contain, what its transcript must show
CASES = [
    ("silent", False, "timed out while waiting for the greeting", None),
    ("endless-lines", False, "multi-line reply longer than 1048576 bytes while waiting for the end "
     "of the multi-line reply", "more lines ("),
    ("endless-line", False, "reply line longer than 8192 bytes while waiting for a reply line", None),
    ("gigabyte", False, "multi-line reply longer than 1048576 bytes while waiting for the end of "
     "the multi-line reply", "more lines ("),
    ("no-crlf-close", False, "connection closed while waiting for the greeting",
     "+OK hostile [incomplete]"),
    ("no-crlf-stall", False, "timed out while waiting for the greeting", "+OK hostile [incomplete]"),
    ("drip", False, "timed out while waiting for the greeting", "[incomplete]"),
    # binary garbage instead of a greeting, then a close in the middle of a line
    ("garbage", False, "the greeting is not +OK", None),
    ("close-mid-line", False, "connection closed while waiting for the end of the multi-line reply",
     "[incomplete]"),
    # a fatal TLS alert in answer to the ClientHello (port 995 style, and after STLS)
    ("tls-alert", True, ": handshake: error:", None),
    ("stls-alert", False, "TLS handshake failed: handshake: error:", None),
    ("tls-garbage", True, ": handshake: error:", None),
    ("stls-garbage", False, "TLS handshake failed: handshake: error:", None),
    ("tls-close-mid", True, ": handshake: connection closed", None),
    ("tls-silent", True, ": handshake: timed out", None),
    ("tls-self-signed", True, "certificate verification failed: self-signed certificate", None),
    # the generic IMAP suite (`probe --protocol imap`): a response without end, a 4 GB literal,
    # a close inside a literal
    ("imap-endless-untagged", "imap", "a response longer than 1048576 bytes", None),
    ("imap-huge-literal", "imap", "literals longer than 1048576 bytes in one line", None),
    ("imap-close-mid-literal", "imap", "connection closed while waiting for the completion of c1",
     None),
    # `popcheck run`: writes after the server closed get EPIPE (OpenSSL's own socket BIO would
    # raise SIGPIPE and kill the probe without a report)
    ("tls-close-early", SCRIPTS + "writes-after-close.txt", "write failed: SSL_write: Broken pipe",
     None),
    # `(a*)*b` against 8000 a's: std::regex backtracked exponentially (the probe hung); RE2 is linear
    ("many-a", SCRIPTS + "nested-quantifiers.txt", "expected a line matching /^\\+OK (a*)*b$/", None),
]


def sanitized(popcheck):
    r = subprocess.run(["ldd", popcheck], capture_output=True, text=True)
    return "libasan" in r.stdout


def run_probe(popcheck, port, tls, fmt, out):
    """Runs the probe; returns (exit code, seconds, peak RSS in MiB, report)."""
    if tls == "imap":
        verb = ["probe", "--protocol", "imap"]
    else:
        verb = ["run", tls, "--insecure"] if isinstance(tls, str) else ["probe"] + (["--tls"] if tls else [])
    cmd = [popcheck] + verb + ["--target", f"127.0.0.1:{port}", "--format", fmt, "--no-color",
                               "-o", out] + LIMITS
    # GNU time's %M is the probe's own peak RSS; wait4's ru_maxrss would start from the RSS of
    # this Python process at fork time, which exec does not reset.
    rss_file = out + ".rss"
    if os.access(TIME, os.X_OK):
        cmd = [TIME, "-f", "%M", "-o", rss_file] + cmd
    start = time.monotonic()
    with open(out + ".stderr", "wb") as err:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        killer = threading.Timer(HANG_S, os.killpg, (p.pid, signal.SIGKILL))
        killer.start()
        _, status, usage = os.wait4(p.pid, 0)
        killer.cancel()
    seconds = time.monotonic() - start
    rss_kib = usage.ru_maxrss  # an upper bound when GNU time is missing
    if os.path.exists(rss_file):  # empty when the hang killer killed GNU time too
        with open(rss_file) as fh:
            words = fh.read().split()
        rss_kib = int(words[-1]) if words else rss_kib
    text = ""  # no report at all: killed (by SIGPIPE, say) or crashed
    if os.path.exists(out):
        with open(out, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        os.unlink(out)
    return os.waitstatus_to_exitcode(status), seconds, rss_kib / 1024, text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", default=os.path.join(REPO, "build", "popcheck"))
    ap.add_argument("modes", nargs="*", help="only these modes")
    args = ap.parse_args()
    popcheck = os.path.abspath(args.popcheck)
    asan = sanitized(popcheck)
    rss_bound = ASAN_RSS_BOUND_MIB if asan else RSS_BOUND_MIB
    wall_bound = WALL_BOUND_S + (3.0 if asan else 0.0)
    check = Checks()

    with tempfile.TemporaryDirectory(prefix="popcheck-hostile-") as tmp:
        for mode, tls, reason, shown in CASES:
            if args.modes and mode not in args.modes:
                continue
            port = nginx_runner.free_port(23000, 23999)
            with hostile_server.HostileServer(mode, port) as server:
                rc, secs, rss, text = run_probe(popcheck, port, tls, "json", os.path.join(tmp, "r.json"))
                print(f"   {mode}: json exit {rc}, {secs:.2f} s, peak RSS {rss:.1f} MiB, "
                      f"server sent {server.sent} bytes", flush=True)
                check(f"{mode}: exit 1", rc == 1, f"exit {rc}")
                check(f"{mode}: within {wall_bound:.0f} s", secs < wall_bound, f"{secs:.2f} s")
                check(f"{mode}: peak RSS below {rss_bound} MiB", rss < rss_bound, f"{rss:.1f} MiB")
                try:
                    report = json.loads(text)
                except ValueError as e:
                    check(f"{mode}: JSON report", False, str(e))
                    continue
                failed = [c for c in report["checks"] if c["result"] != "pass"]
                first = failed[0] if failed else {"message": "", "name": "-", "transcript": []}
                check(f"{mode}: JSON message says why ({first['name']})", reason in first["message"],
                      first["message"])
                slow = [c["name"] for c in report["checks"]
                        if c["duration_ms"] > CHECK_TIMEOUT_MS + CHECK_SLACK_MS]
                check(f"{mode}: every check within its deadline", not slow, str(slow))
                if shown:
                    lines = [e["text"] for e in first["transcript"]]
                    check(f"{mode}: transcript shows {shown!r}", any(shown in t for t in lines),
                          str(lines[-5:]))
                    check(f"{mode}: transcript bounded", len(lines) < 200, f"{len(lines)} entries")
                if mode == "gigabyte":
                    check("gigabyte: the probe stopped reading long before 1 GB",
                          server.sent < 64 << 20, f"{server.sent} bytes sent")

                rc, secs, rss, text = run_probe(popcheck, port, tls, "text", os.path.join(tmp, "r.txt"))
                print(f"   {mode}: text exit {rc}, {secs:.2f} s, peak RSS {rss:.1f} MiB", flush=True)
                check(f"{mode}: text exit 1 within bounds",
                      rc == 1 and secs < wall_bound and rss < rss_bound,
                      f"exit {rc}, {secs:.2f} s, {rss:.1f} MiB")
                check(f"{mode}: text report says why", reason in text, text[-600:])
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
