#!/usr/bin/env python3
"""Fault injection on `popcheck proxy` (issues 6, 17): N concurrent sessions (default 1000), POP3,
IMAP and SMTP, healthy and faulty, through the proxy started on testdata/faults/nginx.conf, with
scripted backends (one per protocol) and an auth_http server that inject faults
(scripts/lib/fault_servers.py, processes of their own). Every session asserts the bytes nginx
1.22.1 gives (scripts/lib/fault_scenarios.py, fault_scenarios_imap.py, fault_scenarios_smtp.py
hold the matrix).
The mix runs `--rounds` times (default 2) after a warm-up of one session of each quick kind, and
afterwards:
  * the proxy is alive, and exits 0 on SIGTERM; no [alert]/[emerg] line in its log;
  * one access line per connection (no Connection object lost);
  * its descriptors (/proc/PID/fd) are back to the baseline taken after the warm-up;
  * its RSS is back near the baseline: at most RSS_SLACK_KIB above it after the first round
    (what the allocator keeps of the peak), and the peak RSS of the second round at most
    LEAK_SLACK_KIB above the first's (the same sessions: a leak raises every round's peak;
    retained free memory does not, while the RSS after a round is the peak or well below it,
    depending on whether the allocator could trim its heap's top). Not checked under ASan
    (its quarantine holds freed memory by design; LeakSanitizer checks leaks at exit);
  * no test password in any form in the log (scripts/lib/secrets_check.py).
`--target nginx` runs the same sessions through real nginx on the same file: the expectations
are nginx's (the resource checks are popcheck's only). Ports 22000-22999 on 127.0.0.1.
Exit 0 pass, 1 failure, 77 skipped.

usage: proxy_faults_test.py --popcheck BUILD/popcheck [--target popcheck|nginx] [--sessions N]
                            [--rounds N] [--markdown] [--only REGEX] [--show-log]
"""

import argparse
import asyncio
import collections
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from checks import Checks  # noqa: E402
import fault_backend  # noqa: E402
import fault_client as fc  # noqa: E402
import fault_scenarios as fs  # noqa: E402
import fault_scenarios_imap  # noqa: E402
import fault_scenarios_smtp  # noqa: E402
import nginx_runner  # noqa: E402
import proxy_harness  # noqa: E402
import secrets_check  # noqa: E402

CASE = os.path.join(proxy_harness.REPO, "testdata", "faults")
PORTS = (22000, 22999)  # the faults helper's range
LISTENS = {"plain": 22110, "tls": 22995, "passerr": 22111,  # as written in the case's nginx.conf
           "imap": 22143, "imaps": 22993, "imap_passerr": 22144,
           "smtp": 22025, "smtps": 22465, "smtp_passerr": 22026}
TIMEOUT, PROXY_TIMEOUT, AUTH_TIMEOUT = 10.0, 3.0, 5.0  # as configured there (proxy_timeout: 22111)
ROUND_LIMIT = 90.0  # a session that has not ended by then has hung
RSS_SLACK_KIB = 16 * 1024
LEAK_SLACK_KIB = 4 * 1024
check = Checks(always_detail=True)
SHOW_LOG = False
MATRIX = fs.MATRIX + fault_scenarios_imap.MATRIX + fault_scenarios_smtp.MATRIX
# The healthy sessions' shares of what the faults leave of a round (the rest: POP3's USER/PASS),
# about a third per protocol.
HEALTHY_SHARES = {"healthy_tls": 0.04, "healthy_stls": 0.03, "healthy_auth_plain": 0.05,
                  "imap_healthy_plain": 0.21, "imap_healthy_tls": 0.04,
                  "imap_healthy_starttls": 0.03, "imap_healthy_authenticate": 0.05,
                  "smtp_healthy_plain": 0.21, "smtp_healthy_tls": 0.04,
                  "smtp_healthy_starttls": 0.03, "smtp_healthy_auth_login": 0.05}
# The healthy rows whose AUTH PLAIN (or AUTHENTICATE PLAIN) payload carries `ok.SIZE.INDEX`
AUTH_PLAIN_ROWS = ("healthy_auth_plain", "imap_healthy_authenticate", "smtp_healthy_plain",
                   "smtp_healthy_tls", "smtp_healthy_starttls")
