# popcheck probe/run end-to-end tests (included from testdata/tests.cmake):
#   probe-nginx: CASE        the derived suite of testdata/compile/CASE against real nginx 1.22.1
#                            (+ dovecot-pop3d + auth_http stub), JSON schema and JUnit checked
#   probe-nginx: wrong-capa  expectations from testdata/probe/wrong-capa must fail exactly the CAPA checks
#   probe-nginx: CASE        (testdata/probe/nginx-smtp-cases.txt) the SMTP derived suite against real
#                            nginx with a scripted SMTP backend (logins through to it, never DATA);
#                            probe-proxy: CASE the same against `popcheck proxy`
#   run-nginx: smtp dialogues  popcheck run testdata/dialogues/smtp/* against nginx running smtp-starttls-on
#   probe-nginx: wrong-smtp-auth  expectations from testdata/probe/wrong-smtp-auth must fail exactly the
#                            EHLO and CRAM-MD5 checks; wrong-smtp-none (smtp_auth none expected) the
#                            EHLO check and those that send MAIL without AUTH
#   probe-dovecot: generic   the generic RFC suite against dovecot directly (plain+STLS and pop3s)
#   probe-nginx-imap: CASE   the IMAP derived suite of testdata/compile/CASE against real nginx
#                            (+ dovecot-imapd behind it); nginx-imap-cases.txt; probe-proxy-imap: CASE
#                            the same against `popcheck proxy`
#   probe-nginx-imap: wrong-auth  expectations from testdata/probe/wrong-imap-auth must fail exactly
#                            the CAPABILITY and CRAM-MD5 checks
#   probe-dovecot: imap      the generic IMAP suite against dovecot-imapd directly (plain+STARTTLS,
#                            imaps) and popcheck run over testdata/dialogues/imap/*
#   probe-proxy: CASE        the same derived suite against `popcheck proxy` running CASE (skipped when
#                            the proxy refuses the configuration for lint errors, e.g. capa-dot)
#   selftest: CASE           popcheck selftest CASE/nginx.conf (embedded proxy, no logins)
# The generic-suite test also runs popcheck run over testdata/dialogues/*.
# Label `probe`; skipped (77) when nginx or dovecot is not installed.
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/probe/nginx-cases.txt popcheck_probe_cases REGEX "^[^#]")
foreach(case_name IN LISTS popcheck_probe_cases)
  add_test(NAME "probe-nginx: ${case_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py
                   --popcheck $<TARGET_FILE:popcheck> ${CMAKE_CURRENT_LIST_DIR}/compile/${case_name})
  set_tests_properties("probe-nginx: ${case_name}" PROPERTIES
                       LABELS "probe;nginx" SKIP_RETURN_CODE 77 TIMEOUT 300)
  add_test(NAME "probe-proxy: ${case_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py --proxy
                   --popcheck $<TARGET_FILE:popcheck> ${CMAKE_CURRENT_LIST_DIR}/compile/${case_name})
  set_tests_properties("probe-proxy: ${case_name}" PROPERTIES
                       LABELS "probe;proxy" SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/probe/nginx-smtp-cases.txt popcheck_probe_smtp_cases REGEX "^[^#]")
