#!/usr/bin/python3
"""Installs popcheck's .deb on this machine and uses it from the installed paths.

Packs the given build tree with CPack (the same configuration scripts/package uses), installs the
.deb with apt-get, then checks: /usr/bin/popcheck lint on a testdata config prints exactly what the
build's popcheck prints (text and SARIF, same exit code); `man -w popcheck` finds
/usr/share/man/man1/popcheck.1.gz and `man` renders every section; the bash completion completes
verbs from /usr/share/bash-completion/completions/popcheck; zsh (when installed) registers
_popcheck from its default fpath. The package is removed afterwards.
Exit 0 pass, 1 fail, 77 skip (not root, no apt-get, or a popcheck package is already installed).

Run: /usr/bin/python3 scripts/deb_install_test.py --build-dir build
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(REPO, "testdata", "compile", "seed-plain-load-module", "nginx.conf")
APT = ["apt-get", "-y", "-qq", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300"]
MAN_SECTIONS = ("NAME", "SYNOPSIS", "COMMANDS", "PROJECT CONFIGURATION FILE", "EXIT STATUS",
                "ENVIRONMENT", "FILES", "EXAMPLES")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def installed_version():
    r = run(["dpkg-query", "-W", "-f=${Status} ${Version}", "popcheck"])
    return r.stdout.split()[-1] if r.returncode == 0 and "install ok installed" in r.stdout else None


def checks(build_popcheck, failures):
    def expect(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    installed = "/usr/bin/popcheck"
    expect(os.access(installed, os.X_OK), f"{installed} is installed")
    version = run([build_popcheck, "--version"]).stdout
    expect(run([installed, "--version"]).stdout == version, f"--version is {version.strip()!r}")
    with tempfile.TemporaryDirectory() as cwd:
        for args in (["lint", "--no-config", CONFIG],
                     ["lint", "--no-config", "--format", "sarif", "--base-dir", REPO, CONFIG]):
            got, want = run([installed] + args, cwd=cwd), run([build_popcheck] + args, cwd=cwd)
            expect(got.returncode == want.returncode == 1 and got.stdout == want.stdout
                   and got.stdout != "", f"installed `popcheck {' '.join(args[:-1])}` output and "
                   f"exit code equal the build's (exit {got.returncode}, {len(got.stdout)} bytes)")

    man_path = run(["man", "-w", "popcheck"]).stdout.strip()
    expect(man_path == "/usr/share/man/man1/popcheck.1.gz", f"man -w popcheck: {man_path}")
    page = run(["man", "-P", "cat", "popcheck"], env=dict(os.environ, MANWIDTH="100")).stdout
    missing = [s for s in MAN_SECTIONS if f"\n{s}\n" not in page]
    expect(not missing, f"man popcheck renders every section (missing: {missing})")

    script = ("source /usr/share/bash-completion/completions/popcheck; "
              "COMP_WORDS=(popcheck sel); COMP_CWORD=1; _popcheck; echo \"${COMPREPLY[*]}\"")
    got = run(["bash", "--norc", "-c", script]).stdout.strip()
    expect(got == "selftest", f"installed bash completion: `popcheck sel<TAB>` -> {got!r}")
    if shutil.which("zsh"):
        script = ("autoload -U compinit && compinit -u -D && "
                  "print -r -- $_comps[popcheck] ${^fpath}/_popcheck(N)")
        got = run(["zsh", "-f", "-c", script]).stdout.split()
        expect(got == ["_popcheck", "/usr/share/zsh/vendor-completions/_popcheck"],
               f"zsh finds the installed _popcheck in its default fpath: {got}")
    files = run(["dpkg", "-L", "popcheck"]).stdout.split()
    # rules.md and nginx-behaviour.md: what `popcheck explain` and the rule references cite.
    for path in ("/usr/share/popcheck/schemas/sarif-2.1.0.json", "/usr/share/doc/popcheck/README.md",
                 "/usr/share/doc/popcheck/copyright", "/usr/share/doc/popcheck/rules.md",
                 "/usr/share/doc/popcheck/nginx-behaviour.md"):
        expect(path in files, f"the package holds {path}")
    depends = run(["dpkg-query", "-W", "-f=${Depends}", "popcheck"]).stdout
    names = [d.strip().split(" ")[0] for d in depends.split(",") if d.strip()]
    twice = sorted({n for n in names if names.count(n) > 1})
    expect(names and not twice, f"Depends names each package once (twice: {twice}): {depends}")
    # mimalloc is linked only outside sanitizer builds: expect it where the binary has it.
    linked = run(["ldd", build_popcheck]).stdout
    want = ["libre2"] + (["libmimalloc"] if "libmimalloc" in linked else [])
    expect(all(any(n.startswith(w) for n in names) for w in want), f"Depends has {want}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    args = ap.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    if os.geteuid() != 0 or not shutil.which("apt-get") or not shutil.which("cpack"):
        print("skip: needs root, apt-get and cpack")
        return 77
    if installed_version() is not None:
        print(f"skip: a popcheck package ({installed_version()}) is already installed; "
              "remove it to run this test")
        return 77

    failures = []
    with tempfile.TemporaryDirectory(prefix="popcheck-deb-") as out:
        r = run(["cpack", "-G", "DEB", "-B", out], cwd=build_dir)
        debs = glob.glob(os.path.join(out, "popcheck_*.deb"))
        if r.returncode != 0 or len(debs) != 1:
            print(f"FAIL cpack: exit {r.returncode}\n{r.stdout}{r.stderr}")
            return 1
        print(f"ok   cpack built {os.path.basename(debs[0])}")
        r = run(APT + ["install", debs[0]], env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        try:
            if r.returncode != 0 or installed_version() is None:
                failures.append(f"apt-get install: exit {r.returncode}: {r.stderr.strip()}")
            else:
                print(f"ok   apt-get install ./{os.path.basename(debs[0])}")
                checks(os.path.join(build_dir, "popcheck"), failures)
        finally:
            r = run(APT + ["remove", "popcheck"])
            if installed_version() is not None or os.path.exists("/usr/bin/popcheck"):
                failures.append(f"apt-get remove popcheck: exit {r.returncode}: {r.stderr}")
    print("FAIL: " + "; ".join(failures) if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