FEW = ("pipelined_relay", "imap_pipelined_login", "imap_login_literals", "smtp_pipelined_login")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid, field="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak_rss(pid):
    """Resets the kernel's RSS high-water mark (VmHWM) of `pid` to its current RSS (proc(5),
    clear_refs 5), so that VmHWM is the peak of what follows, however busy the sampler was."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def mix(n):
    """n sessions: 6 per mille of each fault kind (at least one), the rest healthy."""
    faults = [m for m in MATRIX if not m.healthy]
    per_fault = max(1, n * 6 // 1000)
    plan = [m for m in faults for _ in range(per_fault)]
    healthy = {m.run.__name__: m for m in MATRIX if m.healthy}
    for name in (p for p in FEW if p in healthy):  # 3 of each
        plan += [healthy[name]] * min(3, max(0, n - len(plan)))
    rest = max(0, n - len(plan))
    for name, share in HEALTHY_SHARES.items():
        plan += [healthy[name]] * int(rest * share) if name in healthy else []
    plan += [healthy["healthy_plain"]] * (n - len(plan))
    random.Random(6).shuffle(plan)  # faults interleaved with healthy sessions, reproducibly
    return plan


async def run_round(settings, plan, pid=None):
    """Runs every session of `plan` at once; returns [(matrix row, error or None, timing, ports)]
    and the peak descriptor count and RSS (KiB) of `pid` while it ran."""
    settings.barrier = asyncio.Event()
    settings.arrived, settings.expected = 0, len(plan)
    settings.connect_gate = asyncio.Semaphore(200)
    peak = [0, 0]

    async def sample():
        while True:
            peak[0] = max(peak[0], fd_count(pid))
            peak[1] = max(peak[1], rss_kib(pid))
            await asyncio.sleep(0.1)

    async def one(index, row):
        x = fc.Session(settings, index)
        error = None
        try:
            await asyncio.wait_for(row.run(x), ROUND_LIMIT)
        except fc.Fail as e:
            error = str(e)
        except asyncio.TimeoutError:
            error = f"the session did not end within {ROUND_LIMIT}s"
        except Exception as e:  # noqa: BLE001 (any surprise is a failure of this session)
            error = repr(e)
        finally:
            if not x.arrived:
                x.arrived = True
                settings.arrive()
            x.close()
        return row, error, x.timing, getattr(x, "ports", None)

    if pid:
        reset_peak_rss(pid)
    sampler = asyncio.ensure_future(sample()) if pid else None
    results = await asyncio.gather(*(one(i, row) for i, row in enumerate(plan)))
    if sampler:
        sampler.cancel()
        peak[1] = max(peak[1], rss_kib(pid, "VmHWM"))
    return results, peak


def log_lines(log):
    """The error_log lines of each connection by (client port, listen port): the connection
    number of its `client IP:PORT connected to IP:PORT` line names it in the other lines. The
    last connection of a pair wins, so call it right after a round."""
    number_of, lines = {}, collections.defaultdict(list)
    for line in log.splitlines():
        m = re.search(r" \*(\d+) (client 127\.0\.0\.1:(\d+) connected to 127\.0\.0\.1:(\d+)$)?",
                      line)
        if m and m.group(2):
            number_of[(int(m.group(3)), int(m.group(4)))] = m.group(1)
        elif m:
            lines[m.group(1)].append(line)
    return {ports: lines[number] for ports, number in number_of.items()}


def judge(results, label, log):
    """One check per matrix row: every session as nginx (its bytes, its close within the timeout's
    window, and nginx's log line about it)."""
    by_port = log_lines(log)
    by_row = collections.OrderedDict((m.name, []) for m in MATRIX)
    for row, error, timing, ports in results:
        if not error and row.log and ports is not None:
            if not any(re.search(row.log, line) for line in by_port.get(ports, [])):
                error = f"no log line /{row.log}/ for {ports}: {by_port.get(ports, [])[:3]}"
        by_row[row.name].append((error, timing))
        if SHOW_LOG and len(by_row[row.name]) == 1 and ports is not None:
            print(f"log of {row.name}:")
            for line in by_port.get(ports, []):
                print("    " + re.sub(r"^\S+ \S+ ", "", line))
    window = {"timeout": TIMEOUT, "proxy_timeout": PROXY_TIMEOUT, "auth_timeout": AUTH_TIMEOUT}
    summary = {}
    for row in MATRIX:
        outcomes = by_row[row.name]
        if not outcomes:
            continue
        errors = [e for e, _ in outcomes if e]
        times = [t for e, t in outcomes if t is not None and not e]
        late = []
        if row.timer and times:
            # Measured from before the trigger to after the close seen: never shorter than
            # the proxy's own interval, so only timer granularity below it.
            low, high = window[row.timer] - 0.3, window[row.timer] + fs.SLACK
            late = [t for t in times if not low <= t <= high]
            if late:
                errors.append(f"closed after {min(late):.2f}-{max(late):.2f}s, not {low}-{high}s")
        observed = f"{len(outcomes) - len(errors)}/{len(outcomes)} as expected"
        if row.timer and times:
            observed += f", closed after {min(times):.1f}-{max(times):.1f} s"
        summary[row.name] = (observed, not errors)
        check(f"{label}: {row.name}", not errors, observed + ("; " + errors[0] if errors else ""))
    return summary


def settle(pid, baseline, limit=15.0):
    """Waits (bounded) until the descriptor count is back to `baseline`; returns the last count."""
    deadline = time.monotonic() + limit
    count = fd_count(pid)
    while count != baseline and time.monotonic() < deadline:
        time.sleep(0.2)
        count = fd_count(pid)
    return count


def steady_fds(pid, quiet=fault_backend.SLOW_LOGIN + 1.0, limit=20.0):
    """The descriptor count once it has not changed for `quiet` seconds (bounded): longer than
    the slowest backend login, which the proxy goes on with after its client has left."""
    deadline = time.monotonic() + limit
    last, since = fd_count(pid), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.1)
        now = fd_count(pid)
        if now != last:
            last, since = now, time.monotonic()
    return last


