/* The auth_http stub of scripts/bench-proxy: every request (read up to its blank line) gets
 * Auth-Status OK and the address of its protocol's backend (by its Auth-Protocol header), then
 * the connection is closed, as an HTTP/1.0 server does.
 *
 *   bench_auth PORT POP3_BACKEND_PORT [IMAP_BACKEND_PORT SMTP_BACKEND_PORT] */
#include "bench_net.h"

#include <sys/epoll.h>

enum { k_max_fd = 1 << 17 };

struct conn {
  char in[2048];
  size_t in_len;
  size_t sent; /* of the reply; 0 until the request is complete */
  int replying;
  int protocol; /* index into replies */
};

static struct conn* conns[k_max_fd];
static const char* const protocols[] = {"pop3", "imap", "smtp"};
static char replies[3][256];
static size_t reply_lens[3];

static void drop(int fd) {
  close(fd);
  free(conns[fd]);
  conns[fd] = NULL;
}

/* 1: keep the connection, 0: close it. */
static int serve(int fd, struct conn* c) {
  while (!c->replying) {
    ssize_t r = recv(fd, c->in + c->in_len, sizeof c->in - c->in_len - 1, 0);
    if (r < 0 && errno == EAGAIN) {
      return 1;
    }
    if (r <= 0) {
      return 0;
    }
    c->in_len += (size_t)r;
    c->in[c->in_len] = '\0';
    if (strstr(c->in, "\r\n\r\n") != NULL) {
      c->replying = 1;
      for (int i = 0; i < 3; ++i) {
        char header[32];
        snprintf(header, sizeof header, "Auth-Protocol: %s\r\n", protocols[i]);
        if (strstr(c->in, header) != NULL) {
          c->protocol = i;
        }
      }
    } else if (c->in_len == sizeof c->in - 1) {
      return 0;
    }
  }
  const char* reply = replies[c->protocol];
  while (c->sent < reply_lens[c->protocol]) {
    ssize_t n = send(fd, reply + c->sent, reply_lens[c->protocol] - c->sent, MSG_NOSIGNAL);
    if (n < 0) {
      return errno == EAGAIN;
    }
    c->sent += (size_t)n;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) {
    fprintf(stderr, "usage: bench_auth PORT POP3_BACKEND_PORT [IMAP_BACKEND_PORT SMTP_BACKEND_PORT]\n");
    return 2;
  }
  for (int i = 0; i < 3; ++i) {
    reply_lens[i] = (size_t)snprintf(replies[i], sizeof replies[i],
                                     "HTTP/1.0 200 OK\r\nAuth-Status: OK\r\n"
                                     "Auth-Server: 127.0.0.1\r\nAuth-Port: %d\r\n\r\n",
                                     atoi(argv[argc == 5 ? 2 + i : 2]));
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
        }
        continue;
      }
      if (conns[fd] != NULL && !serve(fd, conns[fd])) {
        drop(fd);
      }
    }
  }
}
