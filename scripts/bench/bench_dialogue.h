/* The client side of each protocol in scripts/bench-proxy, as tables the client's one engine reads:
 * the greeting, the login commands with the reply each must get, the command that ends the
 * session, the relay command and the bytes that end its reply. The backend's side is in
 * bench_backend.c; both follow what nginx sends and expects (src/mail/ngx_mail_proxy_module.c). */
#ifndef BENCH_DIALOGUE_H
#define BENCH_DIALOGUE_H

#include <string.h>

struct bench_step {
  const char* send;
  const char* expect; /* prefix of the reply line that must answer it */
};

struct bench_protocol {
  const char* name;
  const char* greeting;             /* prefix of the first line */
  struct bench_step steps[4];       /* login steps, then the closing step; {0} ends */
  int login_steps;                  /* how many of steps log in */
  const char* relay_command;        /* sent after the login; NULL: no relay run */
  const char* relay_end;            /* the reply ends with these bytes */
  int (*skip)(const char* line);    /* lines that are not the awaited reply (untagged, 250-) */
};

static int bench_skip_none(const char* line) {
  (void)line;
  return 0;
}

/* IMAP: untagged lines ("* BYE" before LOGOUT's tagged OK). */
static int bench_skip_untagged(const char* line) { return line[0] == '*' && line[1] == ' '; }

/* SMTP: every line of a multi-line reply but the last ("250-PIPELINING"). */
static int bench_skip_continued(const char* line) { return strlen(line) > 3 && line[3] == '-'; }

static const struct bench_protocol bench_protocols[] = {
    {"pop3", "+OK",
     {{"USER bench\r\n", "+OK"}, {"PASS bench\r\n", "+OK"}, {"QUIT\r\n", "+OK"}, {0, 0}},
     2, "RETR 1\r\n", "\r\n.\r\n", bench_skip_none},
    /* nginx logs in to the backend with LOGIN and two literals whatever the client used; the
     * backend's tagged OK is the client's reply. */
    {"imap", "* OK",
     {{"a LOGIN bench bench\r\n", "a OK"}, {"a LOGOUT\r\n", "a OK"}, {0, 0}},
     1, "f FETCH 1 BODY[]\r\n", ")\r\nf OK done\r\n", bench_skip_untagged},
    /* "\0bench\0bench" in base64; nginx answers 235 itself after its backend login (EHLO,
     * XCLIENT, EHLO), QUIT goes to the backend. */
    {"smtp", "220",
     {{"EHLO bench\r\n", "250"}, {"AUTH PLAIN AGJlbmNoAGJlbmNo\r\n", "235"}, {"QUIT\r\n", "221"},
      {0, 0}},
     2, NULL, NULL, bench_skip_continued},
};

static const struct bench_protocol* bench_find_protocol(const char* name) {
  for (size_t i = 0; i < sizeof bench_protocols / sizeof bench_protocols[0]; ++i) {
    if (strcmp(bench_protocols[i].name, name) == 0) {
      return &bench_protocols[i];
    }
  }
  return NULL;
}

#endif
