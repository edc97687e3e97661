/* The backends of scripts/bench-proxy: one epoll loop, edge-triggered, accepting any login.
 *   POP3  USER and PASS accept anything, RETR n sends a SIZE-byte message (80-byte CRLF lines)
 *         and its terminator, QUIT says +OK and closes.
 *   IMAP  answers nginx's LOGIN with two literals ("+ go" to each "{n}", then the tagged OK),
 *         FETCH sends the message as a literal, LOGOUT says BYE and closes.
 *   SMTP  220 greeting, 250 to EHLO/HELO and the envelope, 220 to XCLIENT (a new greeting, as
 *         Postfix does), 221 to QUIT and closes.
 *
 *   bench_backend PORT SIZE [pop3|imap|smtp] */
#include "bench_net.h"

#include <sys/epoll.h>

enum { k_max_fd = 1 << 17 };

enum protocol { pop3, imap, smtp };
static enum protocol protocol = pop3;

struct conn {
  char in[512];
  int login_literals; /* IMAP: literals of nginx's LOGIN announced so far */
  char tag[32];       /* IMAP: the tag of the command being answered */
  size_t in_len;
  char out[256];
  size_t out_pos, out_len;
  size_t big_sent;
  int big;
  int close_after;
};

static struct conn* conns[k_max_fd];
static char* message;
static size_t message_size;
static char header[64];
static const char* trailer;

static void queue(struct conn* c, const char* text) {
  size_t n = strlen(text);
  if (c->out_len + n <= sizeof c->out) {
    memcpy(c->out + c->out_len, text, n);
    c->out_len += n;
  }
}

/* 1: keep the connection, 0: close it. */
static int flush(int fd, struct conn* c) {
  for (;;) {
    while (c->out_pos < c->out_len) {
      ssize_t n = send(fd, c->out + c->out_pos, c->out_len - c->out_pos, MSG_NOSIGNAL);
      if (n < 0) {
        return errno == EAGAIN;
      }
      c->out_pos += (size_t)n;
    }
    c->out_pos = c->out_len = 0;
    while (c->big && c->big_sent < message_size) {
      ssize_t n = send(fd, message + c->big_sent, message_size - c->big_sent, MSG_NOSIGNAL);
      if (n < 0) {
        return errno == EAGAIN;
      }
      c->big_sent += (size_t)n;
    }
    if (!c->big) {
      return !c->close_after;
    }
    c->big = 0;
    queue(c, trailer);
    if (protocol == imap) {
      queue(c, c->tag);
      queue(c, " OK done\r\n");
    }
  }
}

static void on_pop3_line(struct conn* c, const char* line) {
  if (strncmp(line, "RETR", 4) == 0) {
    queue(c, header);
    c->big = 1;
    c->big_sent = 0;
  } else if (strncmp(line, "QUIT", 4) == 0) {
    queue(c, "+OK bye\r\n");
    c->close_after = 1;
  } else if (strncmp(line, "PASS", 4) == 0) {
    queue(c, "+OK logged in\r\n");
  } else {
    queue(c, "+OK\r\n");
  }
}

/* nginx sends "TAG LOGIN {n}", then "login {n}", then the password, each after a "+" line. */
static void on_imap_line(struct conn* c, const char* line) {
  if (c->login_literals == 1 || c->login_literals == 2) {
    ++c->login_literals;
    if (c->login_literals == 2) {
      queue(c, "+ go\r\n"); /* the login and its password's literal announced */
    } else {
      queue(c, c->tag); /* the password */
      queue(c, " OK logged in\r\n");
    }
    return;
  }
  size_t n = strcspn(line, " \r");
  n = n < sizeof c->tag - 1 ? n : sizeof c->tag - 1;
  memcpy(c->tag, line, n);
  c->tag[n] = '\0';
  const char* command = line + n;
  if (c->login_literals == 0 && strncmp(command, " LOGIN {", 8) == 0) {
    c->login_literals = 1;
    queue(c, "+ go\r\n");
  } else if (strncmp(command, " FETCH", 6) == 0) {
    queue(c, header);
    c->big = 1;
    c->big_sent = 0;
  } else if (strncmp(command, " LOGOUT", 7) == 0) {
    queue(c, "* BYE bench\r\n");
    queue(c, c->tag);
    queue(c, " OK LOGOUT done\r\n");
    c->close_after = 1;
  } else {
    queue(c, c->tag);
    queue(c, " OK\r\n");
  }
}

