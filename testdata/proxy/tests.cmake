# Proxy tests (label `proxy`), included from testdata/tests.cmake:
#   proxy-diff: proxy/<case>   the case's dialogues against real nginx and `popcheck proxy`, same
#                              config, dovecot backend and auth stub; transcripts and auth_http
#                              requests equal byte for byte (scripts/proxy_diff_test.py)
#   proxy-tls-extras           ssl_session_ticket_key / ssl_conf_command with openssl s_client
#                              (scripts/proxy_tls_extras_test.py)
#   proxy-clients              curl and Python poplib sessions through `popcheck proxy`
#                              (scripts/proxy_clients_test.py)
#   proxy-signals              threads of a running proxy, SIGTERM/SIGINT and the grace period
#                              (scripts/proxy_signals_test.py)
#   proxy-clients: mail        real IMAP and SMTP clients through real nginx and `popcheck
#                              proxy`, same outcomes (scripts/proxy_clients_mail_test.py)
# Skipped (77) when nginx's mail module or dovecot is missing. Ports 21000-21999, 127.0.0.1 only.
# None of them is RUN_SERIAL: each test leases its ports (scripts/lib/nginx_runner.py free_port,
# an flock per port), runs its own nginx, dovecot, stubs and temporary directories, and its reads
# wait 5 s for a reply's first byte, so another test beside it costs nothing but time.
file(GLOB popcheck_proxy_cases LIST_DIRECTORIES true CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*)
foreach(case_dir IN LISTS popcheck_proxy_cases)
  if(NOT EXISTS ${case_dir}/dialogues.json)
    continue()
  endif()
  get_filename_component(case_name ${case_dir} NAME)
  add_test(NAME "proxy-diff: proxy/${case_name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/proxy_diff_test.py
                   --popcheck $<TARGET_FILE:popcheck> ${case_dir})
  set_tests_properties("proxy-diff: proxy/${case_name}" PROPERTIES
                       LABELS "proxy;nginx" SKIP_RETURN_CODE 77 TIMEOUT 180)
endforeach()
# One script that takes --popcheck, as a test `name`: labels, timeout in seconds.
function(popcheck_proxy_script_test name script labels timeout)
  if(NOT EXISTS ${PROJECT_SOURCE_DIR}/scripts/${script})
    return()
  endif()
  add_test(NAME "${name}"
           COMMAND ${POPCHECK_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/${script}
                   --popcheck $<TARGET_FILE:popcheck>)
  set_tests_properties("${name}" PROPERTIES
                       LABELS "${labels}" SKIP_RETURN_CODE 77 TIMEOUT ${timeout})
endfunction()
popcheck_proxy_script_test("proxy-clients" proxy_clients_test.py proxy 180)
# One thread per one-worker proxy while it serves logins; SIGTERM, a second signal, the grace.
popcheck_proxy_script_test("proxy-signals" proxy_signals_test.py proxy 120)
# Real IMAP and SMTP clients (curl, imaplib, fetchmail, ALPN; curl, smtplib, swaks, msmtp)
# through nginx and `popcheck proxy` with testdata/proxy/clients-mail: the same results and
# backend bytes; IMAP and SMTP under --backend.
popcheck_proxy_script_test("proxy-clients: mail" proxy_clients_mail_test.py "proxy;nginx" 240)
popcheck_proxy_script_test("proxy-tls-extras" proxy_tls_extras_test.py "proxy;nginx" 120)
