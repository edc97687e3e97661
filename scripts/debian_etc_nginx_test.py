#!/usr/bin/python3
"""`popcheck lint` on the real /etc/nginx tree Debian's nginx packages install.

Copies /etc/nginx (nginx-light + libnginx-mod-mail, as scripts/setup installs them) to a temporary
directory, points its absolute /etc/nginx/ includes at the copy, and adds the POP3 part of the
mail{} example that Debian's nginx.conf carries in comments, in two places:
  * top level: `include mail.d/*.conf;` appended to nginx.conf (where Debian's commented example
    puts mail{}). `popcheck lint --no-file-checks` reports no error, and real `nginx -t` passes;
  * conf.d/mail.conf: Debian's nginx.conf includes conf.d/*.conf inside http{}, so real nginx -t
    fails with `"mail" directive is not allowed here in .../conf.d/mail.conf:N`; popcheck must
    report exactly that error (same nginx_text) and no other error.
nginx -t binds the listen sockets, so it runs in a private network namespace:
`unshare -n sh -c 'ip link set lo up && nginx -t -c COPY/nginx.conf'` (root).
Exit 0 pass, 1 fail, 77 skip (no /etc/nginx, mail module not enabled, or unshare does not work).

Run: /usr/bin/python3 scripts/debian_etc_nginx_test.py --popcheck build/popcheck
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ETC = "/etc/nginx"
# The POP3 half of the example in comments at the end of Debian 12's /etc/nginx/nginx.conf.
MAIL = """mail {
\t# See sample authentication script at:
\t# http://wiki.nginx.org/ImapAuthenticateWithApachePhpScript

\tauth_http localhost/auth.php;
\tpop3_capabilities "TOP" "USER";

\tserver {
\t\tlisten     localhost:110;
\t\tprotocol   pop3;
\t\tproxy      on;
\t}
}
"""


def mail_module_enabled():
    enabled = os.path.join(ETC, "modules-enabled")
    return any("ngx_mail_module" in open(os.path.join(enabled, f)).read()
               for f in os.listdir(enabled) if os.path.isfile(os.path.join(enabled, f)))


def copy_tree(dest):
    shutil.copytree(ETC, dest, symlinks=False)
    for root, _, files in os.walk(dest):
        for name in files:
            path = os.path.join(root, name)
            text = open(path, encoding="utf-8", errors="surrogateescape").read()
            if ETC + "/" in text:
                open(path, "w", encoding="utf-8", errors="surrogateescape").write(
                    text.replace(ETC + "/", dest + "/"))


def nginx_t(conf_dir):
    """(exit code, [emerg] messages) of the real nginx -t in a private network namespace."""
    # No -p: Debian's modules-enabled/*.conf load `modules/ngx_*.so` relative to the compiled-in
    # prefix (/usr/share/nginx); relative includes follow the -c file's directory either way.
    script = 'ip link set lo up && exec nginx -t -c "$1/nginx.conf" -e /dev/stderr'
    r = subprocess.run(["unshare", "-n", "sh", "-c", script, "sh", conf_dir],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, re.findall(r"\[emerg\] \d+#\d+: (.*)", r.stderr), r.stderr


def lint(popcheck, conf_dir):
    r = subprocess.run([popcheck, "lint", "--no-config", "--no-file-checks", "--format", "json",
                        os.path.join(conf_dir, "nginx.conf")],
                       capture_output=True, text=True, timeout=60)
    errors = [f["nginx_text"] for f in json.loads(r.stdout)["findings"]
              if f["severity"] == "error" and not f["suppressed"]]
    return r.returncode, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--popcheck", required=True)
    args = ap.parse_args()
    if not os.path.isfile(os.path.join(ETC, "nginx.conf")) or not shutil.which("nginx"):
        print("skip: Debian's nginx is not installed")
        return 77
    if not mail_module_enabled():
        print("skip: libnginx-mod-mail is not enabled in /etc/nginx/modules-enabled")
        return 77
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        print("skip: unshare -n does not work here (needs root)")
        return 77

    failures = []
    with tempfile.TemporaryDirectory(prefix="popcheck-etc-nginx-") as tmp:
        top = os.path.join(tmp, "toplevel")
        copy_tree(top)
        os.mkdir(os.path.join(top, "mail.d"))
        open(os.path.join(top, "mail.d", "pop3.conf"), "w").write(MAIL)
        with open(os.path.join(top, "nginx.conf"), "a") as conf:
            conf.write("\ninclude mail.d/*.conf;\n")
        nginx_exit, emerg, stderr = nginx_t(top)
        lint_exit, errors = lint(args.popcheck, top)
        print(f"top-level include: nginx -t exit {nginx_exit}, popcheck errors {errors}")
        if nginx_exit != 0:
            failures.append(f"top level: real nginx -t fails: {stderr.strip()}")
        if errors or lint_exit not in (0, 1):
            failures.append(f"top level: popcheck lint exit {lint_exit}, errors {errors}")

        confd = os.path.join(tmp, "confd")
        copy_tree(confd)
        open(os.path.join(confd, "conf.d", "mail.conf"), "w").write(MAIL)
        nginx_exit, emerg, stderr = nginx_t(confd)
        lint_exit, errors = lint(args.popcheck, confd)
        expected = f'"mail" directive is not allowed here in {confd}/conf.d/mail.conf:1'
        print(f"conf.d: nginx -t exit {nginx_exit} {emerg}, popcheck exit {lint_exit} {errors}")
        if nginx_exit != 1 or emerg != [expected]:
            failures.append(f"conf.d: real nginx -t did not fail as expected: {stderr.strip()}")
        if errors != emerg or lint_exit != 1:
            failures.append(f"conf.d: popcheck errors {errors} (exit {lint_exit}) != nginx {emerg}")

    print("FAIL: " + "; ".join(failures) if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
