/* The POP3 backend of scripts/bench-proxy: one epoll loop, edge-triggered. USER and PASS accept
 * anything, RETR n sends a SIZE-byte message (80-byte CRLF lines) and its terminator, QUIT says
 * +OK and closes.
 *
 *   bench_backend PORT SIZE */
#include "bench_net.h"

#include <sys/epoll.h>

enum { k_max_fd = 1 << 17 };

struct conn {
  char in[512];
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
    queue(c, ".\r\n");
  }
}

static void on_line(struct conn* c, const char* line) {
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
  if (argc != 3) {
    fprintf(stderr, "usage: bench_backend PORT SIZE\n");
    return 2;
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
  snprintf(header, sizeof header, "+OK %zu octets\r\n", message_size);

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
          queue(conns[c], "+OK bench backend ready\r\n");
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
