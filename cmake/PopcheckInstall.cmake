# `cmake --install` layout, the man page and the Debian package (included from CMakeLists.txt).
#   bin/popcheck
#   share/man/man1/popcheck.1.gz                   generated from docs/man/popcheck.1.scd by scdoc
#   share/bash-completion/completions/popcheck
#   share/zsh/vendor-completions/_popcheck         prefix /usr (Debian's zsh fpath), else
#   share/zsh/site-functions/_popcheck             (the fpath entry for /usr/local)
#   share/popcheck/schemas/*.json
#   share/doc/popcheck/{README.md,*.md,ci/*}
include(GNUInstallDirs)

option(POPCHECK_MAN "Generate and install the man page (needs scdoc)" ON)

install(TARGETS popcheck RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

if(POPCHECK_MAN)
  find_program(POPCHECK_SCDOC scdoc)
  find_program(POPCHECK_GZIP gzip)
  if(POPCHECK_SCDOC AND POPCHECK_GZIP)
    set(man_source ${PROJECT_SOURCE_DIR}/docs/man/popcheck.1.scd)
    set(man_page ${PROJECT_BINARY_DIR}/popcheck.1.gz)
    # gzip -n: no name or time stamp, so the page is the same bytes on every build.
    add_custom_command(
      OUTPUT ${man_page}
      COMMAND sh -c "\"$0\" < \"$1\" | \"$2\" -9n > \"$3\"" ${POPCHECK_SCDOC} ${man_source}
              ${POPCHECK_GZIP} ${man_page}
      DEPENDS ${man_source}
      COMMENT "Generating popcheck.1 (scdoc)"
      VERBATIM)
    add_custom_target(popcheck_man ALL DEPENDS ${man_page})
    install(FILES ${man_page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  else()
    message(WARNING "scdoc not found: the man page is not built (apt-get install scdoc, or "
                    "-DPOPCHECK_MAN=OFF)")
  endif()
endif()

install(FILES ${PROJECT_SOURCE_DIR}/share/completions/popcheck.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME popcheck)
# The zsh directory depends on the prefix at install time (cpack installs with prefix /usr).
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(popcheck_zsh_dir \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions\")
  else()
    set(popcheck_zsh_dir \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/zsh/site-functions\")
  endif()
  file(INSTALL DESTINATION \"\${popcheck_zsh_dir}\" TYPE FILE
       FILES \"${PROJECT_SOURCE_DIR}/share/completions/_popcheck\")
")

install(DIRECTORY ${PROJECT_SOURCE_DIR}/schemas/ DESTINATION ${CMAKE_INSTALL_DATADIR}/popcheck/schemas
        FILES_MATCHING PATTERN "*.json")
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian policy 12.5: the licence in machine-readable form as /usr/share/doc/PACKAGE/copyright.
install(FILES ${PROJECT_SOURCE_DIR}/share/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
        PATTERN "man" EXCLUDE)

# CPack: a .deb (scripts/package). Shared-library dependencies come from dpkg-shlibdeps.
set(CPACK_PACKAGE_NAME popcheck)
set(CPACK_PACKAGE_VENDOR "popcheck")
set(CPACK_PACKAGE_CONTACT "popcheck maintainers <maintainers@popcheck.invalid>"
    CACHE STRING "Maintainer of the Debian package")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "lint, compile, proxy and probe nginx POP3 mail configurations")
set(CPACK_PACKAGE_DESCRIPTION
    "popcheck reads an nginx.conf exactly as nginx 1.22.1 does and reports every error nginx -t \
would report plus POP3 pitfalls nginx accepts silently (text, JSON, SARIF, JUnit, GitLab Code \
Quality); prints each mail server's effective behaviour; runs an embedded POP3 proxy that \
behaves like nginx; and checks live POP3 servers against that behaviour.")
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # popcheck_VERSION-1_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# RE2 (dialogue script regexes) and mimalloc (the allocator) are shared libraries that
# dpkg-shlibdeps finds with the others; they are named by hand only where it is missing (a build
# without dpkg-dev), or Depends would list them twice.
find_program(POPCHECK_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(POPCHECK_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
elseif(POPCHECK_MIMALLOC AND NOT POPCHECK_SANITIZE AND NOT POPCHECK_FUZZ)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libre2-9, libmimalloc2.0")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libre2-9")
endif()
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx-light | nginx, libnginx-mod-mail")
include(CPack)
