#!/usr/bin/env python3
"""Differential test: the same dialogues against real nginx 1.22.1 and against `popcheck proxy`,
with the same configuration file (testdata/proxy/<case>/), the same dovecot backend (or, for
SMTP, a scripted SMTP backend and a DNS stub) and the same auth_http stub. Client transcripts and the auth_http requests must be equal byte for byte once
salts are normalised, and so must each session's error_log lines at every level (info included:
"client ... connected", "client logged in", each error text with its action and context), unless
the case sets "compare_error_log": false; with "compare_dns", so must the queries the DNS stub
received during each dialogue. Exit 0 pass, 1 differences, 77 skipped (nginx, its mail module or dovecot
missing).

usage: proxy_diff_test.py --popcheck BUILD/popcheck testdata/proxy/CASE [--show]
"""

import argparse
import os
import re
import shutil
import stat
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import nginx_runner  # noqa: E402
import dovecot_runner  # noqa: E402
import proxy_harness as h  # noqa: E402


def run_all(spec, port_map, env, reference=None):
    """Each dialogue's (name, transcript, auth requests, client address); with `reference`
    (nginx's results), each read stops at nginx's reply instead of waiting for quiet."""
    results = []
    for i, dialogue in enumerate(spec["dialogues"]):
        with env.auth.lock:
            env.auth.requests.clear()
        env.auth.rewind()
        backends = ((env.smtp,) if spec.get("env", {}).get("backend") == "smtp"
                    else (env.fake, env.imap))
        for backend in backends:
            with backend.lock:
                backend.received.clear()
        if env.dns and spec.get("compare_dns"):
            with env.dns.lock:
                env.dns.queries.clear()
        listen = dialogue["listen"]
        if isinstance(listen, str) and listen.startswith("unix:"):
            listen = os.path.join(env.sockets_dir, listen[len("unix:"):])
        else:
            listen = port_map[listen]
        runner = h.Dialogue(listen, dialogue, reference[i][1] if reference else None)
        transcript = runner.run()
        with env.auth.lock:
            requests = [h.normalise(r) for r in env.auth.requests]
        if spec.get("compare_backend"):
            for backend in backends:
                with backend.lock:
                    requests += [b"backend received: " + backend_bytes(r, listen)
                                 for r in backend.received]
        if env.dns and spec.get("compare_dns"):
            # What the stub was asked during the dialogue: shows the cache, ipv6=off, TCP. Sorted:
            # its UDP and TCP threads may record concurrent queries in either order.
            with env.dns.lock:
                requests += sorted("dns query: {} type {} over {}".format(*q).encode()
                                   for q in env.dns.queries)
        results.append((dialogue["name"], transcript, requests, runner.client))
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    ap.add_argument("--show", action="store_true", help="print both transcripts")
    ap.add_argument("case")
    args = ap.parse_args()
    for reason in (nginx_runner.available(), dovecot_runner.available()):
        if reason:
            print(f"SKIP: {reason}")
            return 77
    case = os.path.abspath(args.case)
    spec = h.load_case(case)
    failures = 0
    with h.Environment(**spec.get("env", {})) as env:
        tmp = h.prepare_case(case, env)
        try:
            ports = nginx_runner.ports_in(tmp)
            outcomes = {}
            logs = {}
            sockets = {}
            for target in ("nginx", "popcheck"):
                port_map = {p: h.free_port() for p in ports}
                seen = len(env.dns.queries) if env.dns else 0
                inst = nginx_runner.Instance(tmp, port_map, runnable=True)
                try:
                    if target == "nginx":
                        inst.start(list(port_map.values()))
                        failures += settle(spec, env, seen, inst.error_log, len(port_map))
                        wait_unix_sockets(spec, env)
                        sockets[target] = socket_states(spec, env)
                        outcomes[target] = run_all(spec, port_map, env)
                        inst.stop()
                    else:
                        proc = h.Popcheck(args.popcheck, inst.conf, list(port_map.values()))
                        proc.start()
                        failures += settle(spec, env, seen, inst.error_log, len(port_map))
                        wait_unix_sockets(spec, env)
                        sockets[target] = socket_states(spec, env)
                        outcomes[target] = run_all(spec, port_map, env, outcomes["nginx"])
                        rc = proc.stop()
                        if rc != 0:
                            print(f"FAIL: popcheck exited with {rc} after SIGTERM\n{proc.log()}")
                            failures += 1
                    sockets[target] += socket_states(spec, env)
                    # "nginx_log_rewrites": popcheck's deliberate departures (it never logs
                    # what may be a secret), applied to nginx's log text before comparing.
                    rewrites = spec.get("nginx_log_rewrites", []) if target == "nginx" else []
                    logs[target] = log_lines(inst.error_log, outcomes[target], rewrites)
                finally:
                    inst.cleanup()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    for (name, t_nginx, r_nginx, _), (_, t_pop, r_pop, _) in zip(outcomes["nginx"],
                                                                 outcomes["popcheck"]):
        same = t_nginx == t_pop and r_nginx == r_pop
        print(f"{'ok  ' if same else 'FAIL'} {os.path.basename(case)}/{name}")
        if not same or args.show:
            print("  --- nginx transcript\n" + h.format_transcript(t_nginx))
            print("  --- popcheck transcript\n" + h.format_transcript(t_pop))
            if r_nginx != r_pop or args.show:
                print("  --- nginx auth requests\n" + "\n".join(repr(r) for r in r_nginx))
                print("  --- popcheck auth requests\n" + "\n".join(repr(r) for r in r_pop))
        failures += 0 if same else 1
    if spec.get("unix_sockets"):
        # While running: the socket file exists with mode 0666; after the stop it is gone.
        expected = [f"{name} 0o666" for name in spec["unix_sockets"]] + \
                   [f"{name} absent" for name in spec["unix_sockets"]]
        for target in ("nginx", "popcheck"):
            ok = sockets[target] == expected
            print(f"{'ok  ' if ok else 'FAIL'} {os.path.basename(case)}: {target}'s unix socket files")
            if not ok:
                print(f"  expected {expected}\n  got      {sockets[target]}")
            failures += 0 if ok else 1
    if spec.get("compare_error_log", True):
        same = logs["nginx"] == logs["popcheck"]
        print(f"{'ok  ' if same else 'FAIL'} {os.path.basename(case)}: error_log lines")
        if not same or args.show:
            print("  --- nginx\n" + "\n".join(logs["nginx"]))
            print("  --- popcheck\n" + "\n".join(logs["popcheck"]))
        failures += 0 if same else 1
    return 1 if failures else 0