foreach(case_name IN LISTS popcheck_probe_smtp_cases)
  add_test(NAME "probe-nginx: ${case_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py
                   --popcheck $<TARGET_FILE:popcheck> ${CMAKE_CURRENT_LIST_DIR}/compile/${case_name})
  set_tests_properties("probe-nginx: ${case_name}" PROPERTIES
                       LABELS "probe;nginx" SKIP_RETURN_CODE 77 TIMEOUT 300)
  add_test(NAME "probe-proxy: ${case_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py --proxy
                   --popcheck $<TARGET_FILE:popcheck> ${CMAKE_CURRENT_LIST_DIR}/compile/${case_name})
  set_tests_properties("probe-proxy: ${case_name}" PROPERTIES
                       LABELS "probe;proxy" SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
add_test(NAME "run-nginx: smtp dialogues"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py
                 --popcheck $<TARGET_FILE:popcheck>
                 --dialogues ${CMAKE_CURRENT_LIST_DIR}/dialogues/smtp
                 ${CMAKE_CURRENT_LIST_DIR}/compile/smtp-starttls-on)
set_tests_properties("run-nginx: smtp dialogues" PROPERTIES
                     LABELS "probe;nginx" SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME "probe-nginx: wrong-smtp-auth"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py
                 --popcheck $<TARGET_FILE:popcheck>
                 --config-from ${CMAKE_CURRENT_LIST_DIR}/probe/wrong-smtp-auth
                 --expect-fail auth-cram-md5,ehlo-helo,login-cram-md5,starttls
                 ${CMAKE_CURRENT_LIST_DIR}/compile/smtp-starttls-on)
set_tests_properties("probe-nginx: wrong-smtp-auth" PROPERTIES
                     LABELS "probe;nginx" SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME "probe-nginx: wrong-smtp-none"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py
                 --popcheck $<TARGET_FILE:popcheck>
                 --config-from ${CMAKE_CURRENT_LIST_DIR}/probe/wrong-smtp-none
                 --expect-fail ehlo-helo,mail-without-auth,relay-without-auth
                 ${CMAKE_CURRENT_LIST_DIR}/compile/smtp-defaults)
set_tests_properties("probe-nginx: wrong-smtp-none" PROPERTIES
                     LABELS "probe;nginx" SKIP_RETURN_CODE 77 TIMEOUT 300)
# Each selftest owns a range of 100 ports (24000-24999) that no other test uses: the Python
# tests lease theirs (scripts/lib/nginx_runner.py free_port), the popcheck binary cannot.
set(popcheck_selftest_port 24000)
foreach(case_name IN ITEMS defaults auth-all starttls-only mixed-ssl-plain multi-server-wire)
  math(EXPR popcheck_selftest_last "${popcheck_selftest_port} + 99")
  add_test(NAME "selftest: ${case_name}"
           COMMAND $<TARGET_FILE:popcheck> selftest nginx.conf
                   --ports ${popcheck_selftest_port}-${popcheck_selftest_last}
                   --ca ${CMAKE_CURRENT_LIST_DIR}/certs/mail.crt --sni mail.example.test
           WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/compile/${case_name})
  set_tests_properties("selftest: ${case_name}" PROPERTIES LABELS "probe;proxy" TIMEOUT 120)
  math(EXPR popcheck_selftest_port "${popcheck_selftest_port} + 100")
endforeach()
# The IMAP and SMTP servers the same way, 100 ports each from 24600 (24500-24599: the untrusted
# TLS 1.3 selftest below); every testdata/compile imap-*/smtp-* case passed when this was added.
set(popcheck_selftest_port 24600)
foreach(case_name IN ITEMS imap-ssl-and-plain smtp-auth-all-starttls-on smtp-greeting-delay
                           imap-smtp-beside)
  math(EXPR popcheck_selftest_last "${popcheck_selftest_port} + 99")
  add_test(NAME "selftest: ${case_name}"
           COMMAND $<TARGET_FILE:popcheck> selftest nginx.conf
                   --ports ${popcheck_selftest_port}-${popcheck_selftest_last}
                   --ca ${CMAKE_CURRENT_LIST_DIR}/certs/mail.crt --sni mail.example.test
           WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/compile/${case_name})
  set_tests_properties("selftest: ${case_name}" PROPERTIES LABELS "probe;proxy" TIMEOUT 120)
  math(EXPR popcheck_selftest_port "${popcheck_selftest_port} + 100")
endforeach()
add_test(NAME "probe-nginx: wrong-capa"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py
                 --popcheck $<TARGET_FILE:popcheck>
                 --config-from ${CMAKE_CURRENT_LIST_DIR}/probe/wrong-capa
                 --expect-fail capa,capa-user-state,stls
                 ${CMAKE_CURRENT_LIST_DIR}/compile/capa-pipelining)
set_tests_properties("probe-nginx: wrong-capa" PROPERTIES
                     LABELS "probe;nginx" SKIP_RETURN_CODE 77 TIMEOUT 300)
# ssl_verify_client against real nginx, without --sni (the server_name is the certificate's):
# `on` without a certificate expects the refusal, with testdata/certs/client.crt runs everything
# (AUTH EXTERNAL too); `optional` without one runs everything. The report says which mode ran.
# The same against `popcheck proxy` (probe-proxy: ...).
set(popcheck_verify_on ${CMAKE_CURRENT_LIST_DIR}/probe/ssl-verify-client-on)
set(popcheck_verify_optional ${CMAKE_CURRENT_LIST_DIR}/probe/ssl-verify-client-optional)
foreach(variant IN ITEMS
        "on, no certificate|${popcheck_verify_on}|--expect-checks|client-certificate-required|--expect-warning|ssl_verify_client on and no --cert"
        "on, client certificate|${popcheck_verify_on}|--cert|--expect-checks|login-auth-external,login-user-pass|--expect-warning|presented the --cert client certificate"
        "optional, no certificate|${popcheck_verify_optional}|--expect-checks|login-user-pass,login-auth-external-initial|--expect-warning|ssl_verify_client optional and no --cert")
  string(REPLACE "|" ";" variant_args "${variant}")
  list(POP_FRONT variant_args variant_name)
  add_test(NAME "probe-nginx: ssl-verify-client ${variant_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py
                   --popcheck $<TARGET_FILE:popcheck> --no-sni ${variant_args})
  set_tests_properties("probe-nginx: ssl-verify-client ${variant_name}" PROPERTIES
                       LABELS "probe;nginx" SKIP_RETURN_CODE 77 TIMEOUT 300)
  add_test(NAME "probe-proxy: ssl-verify-client ${variant_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py --proxy
                   --popcheck $<TARGET_FILE:popcheck> --no-sni ${variant_args})
  set_tests_properties("probe-proxy: ssl-verify-client ${variant_name}" PROPERTIES
                       LABELS "probe;proxy" SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
# The same for an IMAP and an SMTP server in one config (an ssl and a STARTTLS port each): `on`
# without a certificate expects "* BYE No required SSL certificate" / "421 4.7.1 No required SSL
# certificate", with one the logins and AUTHENTICATE/AUTH EXTERNAL run, `optional` runs everything;
# the wrong mode (nginx `optional`, `on`'s expectations) fails client-certificate-required alone
# (after STARTTLS nginx waits for a command: a 2 s step timeout, not the default, ends the wait).
# Against real nginx and popcheck proxy.
set(popcheck_mail_verify_on ${CMAKE_CURRENT_LIST_DIR}/probe/imap-smtp-ssl-verify-client-on)
set(popcheck_mail_verify_optional ${CMAKE_CURRENT_LIST_DIR}/probe/imap-smtp-ssl-verify-client-optional)
foreach(variant IN ITEMS
        "on, no certificate|${popcheck_mail_verify_on}|--expect-checks|client-certificate-required|--expect-warning|ssl_verify_client on and no --cert"
        "on, client certificate|${popcheck_mail_verify_on}|--cert|--expect-checks|imap:login-authenticate-external,smtp:login-auth-external,imap:login,smtp:login-auth-plain|--expect-warning|presented the --cert client certificate"
        "optional, no certificate|${popcheck_mail_verify_optional}|--expect-checks|imap:greeting,imap:login,smtp:greeting,smtp:login-auth-plain|--expect-warning|ssl_verify_client optional and no --cert"
        "wrong mode|--step-timeout|2000|--config-from|${popcheck_mail_verify_on}|--expect-fail|client-certificate-required|${popcheck_mail_verify_optional}")
  string(REPLACE "|" ";" variant_args "${variant}")
  list(POP_FRONT variant_args variant_name)
  add_test(NAME "probe-nginx: imap/smtp ssl-verify-client ${variant_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py
                   --popcheck $<TARGET_FILE:popcheck> --no-sni ${variant_args})
  set_tests_properties("probe-nginx: imap/smtp ssl-verify-client ${variant_name}" PROPERTIES
                       LABELS "probe;nginx" SKIP_RETURN_CODE 77 TIMEOUT 120)
  add_test(NAME "probe-proxy: imap/smtp ssl-verify-client ${variant_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py --proxy
                   --popcheck $<TARGET_FILE:popcheck> --no-sni ${variant_args})
  set_tests_properties("probe-proxy: imap/smtp ssl-verify-client ${variant_name}" PROPERTIES
                       LABELS "probe;proxy" SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
# The refusal check discriminates: nginx runs `optional`, the expectations are `on`'s. nginx
# never closes, so the check can only end at the probe's step timeout: 2 s instead of 15 s per
# listener (a shorter wait cannot make a refusal appear).
add_test(NAME "probe-nginx: ssl-verify-client wrong mode"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py
                 --popcheck $<TARGET_FILE:popcheck> --no-sni --step-timeout 2000
                 --config-from ${popcheck_verify_on}
                 --expect-fail client-certificate-required ${popcheck_verify_optional})
set_tests_properties("probe-nginx: ssl-verify-client wrong mode" PROPERTIES
                     LABELS "probe;nginx" SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME "probe-dovecot: generic"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_dovecot_test.py
                 --popcheck $<TARGET_FILE:popcheck>)
set_tests_properties("probe-dovecot: generic" PROPERTIES
                     LABELS probe SKIP_RETURN_CODE 77 TIMEOUT 300)
# A selftest whose TLS checks fail (untrusted certificate, TLS 1.3) ends with exit 1 and its
# report, never a signal: the report must hold the verification failure of the STLS check.
add_test(NAME "selftest: untrusted-tls13"
         COMMAND /bin/sh -c "rm -f \"$1\"; \"$0\" selftest nginx.conf --ports 24500-24599 -o \"$1\"; rc=$?; echo exit $rc; test $rc -eq 1 && grep -q 'FAIL .*: stls ' \"$1\" && grep -q 'certificate verification failed' \"$1\""
                 $<TARGET_FILE:popcheck> ${CMAKE_CURRENT_BINARY_DIR}/selftest-untrusted-tls13.txt
         WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/probe/selftest-untrusted-tls13)
set_tests_properties("selftest: untrusted-tls13" PROPERTIES LABELS "probe;proxy" TIMEOUT 120)
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/probe/nginx-imap-cases.txt popcheck_probe_imap_cases
     REGEX "^[^#]")
foreach(case_name IN LISTS popcheck_probe_imap_cases)
  add_test(NAME "probe-nginx-imap: ${case_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py
                   --popcheck $<TARGET_FILE:popcheck> ${CMAKE_CURRENT_LIST_DIR}/compile/${case_name})
  set_tests_properties("probe-nginx-imap: ${case_name}" PROPERTIES
                       LABELS "probe;nginx" SKIP_RETURN_CODE 77 TIMEOUT 300)
  add_test(NAME "probe-proxy-imap: ${case_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py --proxy
                   --popcheck $<TARGET_FILE:popcheck> ${CMAKE_CURRENT_LIST_DIR}/compile/${case_name})
  set_tests_properties("probe-proxy-imap: ${case_name}" PROPERTIES
                       LABELS "probe;proxy" SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
add_test(NAME "probe-nginx-imap: wrong-auth"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_nginx_test.py
                 --popcheck $<TARGET_FILE:popcheck>
                 --config-from ${CMAKE_CURRENT_LIST_DIR}/probe/wrong-imap-auth
                 --expect-fail capability,starttls,authenticate-cram-md5,login-authenticate-cram-md5
                 ${CMAKE_CURRENT_LIST_DIR}/compile/imap-starttls-on)
set_tests_properties("probe-nginx-imap: wrong-auth" PROPERTIES
                     LABELS "probe;nginx" SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME "probe-dovecot: imap"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_dovecot_test.py
                 --protocol imap --popcheck $<TARGET_FILE:popcheck>)
set_tests_properties("probe-dovecot: imap" PROPERTIES
                     LABELS probe SKIP_RETURN_CODE 77 TIMEOUT 300)
# Fleet probing: `popcheck probe --targets` over the three servers of testdata/probe/fleet run by
# `popcheck proxy`, a wrong expectation, a dead port and a silent server: verdicts, order, exit
# codes, JSON schema, JUnit against junit.xsd, OpenMetrics parsed, unusable input (exit 2).
add_test(NAME "probe-fleet: targets"
         COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/probe_fleet_test.py
                 --popcheck $<TARGET_FILE:popcheck>)
set_tests_properties("probe-fleet: targets" PROPERTIES
                     LABELS "probe;proxy" SKIP_RETURN_CODE 77 TIMEOUT 300)