static void on_smtp_line(struct conn* c, const char* line) {
  if (strncmp(line, "XCLIENT", 7) == 0) {
    queue(c, "220 bench backend ready\r\n");
  } else if (strncmp(line, "QUIT", 4) == 0) {
    queue(c, "221 bye\r\n");
    c->close_after = 1;
  } else if (strncmp(line, "AUTH", 4) == 0) {
    queue(c, "235 ok\r\n");
  } else {
    queue(c, "250 ok\r\n");
  }
}

static void on_line(struct conn* c, const char* line) {
  switch (protocol) {
  case pop3:
    on_pop3_line(c, line);
    break;
  case imap:
    on_imap_line(c, line);
    break;
  case smtp:
    on_smtp_line(c, line);
    break;
  }
}

/* 1: keep the connection, 0: close it. */
static int on_readable(int fd, struct conn* c) {
  for (;;) {
    ssize_t r = recv(fd, c->in + c->in_len, sizeof c->in - c->in_len - 1, 0);
    if (r == 0 || (r < 0 && errno != EAGAIN)) {
      return 0;
    }
    if (r < 0) {
      return 1;
    }
    c->in_len += (size_t)r;
    c->in[c->in_len] = '\0';
    char* start = c->in;
    char* eol;
    while ((eol = strchr(start, '\n')) != NULL) {
      *eol = '\0';
      on_line(c, start);
      start = eol + 1;
    }
    c->in_len -= (size_t)(start - c->in);
    memmove(c->in, start, c->in_len);
    if (c->in_len == sizeof c->in - 1) {
      c->in_len = 0; /* a line this long is not ours: drop it */
    }
  }
}

static void drop(int fd) {
  close(fd);
  free(conns[fd]);
  conns[fd] = NULL;
}

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: bench_backend PORT SIZE [pop3|imap|smtp]\n");
    return 2;
  }
  static const char* const greetings[] = {"+OK bench backend ready\r\n",
                                          "* OK bench backend ready\r\n",
                                          "220 bench backend ready\r\n"};
  if (argc == 4) {
    protocol = strcmp(argv[3], "imap") == 0 ? imap : strcmp(argv[3], "smtp") == 0 ? smtp : pop3;
  }
  message_size = strtoull(argv[2], NULL, 10);
  message = malloc(message_size);
  memset(message, 'x', message_size);
  for (size_t i = 78; i + 1 < message_size; i += 80) {
    message[i] = '\r';
    message[i + 1] = '\n';
  }
  message[message_size - 2] = '\r';
  message[message_size - 1] = '\n';
  if (protocol == imap) {
    snprintf(header, sizeof header, "* 1 FETCH (BODY[] {%zu}\r\n", message_size);
    trailer = ")\r\n"; /* then the tagged OK */
  } else {
    snprintf(header, sizeof header, "+OK %zu octets\r\n", message_size);
    trailer = ".\r\n";
  }

  int lfd = bench_listen(atoi(argv[1]));
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        int c;
        while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          if (c >= k_max_fd) {
            close(c);
            continue;
          }
          conns[c] = calloc(1, sizeof(struct conn));
          struct epoll_event cev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          queue(conns[c], greetings[protocol]);
          if (!flush(c, conns[c])) {
            drop(c);
          }
        }
        continue;
      }
      struct conn* c = conns[fd];
      if (c == NULL) {
        continue;
      }
      int alive = 1;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        alive = on_readable(fd, c);
      }
      if (alive) {
        alive = flush(fd, c);
      }
      if (!alive) {
        drop(fd);
      }
    }
  }
}