def start_servers(ports):
    """The backends (POP3, IMAP, SMTP) and the auth server: two processes."""
    servers = []
    backends = [ports["backend"], ports["imap_backend"], ports["smtp_backend"]]
    for args in (["backend", *backends], ["auth", ports["auth"], *backends, ports["dead"]]):
        servers.append(subprocess.Popen(
            [sys.executable, os.path.join(HERE, "lib", "fault_servers.py")] + [str(a) for a in args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
        line = servers[-1].stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"fault server {args[0]} did not start: {line!r}")
    return servers


def stop_servers(servers):
    for server in servers:
        server.stdin.close()  # the server's signal to stop
    for server in servers:
        try:
            print(server.stdout.read().strip())
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def prepare(auth_port):
    tmp = tempfile.mkdtemp(prefix="popcheck-faults-")
    text = open(os.path.join(CASE, "nginx.conf"), encoding="utf-8").read()
    text = text.replace("@AUTH_PORT@", str(auth_port)).replace("@CERTS@", proxy_harness.CERTS)
    with open(os.path.join(tmp, "nginx.conf"), "w", encoding="utf-8") as fh:
        fh.write(text)
    return tmp


def log_checks(log, connections, plain_logins):
    check("log: no [alert] or [emerg] line", "[alert]" not in log and "[emerg]" not in log,
          next((line for line in log.splitlines() if "[alert]" in line or "[emerg]" in line), ""))
    access = log.count(" [access] ")
    check("log: one access line per connection", access == connections,
          f"{access} lines, {connections} connections")
    # secrets_check knows alice and bob; the AUTH PLAIN payloads here carry the test's own logins.
    forms = secrets_check.forms(users=sorted(plain_logins))
    leaked = sorted({label for label, needle in forms if needle in log.encode()})
    check("log: no AUTH PLAIN payload of the test logins", not leaked, ", ".join(leaked[:3]))
    secrets_check.check("proxy log", log)


def markdown(summary, label):
    print(f"\n| fault ({label}) | expected (nginx 1.22.1) | observed | pass |\n|---|---|---|---|")
    for row in MATRIX:
        if row.name in summary:
            observed, ok = summary[row.name]
            print(f"| {row.name} | {row.expected} | {observed} | {'yes' if ok else 'NO'} |")


def run(args, settings, pid, proc, read_log):
    """The warm-up and the rounds, with their checks; returns the number of connections made and
    the logins sent in AUTH PLAIN payloads. `pid` is popcheck's (None for nginx)."""
    asan = pid is not None and b"__asan_init" in open(args.popcheck, "rb").read()
    warm = [m for m in MATRIX if m.timer is None]
    results, _ = asyncio.run(run_round(settings, warm, pid))
    if pid:
        base_fds, base_rss = steady_fds(pid), rss_kib(pid)
        print(f"baseline after the warm-up: {base_fds} descriptors, RSS {base_rss} KiB")
    else:
        time.sleep(fault_backend.SLOW_LOGIN + 1.0)  # nginx's last lines of the warm-up
    judge(results, "warm-up", read_log())
    connections = len(warm) + len(LISTENS)  # the harness connects once to each port at start
    logins = set()
    rss_after, peaks = [], []
    for n in range(1, args.rounds + 1):
        plan = mix(args.sessions)
        logins |= {f"ok.{fc.size_for(i)}.{i}" for i, row in enumerate(plan)
                   if row.run.__name__ in AUTH_PLAIN_ROWS}
        logins |= {f"ok.50.{i}" for i, row in enumerate(plan)
                   if row.run.__name__ == "smtp_pipelined_login"}
        started = time.monotonic()
        results, (peak, peak_rss) = asyncio.run(run_round(settings, plan, pid))
        connections += len(plan)
        print(f"round {n}: {len(plan)} sessions in {time.monotonic() - started:.1f} s, all open "
              f"after {settings.barrier_at - started:.1f} s")
        check(f"round {n}: all {len(plan)} sessions open at once", settings.open_at_barrier == len(plan),
              f"{settings.open_at_barrier} open when the last one arrived")
        if not pid:
            time.sleep(fault_backend.SLOW_LOGIN + 1.0)
            summary = judge(results, f"round {n}", read_log())
            if args.markdown:
                markdown(summary, f"round {n}")
            continue
        check(f"round {n}: proxy alive", proc.process.poll() is None, str(proc.process.returncode))
        if proc.process.poll() is not None:
            break
        check(f"round {n}: peak descriptors cover every session", peak >= base_fds + len(plan),
              f"peak {peak}, baseline {base_fds}")
        fds = settle(pid, base_fds)
        check(f"round {n}: descriptors back to the baseline", fds == base_fds,
              f"{fds} now, {base_fds} before: {sorted(os.listdir(f'/proc/{pid}/fd'))[:20]}")
        summary = judge(results, f"round {n}", read_log())
        if args.markdown:
            markdown(summary, f"round {n}")
        rss_after.append(rss_kib(pid))
        peaks.append(peak_rss)
        print(f"round {n}: RSS {rss_after[-1]} KiB ({rss_after[-1] - base_rss:+d} KiB), "
              f"peak {peak_rss} KiB, peak descriptors {peak}")
        if asan:
            continue
        if n == 1:
            check("RSS back near the baseline after round 1", rss_after[0] - base_rss <= RSS_SLACK_KIB,
                  f"{rss_after[0] - base_rss:+d} KiB, tolerance {RSS_SLACK_KIB} KiB")
        else:
            grew = peaks[-1] - peaks[0]
            check(f"peak RSS of round {n} no higher than round 1's", grew <= LEAK_SLACK_KIB,
                  f"{grew:+d} KiB, tolerance {LEAK_SLACK_KIB} KiB")
    return connections, logins


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    ap.add_argument("--target", choices=("popcheck", "nginx"), default="popcheck")
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--markdown", action="store_true", help="print the fault matrix as a table")
    ap.add_argument("--keep-log", metavar="FILE", help="copy the proxy's (or nginx's) log here")
    ap.add_argument("--only", metavar="REGEX", help="only the matrix rows whose name matches")
    ap.add_argument("--show-log", action="store_true",
                    help="print the log lines of one session of each row (where the regexps come from)")
    args = ap.parse_args()
    global MATRIX, SHOW_LOG
    SHOW_LOG = args.show_log
    if args.only:
        MATRIX = [m for m in MATRIX if re.search(args.only, m.name)]
        if not any(m.run.__name__ == "healthy_plain" for m in MATRIX):
            MATRIX.append(next(m for m in fs.MATRIX if m.run.__name__ == "healthy_plain"))
    args.popcheck = os.path.abspath(args.popcheck)
    if args.target == "nginx" and nginx_runner.available():
        print(f"SKIP: {nginx_runner.available()}")
        return 77
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    taken = set()
    ports = {}
    for name in ("backend", "imap_backend", "smtp_backend", "auth", "dead", *LISTENS):
        ports[name] = nginx_runner.free_port(*PORTS, taken=taken)
        taken.add(ports[name])
    servers = start_servers(ports)
    tmp = prepare(ports["auth"])
    inst = nginx_runner.Instance(tmp, {LISTENS[k]: ports[k] for k in LISTENS}, runnable=True)
    listen = [ports[k] for k in LISTENS]
    settings = fc.Settings({k: ports[k] for k in LISTENS}, TIMEOUT, PROXY_TIMEOUT, AUTH_TIMEOUT)
    started = time.monotonic()
    proc = None
    try:
        if args.target == "popcheck":
            proc = proxy_harness.Popcheck(args.popcheck, inst.conf, listen,
                                          ["--log-level", "info", "-e", "stderr"])
            proc.start()
            connections, logins = run(args, settings, proc.process.pid, proc, proc.log)
            rc = proc.stop(timeout=60)
            check("SIGTERM: exit 0", rc == 0, str(rc))
            log_checks(proc.log(), connections, logins)
            if args.keep_log:
                shutil.copyfile(proc.stderr_path, args.keep_log)
        else:
            inst.start(listen)
            run(args, settings, None, None,
                lambda: open(inst.error_log, encoding="utf-8", errors="replace").read())
            inst.stop()
            secrets_check.check_file("nginx error log", inst.error_log)
            if args.keep_log:
                shutil.copyfile(inst.error_log, args.keep_log)
    finally:
        if proc is not None:
            proc.stop()
        inst.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
        stop_servers(servers)
    return check.summary(f" in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
