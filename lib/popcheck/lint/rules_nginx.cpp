// Metadata of the nginx -t error classes (the parser and the model report them; no check here)
// and of popcheck's notes about its input (LINTxxx; checks in suppressions.cpp, checks_inputs.cpp,
// input_notes.cpp).

#include <popcheck/lint/checks.hpp>
#include <popcheck/lint/input_notes.hpp>
#include <popcheck/lint/rule_tables.hpp>

namespace popcheck::lint {
namespace {

// nginx -t errors: reported by the parser (conf) and the model; the checks here are null.
constexpr Rule k_rules[] = {
    {.rule_id = rules::k_syntax_error,
     .name = "syntax-error",
     .summary = "The file does not tokenize or nest as nginx requires",
     .rationale = "nginx -t stops at the first syntax error (unbalanced braces, a missing ';', a "
                  "bad quote, a token of 4096 bytes or more); nothing after it is read.",
     .example = "mail {\n    server {\n        protocol pop3\n    }\n",
     .fix = "Terminate every directive with ';' and close every block with '}'.",
     .references = "docs/nginx-behaviour.md#config-syntax, #line-numbers; nginx "
                   "src/core/ngx_conf_file.c ngx_conf_read_token()"},
    {.rule_id = rules::k_include_error,
     .name = "include-error",
     .summary = "An included file cannot be read, or includes itself",
     .rationale =
         "A plain include path that does not exist fails nginx -t (a glob that matches "
         "nothing is fine). nginx does not detect include cycles: it recurses until it runs "
         "out of file descriptors.",
     .example = "include conf.d/mail.conf;   # file missing",
     .fix = "Fix the path (relative paths are relative to the main file's directory, not to the "
            "including file), or break the cycle.",
     .references =
         "docs/nginx-behaviour.md#include; nginx src/core/ngx_conf_file.c ngx_conf_include()"},
    {.rule_id = rules::k_unknown_directive,
     .name = "unknown-directive",
     .summary = "No loaded nginx module has a directive of this name",
     .rationale =
         "nginx -t fails with `unknown directive`. Directive names are case-sensitive, and "
         "without `load_module ...ngx_mail_module.so` every mail directive is unknown.",
     .example = "mail_log /var/log/nginx/mail.log;",
     .fix = "Use the real directive (for mail logging: `error_log FILE info;`), or load the module "
            "that provides it before the first block.",
     .references = "docs/nginx-behaviour.md#directive-dispatch, #top-level; nginx "
                   "src/core/ngx_conf_file.c ngx_conf_handler()"},
    {.rule_id = rules::k_not_allowed,
     .name = "directive-not-allowed-here",
     .summary = "The directive exists, but not in this context",
     .rationale =
         "nginx -t fails with `\"X\" directive is not allowed here`. Inside mail{} only mail "
         "directives and include are accepted: http directives such as proxy_pass do not "
         "work in a mail server.",
     .example = "mail { server { listen 110; proxy_pass 10.0.0.2:110; } }",
     .fix = "Move it to the right block; a mail backend is chosen by the auth_http server "
            "(Auth-Server/Auth-Port), not by proxy_pass.",
     .references = "docs/nginx-behaviour.md#directive-dispatch, #misconceptions; nginx "
                   "src/core/ngx_conf_file.c ngx_conf_handler()"},
    {.rule_id = rules::k_arguments,
     .name = "invalid-arguments",
     .summary = "Wrong number of arguments, or a block/terminator mismatch",
     .rationale =
         "nginx -t fails with `invalid number of arguments`, `is not terminated by \";\"` or "
         "`has no opening \"{\"`.",
     .example = "server_name mail.example.com mail2.example.com;",
     .fix = "Give the directive the arguments its table entry allows.",
     .references = "docs/nginx-behaviour.md#directive-dispatch, #mail-directives; nginx "
                   "src/core/ngx_conf_file.c ngx_conf_handler()"},
    {.rule_id = rules::k_invalid_value,
     .name = "invalid-value",
     .summary = "A value nginx rejects (flag, time, size, number, enum or list item)",
     .rationale =
         "nginx -t fails with `invalid value`, `invalid number` or a directive-specific text.",
     .example = "starttls yes;",
     .fix = "Use a value the directive accepts (`starttls on|off|only`).",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx src/core/ngx_conf_file.c "
                   "ngx_conf_set_*_slot()"},
    {.rule_id = rules::k_duplicate,
     .name = "duplicate-directive",
     .summary = "A directive that may appear once per context appears twice",
     .rationale = "nginx -t fails with `\"X\" directive is duplicate`.",
     .example = "timeout 30s;\ntimeout 60s;",
     .fix = "Keep one occurrence.",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx src/core/ngx_conf_file.c "
                   "ngx_conf_set_*_slot()"},
    {.rule_id = rules::k_duplicate_value,
     .name = "duplicate-list-value",
     .summary = "A value repeated in pop3_auth, ssl_protocols or another bitmask directive",
     .rationale = "nginx -t warns `duplicate value \"X\"` and ignores the repeat.",
     .example = "pop3_auth plain PLAIN;",
     .fix = "List each value once.",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx src/core/ngx_conf_file.c "
                   "ngx_conf_set_bitmask_slot()"},
    {.rule_id = rules::k_load_module,
     .name = "load-module-misplaced",
     .summary = "load_module after the first block, or the same module loaded twice",
     .rationale = "nginx -t fails with `\"load_module\" directive is specified too late` or "
                  "`module \"ngx_mail_module\" is already loaded`.",
     .example = "events {}\nload_module modules/ngx_mail_module.so;",
     .fix = "Load modules once, at the top of the main file (Debian: through "
            "modules-enabled/*.conf).",
     .references = "docs/nginx-behaviour.md#top-level; nginx src/core/nginx.c ngx_load_module()"},
    {.rule_id = rules::k_no_events,
     .name = "no-events-section",
     .summary = "The main configuration has no events {} block",
     .rationale = "nginx -t parses the whole file, then fails with `no \"events\" section in "
                  "configuration`. Fragments meant for include are linted best through the file "
                  "that includes them.",
     .example = "mail { ... }   # and nothing else",
     .fix = "events { worker_connections 1024; }",
     .references =
         "docs/nginx-behaviour.md#nginx-t; nginx src/event/ngx_event.c ngx_event_init_conf()"},
    {.rule_id = rules::k_unknown_protocol,
     .name = "unknown-protocol",
     .summary = "protocol is not pop3, imap or smtp (lower case)",
     .rationale = "nginx -t fails with `unknown protocol \"X\"`; the value is case-sensitive.",
     .example = "protocol POP3;",
     .fix = "protocol pop3;",
     .references = "docs/nginx-behaviour.md#protocol-by-port; nginx "
                   "src/mail/ngx_mail_core_module.c ngx_mail_core_protocol()"},
    {.rule_id = rules::k_unknown_mail_protocol,
     .name = "unknown-mail-protocol",
     .summary = "A mail server has no protocol and no standard port",
     .rationale = "Without `protocol`, nginx guesses from the listen port (110/995 pop3, 143/993 "
                  "imap, 25/465/587 smtp); on any other port nginx -t fails with `unknown mail "
                  "protocol for server`.",
     .example = "server { listen 127.0.0.1:1110; }",
     .fix = "protocol pop3;",
     .references = "docs/nginx-behaviour.md#protocol-by-port; nginx "
                   "src/mail/ngx_mail_core_module.c ngx_mail_core_merge_srv_conf()"},
    {.rule_id = rules::k_listen,
     .name = "invalid-listen",
     .summary = "A listen address or parameter nginx rejects",
     .rationale = "nginx -t fails on a bad port or host, or on any parameter the mail module does "
                  "not know (reuseport, http2, deferred, upper-case SSL ...).",
     .example = "listen 995 SSL;",
     .fix = "listen ADDR:PORT [ssl] [proxy_protocol] [bind] [backlog=N] [rcvbuf=] [sndbuf=] "
            "[ipv6only=on|off] [so_keepalive=...];",
     .references = "docs/nginx-behaviour.md#listen; nginx src/mail/ngx_mail_core_module.c "
                   "ngx_mail_core_listen()"},
    {.rule_id = rules::k_duplicate_listen,
     .name = "duplicate-listen",
     .summary = "Two mail listens on the same address and port",
     .rationale = "nginx compares each listen with every earlier mail listen, across servers and "
                  "protocols, and fails with `duplicate \"ADDR:PORT\" address and port pair`.",
     .example = "server { listen 127.0.0.1:110; ... }\nserver { listen 127.0.0.1:110; ... }",
     .fix = "Give each server its own address:port.",
     .references = "docs/nginx-behaviour.md#listen; nginx src/mail/ngx_mail_core_module.c "
                   "ngx_mail_core_listen()"},
    {.rule_id = rules::k_no_listen,
     .name = "no-listen",
     .summary = "A mail server without listen",
     .rationale = "nginx -t fails with `no \"listen\" is defined for server` at the server's end.",
     .example = "server { protocol pop3; }",
     .fix = "listen 110;",
     .references = "docs/nginx-behaviour.md#merge; nginx src/mail/ngx_mail_core_module.c "
                   "ngx_mail_core_server()"},
    {.rule_id = rules::k_auth_http_url,
     .name = "invalid-auth-http",
     .summary = "auth_http URL nginx cannot use",
     .rationale = "Only `[http://]host[:port][/uri]` and `unix:/path[:/uri]` work: https:// gives "
                  "`invalid port`, and host names must resolve when nginx starts.",
     .example = "auth_http https://auth.example.com/pop3;",
     .fix = "auth_http 127.0.0.1:9000/pop3;",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx "
                   "src/mail/ngx_mail_auth_http_module.c ngx_mail_auth_http()"},
    {.rule_id = rules::k_no_auth_http,
     .name = "no-auth-http",
     .summary = "A mail server without auth_http",
     .rationale = "Every mail server needs auth_http: it is how nginx authenticates and picks the "
                  "backend (there is no proxy_pass in mail). nginx -t fails with `no \"auth_http\" "
                  "is defined for server`.",
     .example = "server { listen 110; protocol pop3; proxy_pass backend:110; }",
     .fix = "auth_http 127.0.0.1:9000/auth;  (the auth server answers Auth-Server/Auth-Port)",
     .references = "docs/nginx-behaviour.md#merge, #auth-http-response, #misconceptions; nginx "
                   "src/mail/ngx_mail_auth_http_module.c ngx_mail_auth_http_merge_conf()"},
    {.rule_id = rules::k_no_certificate,
     .name = "tls-without-certificate",
     .summary = "TLS is enabled but ssl_certificate or ssl_certificate_key is missing",
     .rationale = "listen ... ssl, ssl on and starttls on|only all need a certificate and a key "
                  "for each certificate; nginx -t fails otherwise.",
     .example = "listen 995 ssl;",
     .fix = "ssl_certificate /etc/ssl/mail.pem; ssl_certificate_key /etc/ssl/mail.key;",
     .references = "docs/nginx-behaviour.md#tls-checks; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_merge_conf()"},
    {.rule_id = rules::k_cannot_load,
     .name = "cannot-load-certificate",
     .summary = "A certificate or key file cannot be read",
     .rationale = "nginx loads them while testing the configuration and fails with `cannot load "
                  "certificate \"PATH\"` (relative paths are relative to the main file's "
                  "directory). Checked only where the path is on this machine; --no-file-checks "
                  "skips it.",
     .example = "ssl_certificate /etc/nginx/ssl/missing.pem;",
     .fix = "Point to the real files.",
     .references = "docs/nginx-behaviour.md#tls-checks; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_merge_conf()"},
    {.rule_id = rules::k_verify_client,
     .name = "verify-client-without-ca",
     .summary = "ssl_verify_client on|optional without ssl_client_certificate",
     .rationale = "nginx -t fails with `no ssl_client_certificate for ssl_verify_client` when TLS "
                  "is enabled.",
     .example = "ssl_verify_client on;",
     .fix = "ssl_client_certificate /etc/ssl/clients-ca.pem;",
     .references = "docs/nginx-behaviour.md#tls-checks, #client-certificates; nginx "
                   "src/mail/ngx_mail_ssl_module.c ngx_mail_ssl_merge_conf()"},
    {.rule_id = rules::k_ssl_deprecated,
     .name = "ssl-directive-deprecated",
     .summary = "The mail `ssl` directive is deprecated (removed in nginx 1.25.1)",
     .rationale = "nginx 1.22.1 warns; from 1.25.1 on the configuration fails with `unknown "
                  "directive \"ssl\"`.",
     .example = "ssl on;",
     .fix = "listen 995 ssl;",
     .references = "docs/nginx-behaviour.md#tls-checks, #versions; nginx "
                   "src/mail/ngx_mail_ssl_module.c ngx_mail_ssl_enable()"},
    {.rule_id = rules::k_ssl_conflict,
     .name = "ssl-starttls-conflict",
     .summary = "`ssl on` and `starttls on|only` in one context",
     .rationale = "nginx -t fails with `\"starttls\" directive conflicts with \"ssl on\"` (or the "
                  "reverse).",
     .example = "ssl on;\nstarttls on;",
     .fix = "Use a plain listener with starttls and a separate `listen 995 ssl`.",
     .references = "docs/nginx-behaviour.md#tls-checks; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_enable(), ngx_mail_ssl_starttls()"},
    {.rule_id = rules::k_resolver,
     .name = "invalid-resolver",
     .summary = "resolver address or parameter nginx rejects",
     .rationale = "nginx -t fails on a bad resolver address or parameter (1.22.1 has no ipv4=).",
     .example = "resolver 127.0.0.1 ipv4=off;",
     .fix = "resolver 127.0.0.1 ipv6=off;",
     .references = "docs/nginx-behaviour.md#mail-directives, #versions; nginx "
                   "src/mail/ngx_mail_core_module.c ngx_mail_core_resolver()"},
    {.rule_id = rules::k_session_cache,
     .name = "invalid-session-cache",
     .summary = "ssl_session_cache value nginx rejects",
     .rationale = "A shared cache needs a name and a size of at least 8 pages.",
     .example = "ssl_session_cache shared:mail_ssl;",
     .fix = "ssl_session_cache shared:mail_ssl:10m;",
     .references = "docs/nginx-behaviour.md#tls-checks; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_session_cache()"},
    {.rule_id = rules::k_real_ip,
     .name = "invalid-set-real-ip-from",
     .summary = "set_real_ip_from address nginx rejects or warns about",
     .rationale = "nginx -t fails on a bad address and warns when a CIDR has host bits set.",
     .example = "set_real_ip_from 10.0.0.1/8;",
     .fix = "set_real_ip_from 10.0.0.0/8;",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx "
                   "src/mail/ngx_mail_realip_module.c ngx_mail_realip_from()"},
    {.rule_id = rules::k_password_file,
     .name = "password-file-unreadable",
     .summary = "ssl_password_file cannot be read",
     .rationale = "nginx reads it while parsing and fails with `open() \"...\" failed`.",
     .example = "ssl_password_file /etc/nginx/missing.pass;",
     .fix = "Point to a readable file.",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_password_file()"},
    {.rule_id = rules::k_tls_setup,
     .name = "tls-setup-failed",
     .summary = "OpenSSL rejects ssl_ciphers or ssl_ecdh_curve, or a CA, CRL, dhparam or ticket "
                "key file cannot be loaded",
     .rationale =
         "For a server with TLS enabled nginx sets up OpenSSL while merging mail{}: "
         "ciphers, certificates, client CA and CRL (only with ssl_verify_client), dhparam, "
         "curves, ticket keys, in that order, and stops at the first failure "
         "(`SSL_CTX_set_cipher_list(\"X\") failed`, `BIO_new_file(\"F\") failed`, ...). "
         "popcheck asks the OpenSSL it is linked with and omits OpenSSL's error details.",
     .example = "starttls on;\nssl_ciphers HIGH:!aNULL:BOGUS-CIPHER;",
     .fix =
         "Use cipher and curve names `openssl ciphers` / `openssl ecparam -list_curves` know, and "
         "readable files.",
     .references = "docs/nginx-behaviour.md#tls-checks; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_merge_conf()"},
    {.rule_id = rules::k_bad_suppression_comment,
     .name = "bad-suppression-comment",
     .summary = "A `# popcheck disable=` comment names no known rule or covers nothing",
     .rationale = "A suppression that matches nothing hides nothing, usually because of a typo in "
                  "the rule id; the finding it was meant for is still reported.",
     .example = "# popcheck disable=POP3OO1\npop3_auth apop;",
     .fix = "Use an id or name from `popcheck explain --list`, and put the comment on the line "
            "before the directive (or at the end of its line).",
     .references = "docs/rules.md"},
    {.rule_id = rules::k_no_mail_server,
     .name = "no-mail-server",
     .summary = "Nothing was linted: the configuration has no server in a mail {} block",
     .rationale =
         "nginx -t accepts a configuration without mail servers, and so a lint of the wrong file, "
         "or of a main file whose mail servers sit in includes that matched nothing, would pass "
         "CI without having looked at any server. Not reported when a file of the configuration "
         "could not be read or has a syntax error (the servers may be in what was not read).",
     .example = "events {}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}",
     .fix = "Lint the file that holds (or includes) the mail {} block; with --path-map, make the "
            "includes written for the server's paths resolve in the checkout.",
     .references = "docs/lint.md#inputs",
     .check = check_no_mail_server},
    {.rule_id = rules::k_include_matched_nothing,
     .name = "include-matched-nothing",
     .summary = "An include with a wildcard matched no file",
     .rationale =
         "nginx treats an include pattern that matches nothing as an empty include, silently "
         "(ngx_conf_include() in src/core/ngx_conf_file.c): a typo in the pattern, or a "
         "configuration linted away from the paths it was written for, drops every server the "
         "files would have held without an error.",
     .example = "mail {\n    include /etc/nginx/mail.d/*.conf;\n}",
     .fix =
         "Correct the pattern, or map the server's paths to the checkout with "
         "`--path-map /etc/nginx=deploy/nginx`; suppress the finding where an empty directory is "
         "intended.",
     .references = "docs/lint.md#inputs; nginx src/core/ngx_conf_file.c ngx_conf_include()",
     .check = check_include_matched_nothing},
    {.rule_id = rules::k_binary_input,
     .name = "binary-input",
     .summary = "A file of the configuration is not text (it has NUL bytes); it is not linted",
     .rationale =
         "A NUL byte means a binary file (a compressed archive, a module, a key store) was "
         "given or matched by an include. nginx would read it as directives and stop at the first "
         "nonsense token; popcheck refuses the whole input with this one error instead of a "
         "cascade, and `popcheck lint` exits 2 (input could not be processed).",
     .example = "include /etc/nginx/modules/*;",
     .fix = "Lint the configuration file itself, and narrow include patterns to configuration "
            "files (`*.conf`).",
     .references = "docs/lint.md#inputs"},
    {.rule_id = rules::k_worker_connections,
     .name = "worker-connections-too-few",
     .summary = "worker_connections does not leave one connection beyond the listening sockets",
     .rationale =
         "Once the configuration is read, nginx -t checks that each worker has more connections "
         "than there are listening sockets (`N worker_connections are not enough for M "
         "listening sockets`, no file or line). Mail listens on one port share a socket when "
         "a wildcard address is among them, unless they carry `bind` or a socket option. "
         "popcheck counts mail sockets only: with an http{} block in the file it does not "
         "check this.",
     .example = "events { worker_connections 1; }\nmail { server { listen 25; } }",
     .fix = "Leave worker_connections at its default (512) or raise it well above the number of "
            "listening sockets.",
     .references = "docs/nginx-behaviour.md#init-checks; nginx src/event/ngx_event.c "
                   "ngx_event_init_conf()"},
    {.rule_id = rules::k_log_file,
     .name = "log-file-cannot-open",
     .summary = "An error_log file cannot be opened for writing",
     .rationale =
         "nginx -t opens every error_log file once the configuration is read and fails with "
         "`open() \"F\" failed (2: No such file or directory)` (no file or line) when its "
         "directory is missing or not writable. popcheck asks the file system it runs on; "
         "`--no-file-checks` turns this off.",
     .example = "mail { error_log /var/log/nginx/mail/error.log info; }   # no such directory",
     .fix = "Create the directory, or log where nginx can write.",
     .references = "docs/nginx-behaviour.md#init-checks; nginx src/core/ngx_cycle.c "
                   "ngx_init_cycle(), src/core/ngx_log.c ngx_log_set_log()"},
    {.rule_id = rules::k_user_lookup,
     .name = "unknown-user-or-group",
     .summary = "The user or group named by `user` does not exist on this machine",
     .rationale = "Run as root, nginx -t looks the user up while reading `user` (`getpwnam(\"U\") "
                  "failed`), then the group, which is the user's name when none is given "
                  "(`getgrnam(\"G\") failed`: `user nobody;` fails on Debian, whose group is "
                  "`nogroup`). The answer depends on the machine, so popcheck asks only with "
                  "`--check-users`, on the machine it runs on.",
     .example = "user nginx;   # Debian's user is www-data",
     .fix = "Name a user (and group) that exists where nginx runs: `user www-data;`, `user "
            "nobody nogroup;`.",
     .references = "docs/nginx-behaviour.md#init-checks; nginx src/core/nginx.c ngx_set_user()"},
    {.rule_id = rules::k_template_file,
     .name = "template-not-rendered",
     .summary = "The file is a template ({{ }}, {% %}, ${NAME}), not yet a configuration",
     .rationale = "nginx reads placeholders literally: a Jinja statement is a syntax error, an "
                  "envsubst name becomes the SMTP greeting or an invalid port. One placeholder "
                  "usually breaks many lines, so popcheck reports nginx's first error in the file, "
                  "this finding, and none of the errors after it (for ${NAME} placeholders, "
                  "which break no structure, none on a line with a placeholder).",
     .example = "server_name {{ HOSTNAME }};\nlisten ${SMTP_PORT};",
     .fix = "Lint the rendered file: the template engine's output, or `nginx -T` on the host "
            "piped into `popcheck lint --dump -`.",
     .references = "docs/rules.md#LINT005",
     .check = check_template_files},
    {.rule_id = rules::k_http_not_checked,
     .name = "http-not-checked",
     .summary = "popcheck does not check the values inside http{}",
     .rationale =
         "popcheck models nginx's mail module. Inside http{} it checks only that each "
         "directive exists and is allowed where it stands; nginx -t also rejects proxy_pass "
         "URLs without a scheme, unknown variables, duplicate locations and listen options, "
         "which popcheck does not see. One finding per http{} block says so rather than "
         "passing it silently. (The addresses of its `listen` directives are read, for "
         "MAIL114: a mail listen that collides with one of them.)",
     .example = "http {\n    server { location / { proxy_pass backend:8080; } }\n}",
     .fix = "Run `nginx -t` (or a linter for http configurations) for the http part; skip this "
            "note with `--skip LINT006`.",
     .references = "docs/rules.md#LINT006",
     .check = check_http_blocks},
    {.rule_id = rules::k_debug_connection,
     .name = "debug-connection-address",
     .summary = "debug_connection names no address nginx can use",
     .rationale =
         "`debug_connection` takes an address, a CIDR block or `unix:`; anything else is looked "
         "up as a host name while nginx reads the file, and nginx -t fails with `host not found "
         "in debug_connection \"X\"` when it does not resolve (a mask longer than the address, "
         "`all`, a typo). Bits set below the mask (`10.0.0.1/8`) are a warning: nginx clears "
         "them. With `--no-resolve` host names are not looked up.",
     .example = "events { debug_connection 10.0.0.0/33; }",
     .fix = "Write the client's address or network (`10.0.0.0/8`, `::1`), or `unix:`.",
     .references = "docs/nginx-behaviour.md#core-values; nginx src/event/ngx_event.c "
                   "ngx_event_debug_connection()"},
    {.rule_id = rules::k_pid_file,
     .name = "pid-file-cannot-open",
     .summary = "The pid file cannot be created",
     .rationale =
         "nginx -t creates the pid file named by `pid` (empty) before it opens the logs, and "
         "fails with `open() \"F\" failed (2: No such file or directory)` (no file or line) "
         "when its directory is missing or not writable, or `(21: Is a directory)`. popcheck "
         "asks the file system it runs on, for an absolute `pid` only (the default "
         "/run/nginx.pid and relative paths depend on how nginx was built and started), and "
         "reports a missing directory or a directory named as the file, not a permission "
         "(nginx's master runs as root, popcheck usually does not); `--no-file-checks` turns "
         "this off.",
     .example = "pid /run/nginx/nginx.pid;   # no /run/nginx directory",
     .fix = "Point `pid` into a directory that exists and that nginx's master (root) can write, "
            "or leave the default.",
     .references = "docs/nginx-behaviour.md#init-checks; nginx src/core/ngx_cycle.c "
                   "ngx_init_cycle(), ngx_create_pidfile()"},
    {.rule_id = rules::k_cpu_affinity_masks,
     .name = "cpu-affinity-mask-count",
     .summary = "worker_cpu_affinity lists a different number of masks than there are workers",
     .rationale =
         "With more than one mask, nginx expects one per worker process: otherwise nginx -t "
         "warns `the number of \"worker_processes\" is not equal to the number of "
         "\"worker_cpu_affinity\" masks, using last mask for remaining worker processes`, and "
         "the extra workers all share the last mask. With `worker_processes auto` the count is "
         "the machine's CPUs, which popcheck does not know: not checked.",
     .example = "worker_processes 4;\nworker_cpu_affinity 0001 0010;",
     .fix = "Give one mask per worker, a single mask for all, or `worker_cpu_affinity auto;`.",
     .references = "docs/nginx-behaviour.md#core-values; nginx src/core/nginx.c "
                   "ngx_core_module_init_conf(), ngx_set_cpu_affinity()"},
    {.rule_id = rules::k_bind_failed,
     .name = "bind-fails-here",
     .summary = "A listening address cannot be bound on this machine",
     .rationale =
         "nginx -t binds every listening socket and fails with `bind() to A failed (99: Cannot "
         "assign requested address)` for an address the machine does not have, or `(13: "
         "Permission denied)` for a port below 1024 when not run as root (no file or line). "
         "It ignores `address in use` (the running nginx holds its sockets). The answer depends "
         "on the machine, so popcheck binds (and at once closes, never listens) only with "
         "`--check-binds`, on the machine and as the user it runs as; unix: sockets are not "
         "checked.",
     .example = "mail { server { listen 192.0.2.10:993 ssl; } }   # not an address of this host",
     .fix = "Listen on an address the host has (or the wildcard), or lint on the host that "
            "serves the configuration.",
     .references = "docs/nginx-behaviour.md#init-checks; nginx src/core/ngx_connection.c "
                   "ngx_open_listening_sockets()"},
};

} // namespace

std::span<const Rule> nginx_rules() {
  return k_rules;
}

} // namespace popcheck::lint