def settle(spec, env, seen, error_log, probes):
    """With "compare_dns": the start-up wait's port probes (one per listen port) are SMTP clients
    too, whose lookups fill the cache and take their turns among the resolvers (the same for nginx
    and popcheck): the dialogues start once they are over. A probe only connects and closes; the
    proxy may accept it much later (nginx's worker starts after its master listens), so the wait
    begins when the error log shows every probe accepted (its lookup is asked in that same event
    loop turn). With "join_probe_lookup" the first dialogue starts right then instead, to wait on
    the probe's lookup, still unanswered, with it (ngx_resolve_addr(): rn->waiting). Returns the
    number of failures (0 or 1)."""
    if not (env.dns and spec.get("compare_dns")):
        return 0
    if not wait_accepted(error_log, probes):
        print(f"FAIL: the proxy did not log its {probes} start-up probe connection(s) within "
              f"{ACCEPT_LIMIT:.0f} s\n" + read_text(error_log))
        return 1
    if not spec.get("join_probe_lookup"):
        env.dns.wait_quiet(seen)
    return 0


ACCEPT_LIMIT = 10.0


def wait_accepted(error_log, count, limit=ACCEPT_LIMIT):
    """True once `error_log` has `count` "client ADDR connected to" lines (the proxy accepted that
    many connections), polling every 10 ms; False after `limit` seconds."""
    deadline = time.monotonic() + limit
    while True:
        if len(re.findall(r"\*\d+ client \S+ connected to ", read_text(error_log))) >= count:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def wait_unix_sockets(spec, env, limit=10.0):
    """The start-up wait probes the TCP listen ports only, and a proxy opens its listeners one
    after the other (nginx too: ngx_open_listening_sockets()): a unix listener that comes after
    a TCP one in the config may appear a moment after that port answers (seen once in a
    sanitizer build under -j2 load). Polls every 10 ms, up to `limit` seconds, until each of the
    case's socket files exists; socket_states() then reports one that never came."""
    deadline = time.monotonic() + limit
    for name in spec.get("unix_sockets", []):
        path = os.path.join(env.sockets_dir, name)
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.01)


