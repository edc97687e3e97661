/* The clients of scripts/bench-proxy, for each protocol of bench_dialogue.h.
 *
 *   bench_client PROTO retr PORT                 one login + the relay command (POP3 RETR 1,
 *                                                IMAP FETCH 1 BODY[]); prints "bytes seconds"
 *   bench_client PROTO logins PORT CONC SECONDS  CONC clients loop connect/login/logout (one
 *                                                epoll loop); prints the number of completed
 *                                                sessions
 *   bench_client PROTO count PORT CONC N         the same until N sessions are complete (for
 *                                                instruction counts, scripts/bench-instructions)
 *   bench_client PROTO idle PORT N [login]       N sessions that read the greeting (and log in),
 *                                                then print "ready" and hold them until stdin
 *                                                closes */
#include "bench_net.h"

#include "bench_dialogue.h"

#include <sys/epoll.h>
#include <sys/time.h>

static size_t read_line(int fd, char* line, size_t size) {
  size_t n = 0;
  char ch;
  while (n + 1 < size && recv(fd, &ch, 1, 0) == 1) {
    line[n++] = ch;
    if (ch == '\n') {
      break;
    }
  }
  line[n] = '\0';
  return n;
}

static void send_all(int fd, const char* text) {
  size_t len = strlen(text), done = 0;
  while (done < len) {
    ssize_t n = send(fd, text + done, len - done, MSG_NOSIGNAL);
    if (n <= 0) {
      perror("send");
      exit(1);
    }
    done += (size_t)n;
  }
}

/* Reads reply lines until one that is not skipped (the greeting never is); 0 if it lacks
 * `expect`. */
static int await_reply(int fd, const struct bench_protocol* p, const char* expect, char* line,
                       size_t size, int greeting) {
  do {
    if (read_line(fd, line, size) == 0) {
      return 0;
    }
  } while (!greeting && p->skip(line));
  return strncmp(line, expect, strlen(expect)) == 0;
}

/* Reads the greeting and runs the login steps; 0 on any unexpected reply. */
static int log_in(int fd, const struct bench_protocol* p, char* line, size_t size) {
  if (!await_reply(fd, p, p->greeting, line, size, 1)) {
    return 0;
  }
  for (int i = 0; i < p->login_steps; ++i) {
    send_all(fd, p->steps[i].send);
    if (!await_reply(fd, p, p->steps[i].expect, line, size, 0)) {
      return 0;
    }
  }
  return 1;
}

static int run_retr(const struct bench_protocol* p, int port) {
  char line[512];
  int fd = bench_connect(port, 0);
  if (p->relay_command == NULL || !log_in(fd, p, line, sizeof line)) {
    fprintf(stderr, "%s: no relay run or login failed: %s\n", p->name, line);
    return 1;
  }
  const double start = bench_now();
  send_all(fd, p->relay_command);
  static char buf[1 << 20];
  size_t total = 0;
  const size_t end_len = strlen(p->relay_end);
  char tail[32] = {0};
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    total += (size_t)n;
    for (ssize_t i = n > (ssize_t)end_len ? n - (ssize_t)end_len : 0; i < n; ++i) {
      memmove(tail, tail + 1, end_len - 1);
      tail[end_len - 1] = buf[i];
    }
    if (memcmp(tail, p->relay_end, end_len) == 0) {
      break;
    }
  }
  const double seconds = bench_now() - start;
  close(fd);
  printf("%zu %.6f\n", total, seconds);
  return 0;
}

struct client {
  int fd;
  int state; /* the step whose reply is awaited (-1: the greeting); past the last: EOF */
  size_t len;
  char in[1024];
};

static void open_client(int ep, struct client* c, int port, unsigned index) {
  c->fd = bench_connect(port, 1);
  c->state = -1;
  c->len = 0;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = index};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static int step_count(const struct bench_protocol* p) {
  int n = 0;
  while (p->steps[n].send != NULL) {
    ++n;
  }
  return n;
}

/* Runs for `seconds`, or (seconds < 0) until `limit` sessions are complete (10 minutes at most:
 * a proxy that stopped answering ends the run). */
