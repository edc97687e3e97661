#!/usr/bin/python3
"""Record the corpus verdicts for testdata/corpus/<case>/ (no ctest yet; run by hand).

For each case directory given (default: every testdata/corpus/*/ with an nginx.conf):
  nginx-t.txt      real nginx -t 1.22.1 (Debian) run from the case directory, in a private network
                   namespace: `unshare -n sh -c 'ip link set lo up && exec nginx -t -p /usr/share/nginx/
                   -c $PWD/nginx.conf -e /dev/stderr -g "pid /tmp/x.pid;"'`, where the namespace's lo
                   also holds 192.0.2.1/24 and 2001:db8::1/64 (the documentation addresses the
                   corpus uses for public listen addresses, so those listens bind as they would on
                   the real host), and /etc/hosts is replaced by testdata/corpus/hosts (a private
                   mount namespace) so that the example.test names resolve as the originals did.
                   Line 1 `exit N`, then stderr with timestamps and pids stripped and the case
                   directory written as $CASE.
  lint-before.txt  `popcheck lint --no-resolve --no-color` (text), then `exit N`
  lint-before.json `popcheck lint --no-resolve --format json`
Needs root (unshare). Run: /usr/bin/python3 testdata/corpus/record.py [--popcheck BIN] [CASE...]
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# /etc/hosts inside the recording's mount namespace: the example.test names the corpus uses for
# remote hosts resolve to documentation addresses, as the original names resolve on the real host.
HOSTS = os.path.join(HERE, "hosts")
STAMP = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: ")


def nginx_t(case):
    script = (f'mount --bind {HOSTS} /etc/hosts && '
              'ip link set lo up && ip addr add 192.0.2.1/24 dev lo && '
              'ip addr add 2001:db8::1/64 dev lo nodad && exec nginx -t -p /usr/share/nginx/ -c "$PWD/nginx.conf" '
              '-e /dev/stderr -g "pid /tmp/x.pid;"')
    r = subprocess.run(["unshare", "-n", "-m", "sh", "-c", script], cwd=case, capture_output=True,
                       text=True, timeout=60)
    lines = [f"exit {r.returncode}"]
    for line in r.stderr.splitlines():
        lines.append(STAMP.sub(r"\1 ", line).replace(case, "$CASE"))
    return "\n".join(lines) + "\n"


def lint(popcheck, case, fmt):
    args = [popcheck, "lint", "--no-resolve", "--format", fmt]
    if fmt == "text":
        args.append("--no-color")
    r = subprocess.run(args + ["nginx.conf"], cwd=case, capture_output=True, text=True, timeout=60)
    out = r.stdout.replace(case, "$CASE")
    if fmt == "text":
        out += (r.stderr.replace(case, "$CASE") if r.stderr else "") + f"exit {r.returncode}\n"
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", default="/work/main/build/popcheck")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    cases = [os.path.abspath(c) for c in a.cases] or sorted(
        os.path.join(HERE, d) for d in os.listdir(HERE) if os.path.isfile(os.path.join(HERE, d, "nginx.conf")))
    for case in cases:
        for name, text in (("nginx-t.txt", nginx_t(case)),
                           ("lint-before.txt", lint(a.popcheck, case, "text")),
                           ("lint-before.json", lint(a.popcheck, case, "json"))):
            with open(os.path.join(case, name), "w", encoding="utf-8") as fh:
                fh.write(text)
        print(os.path.basename(case), open(os.path.join(case, "nginx-t.txt")).readline().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