def socket_states(spec, env):
    """"NAME 0o666" (mode of a socket file) or "NAME absent" for each of the case's unix sockets."""
    states = []
    for name in spec.get("unix_sockets", []):
        path = os.path.join(env.sockets_dir, name)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            states.append(f"{name} absent")
            continue
        kind = "" if stat.S_ISSOCK(st.st_mode) else " (not a socket)"
        states.append(f"{name} {oct(stat.S_IMODE(st.st_mode))}{kind}")
    return states


def backend_bytes(data, listen):
    """A PROXY v1 header's client port varies between runs when it is the TCP one (ephemeral,
    >= 32768): masked; the destination port must be the listen port the client used."""
    def ports(m):
        source = b"<CLIENT-PORT>" if int(m.group(1)) >= 32768 else m.group(1)
        dest = b"<LISTEN>" if int(m.group(2)) == listen else m.group(2)
        return b" " + source + b" " + dest + b"\r\n"
    return re.sub(rb" (\d+) (\d+)\r\n", ports, data, count=1) if data.startswith(b"PROXY ") else data


def log_lines(path, outcomes, rewrites=()):
    """The error log's session lines (every level), grouped by dialogue in dialogue order. A
    connection is the dialogue's when its `client ADDR connected` line names the dialogue's own
    client port (unix clients, all "unix:", are taken in order); other connections (the start-up
    wait's port probes, from ports no dialogue gets) are dropped. `*N` becomes the dialogue's name and 127.0.0.1 ports are
    masked, so the two runs compare although their numbers, ports and interleaving differ."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return []
    for pattern, replacement in rewrites:
        text = re.sub(pattern, replacement, text)
    # A client port can come back in a later dialogue (loopback reuses ports in TIME_WAIT): a
    # connection belongs to the first dialogue with its port that has none yet. Dialogues run
    # one after the other, so the log's order is theirs.
    by_port = {}
    for name, _, _, client in outcomes:
        if isinstance(client, tuple):
            by_port.setdefault(client[1], []).append(name)
    unix_names = [name for name, _, _, client in outcomes if not isinstance(client, tuple)]
    owner = {}  # nginx/popcheck connection number -> dialogue name
    lines = {name: [] for name, _, _, _ in outcomes}
    resolver_lines = []
    for line in text.split("\n"):
        # The resolver's socket errors have no connection number (ngx_resolver_log_error()):
        # compared in their order, after the dialogues' lines.
        m = re.search(r"\[(\w+)\] \d+#\d+: (\w+\(\) failed .* while resolving, resolver: .*)", line)
        if m:
            resolver_lines.append(f"resolver: [{m.group(1)}] " +
                                  re.sub(r"(127\.0\.0\.\d+):\d+", r"\1:PORT", m.group(2)))
            continue
        m = re.search(r"\[(\w+)\] \d+#\d+: \*(\d+) (.*)", line)
        if not m:
            continue
        level, number, message = m.groups()
        connected = re.match(r"client (127\.0\.0\.\d+:(\d+)|unix:) connected to ", message)
        if connected:
            if connected.group(2):
                waiting = by_port.get(int(connected.group(2)))
                name = waiting.pop(0) if waiting else None
            else:
                name = unix_names.pop(0) if unix_names else None
            if name:
                owner[number] = name
        if number in owner:
            lines[owner[number]].append(
                f"[{level}] " + re.sub(r"(127\.0\.0\.\d+):\d+", r"\1:PORT", message))
    return [f"{name}: {line}" for name, _, _, _ in outcomes for line in lines[name]] + resolver_lines


if __name__ == "__main__":
    sys.exit(main())
