/* The POP3 clients of scripts/bench-proxy.
 *
 *   bench_client retr PORT                 one login + RETR 1; prints "bytes seconds"
 *   bench_client logins PORT CONC SECONDS  CONC clients loop connect/USER/PASS/QUIT (one epoll
 *                                          loop); prints the number of completed logins
 *   bench_client idle PORT N [login]       N sessions that read the greeting (and log in), then
 *                                          print "ready" and hold them until stdin closes */
#include "bench_net.h"

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

static int run_retr(int port) {
  char line[512];
  int fd = bench_connect(port, 0);
  read_line(fd, line, sizeof line);
  send_all(fd, "USER bench\r\nPASS bench\r\n");
  read_line(fd, line, sizeof line);
  read_line(fd, line, sizeof line);
  if (strncmp(line, "+OK", 3) != 0) {
    fprintf(stderr, "login failed: %s\n", line);
    return 1;
  }
  const double start = bench_now();
  send_all(fd, "RETR 1\r\n");
  static char buf[1 << 20];
  size_t total = 0;
  char tail[5] = {0};
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    total += (size_t)n;
    for (ssize_t i = n > 5 ? n - 5 : 0; i < n; ++i) {
      memmove(tail, tail + 1, 4);
      tail[4] = buf[i];
    }
    if (memcmp(tail, "\r\n.\r\n", 5) == 0) {
      break;
    }
  }
  const double seconds = bench_now() - start;
  send_all(fd, "QUIT\r\n");
  close(fd);
  printf("%zu %.6f\n", total, seconds);
  return 0;
}

struct client {
  int fd;
  int state; /* 0 greeting, 1 USER reply, 2 PASS reply, 3 QUIT reply, then EOF */
  size_t len;
  char in[256];
};

static void open_client(int ep, struct client* c, int port, unsigned index) {
  c->fd = bench_connect(port, 1);
  c->state = 0;
  c->len = 0;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = index};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static int run_logins(int port, int conc, double seconds) {
  static const char* const next[] = {"USER bench\r\n", "PASS bench\r\n", "QUIT\r\n"};
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct client* clients = calloc((size_t)conc, sizeof *clients);
  for (int i = 0; i < conc; ++i) {
    open_client(ep, &clients[i], port, (unsigned)i);
  }
  long done = 0;
  const double end = bench_now() + seconds;
  struct epoll_event events[256];
  while (bench_now() < end) {
    int n = epoll_wait(ep, events, 256, 100);
    for (int k = 0; k < n; ++k) {
      struct client* c = &clients[events[k].data.u32];
      ssize_t r = recv(c->fd, c->in + c->len, sizeof c->in - c->len - 1, 0);
      if (r < 0 && errno == EAGAIN) {
        continue;
      }
      if (r <= 0) {
        if (c->state != 3) {
          c->in[c->len] = '\0';
          fprintf(stderr, "unexpected close in state %d: %s\n", c->state, c->in);
          return 1;
        }
        close(c->fd);
        ++done;
        open_client(ep, c, port, events[k].data.u32);
        continue;
      }
      c->len += (size_t)r;
      c->in[c->len] = '\0';
      char* start = c->in;
      char* eol;
      while ((eol = strstr(start, "\r\n")) != NULL) {
        if (c->state == 2 && strncmp(start, "+OK", 3) != 0) {
          *eol = '\0';
          fprintf(stderr, "login refused: %s\n", start);
          return 1;
        }
        start = eol + 2;
        if (c->state < 3) {
          send_all(c->fd, next[c->state]);
          ++c->state;
        }
      }
      c->len -= (size_t)(start - c->in);
      memmove(c->in, start, c->len);
    }
  }
  printf("%ld\n", done);
  return 0;
}

static int run_idle(int port, int count, int login) {
  int* fds = calloc((size_t)count, sizeof *fds);
  char line[512];
  for (int i = 0; i < count; ++i) {
    int fd = bench_connect(port, 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    read_line(fd, line, sizeof line);
    if (strncmp(line, "+OK", 3) != 0) {
      fprintf(stderr, "session %d: no greeting\n", i);
      return 1;
    }
    if (login) {
      send_all(fd, "USER bench\r\nPASS bench\r\n");
      read_line(fd, line, sizeof line);
      read_line(fd, line, sizeof line);
      if (strncmp(line, "+OK", 3) != 0) {
        fprintf(stderr, "session %d: login failed\n", i);
        return 1;
      }
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
  if (argc < 3) {
    fprintf(stderr, "usage: see the header of bench_client.c\n");
    return 2;
  }
  const int port = atoi(argv[2]);
  if (strcmp(argv[1], "retr") == 0) {
    return run_retr(port);
  }
  if (strcmp(argv[1], "logins") == 0 && argc == 5) {
    return run_logins(port, atoi(argv[3]), atof(argv[4]));
  }
  if (strcmp(argv[1], "idle") == 0 && argc >= 4) {
    return run_idle(port, atoi(argv[3]), argc > 4 && strcmp(argv[4], "login") == 0);
  }
  fprintf(stderr, "usage: see the header of bench_client.c\n");
  return 2;
}