static int run_logins(const struct bench_protocol* p, int port, int conc, double seconds,
                      long limit) {
  const int steps = step_count(p);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct client* clients = calloc((size_t)conc, sizeof *clients);
  for (int i = 0; i < conc; ++i) {
    open_client(ep, &clients[i], port, (unsigned)i);
  }
  long done = 0, started = conc;
  const double end = bench_now() + (seconds < 0 ? 600 : seconds);
  struct epoll_event events[256];
  while ((seconds >= 0 || done < limit) && bench_now() < end) {
    int n = epoll_wait(ep, events, 256, 100);
    for (int k = 0; k < n; ++k) {
      struct client* c = &clients[events[k].data.u32];
      ssize_t r = recv(c->fd, c->in + c->len, sizeof c->in - c->len - 1, 0);
      if (r < 0 && errno == EAGAIN) {
        continue;
      }
      if (r <= 0) {
        /* The closing command was sent: the server may close before or after its reply. */
        if (c->state < steps - 1) {
          c->in[c->len] = '\0';
          fprintf(stderr, "%s: unexpected close awaiting step %d: %s\n", p->name, c->state,
                  c->in);
          return 1;
        }
        close(c->fd);
        ++done;
        if (seconds < 0 && started >= limit) {
          continue; /* enough sessions started: this client stays closed */
        }
        ++started;
        open_client(ep, c, port, events[k].data.u32);
        continue;
      }
      c->len += (size_t)r;
      c->in[c->len] = '\0';
      char* start = c->in;
      char* eol;
      while ((eol = strstr(start, "\r\n")) != NULL) {
        *eol = '\0';
        const char* line = start;
        start = eol + 2;
        if (c->state >= steps || (c->state >= 0 && p->skip(line))) {
          continue;
        }
        const char* expect = c->state < 0 ? p->greeting : p->steps[c->state].expect;
        if (strncmp(line, expect, strlen(expect)) != 0) {
          fprintf(stderr, "%s: step %d answered: %s\n", p->name, c->state, line);
          return 1;
        }
        ++c->state;
        if (c->state < steps) {
          send_all(c->fd, p->steps[c->state].send);
        }
      }
      c->len -= (size_t)(start - c->in);
      memmove(c->in, start, c->len);
    }
  }
  printf("%ld\n", done);
  return 0;
}

static int run_idle(const struct bench_protocol* p, int port, int count, int login) {
  int* fds = calloc((size_t)count, sizeof *fds);
  char line[512];
  for (int i = 0; i < count; ++i) {
    int fd = bench_connect(port, 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const int ok = login ? log_in(fd, p, line, sizeof line)
                         : await_reply(fd, p, p->greeting, line, sizeof line, 1);
    if (!ok) {
      fprintf(stderr, "%s session %d: %s failed\n", p->name, i, login ? "login" : "greeting");
      return 1;
    }
    fds[i] = fd;
  }
  printf("ready\n");
  fflush(stdout);
  while (read(0, line, sizeof line) > 0) {
  }
  for (int i = 0; i < count; ++i) {
    close(fds[i]);
  }
  return 0;
}

int main(int argc, char** argv) {
  const struct bench_protocol* p = argc > 1 ? bench_find_protocol(argv[1]) : NULL;
  if (p == NULL || argc < 4) {
    fprintf(stderr, "usage: see the header of bench_client.c\n");
    return 2;
  }
  const int port = atoi(argv[3]);
  if (strcmp(argv[2], "retr") == 0) {
    return run_retr(p, port);
  }
  if (strcmp(argv[2], "logins") == 0 && argc == 6) {
    return run_logins(p, port, atoi(argv[4]), atof(argv[5]), 0);
  }
  if (strcmp(argv[2], "count") == 0 && argc == 6) {
    return run_logins(p, port, atoi(argv[4]), -1, atol(argv[5]));
  }
  if (strcmp(argv[2], "idle") == 0 && argc >= 5) {
    return run_idle(p, port, atoi(argv[4]), argc > 5 && strcmp(argv[5], "login") == 0);
  }
  fprintf(stderr, "usage: see the header of bench_client.c\n");
  return 2;
}
