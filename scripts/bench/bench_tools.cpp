// Load tools for scripts/bench-proxy, built by it with g++ -O2 (no dependencies): a POP3 backend,
// an auth_http stub and the clients, all epoll-driven so that none of them is the bottleneck.
//
//   bench_tools backend PORT SIZE          USER/PASS accept anything; RETR n sends SIZE bytes
//   bench_tools auth PORT BACKEND_PORT     answers every request with Auth-Status OK
//   bench_tools retr PORT                  one login + RETR 1; prints "bytes seconds"
//   bench_tools logins PORT CONC SECONDS   CONC clients loop connect/USER/PASS/QUIT; prints count
//   bench_tools idle PORT N [login]        N sessions that read the greeting (and log in), then
//                                          print "ready" and hold them until stdin closes

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (sockaddr*)&a, sizeof a) != 0 || listen(fd, 4096) != 0) {
    perror("bind/listen");
    exit(1);
  }
  return fd;
}

int connect_to(int port, bool nonblock) {
  int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (sockaddr*)&a, sizeof a) != 0 && errno != EINPROGRESS) {
    perror("connect");
    exit(1);
  }
  return fd;
}

struct Conn {
  std::string in;
  std::string out;
  size_t big_sent = 0;  // bytes of the big message sent
  bool big = false;
  bool close_after = false;
};

// A line-based server loop: `reply` maps one request line (or the whole HTTP header for auth)
// to the bytes to send.
template <class OnData>
void serve(int lfd, OnData on_data, const std::string& greeting, const char* big_data,
           size_t big_size) {
  int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  std::unordered_map<int, Conn> conns;
  std::vector<epoll_event> events(1024);
  char buf[65536];
  std::function<bool(int, Conn&)> flush = [&](int fd, Conn& c) -> bool {
    while (!c.out.empty()) {
      ssize_t n = send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0) {
        return errno == EAGAIN;
      }
      c.out.erase(0, n);
    }
    while (c.big && c.big_sent < big_size) {
      ssize_t n = send(fd, big_data + c.big_sent, big_size - c.big_sent, MSG_NOSIGNAL);
      if (n < 0) {
        return errno == EAGAIN;
      }
      c.big_sent += n;
    }
    if (c.big && c.big_sent == big_size) {
      c.big = false;
      c.out = ".\r\n";
      return flush(fd, c);
    }
    if (c.close_after) {
      return false;
    }
    return true;
  };
  for (;;) {
    int n = epoll_wait(ep, events.data(), events.size(), -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        for (;;) {
          int c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK);
          if (c < 0) {
            break;
          }
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLOUT | EPOLLET;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          Conn& conn = conns[c];
          conn.out = greeting;
          if (!flush(c, conn)) {
            close(c);
            conns.erase(c);
          }
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) {
        continue;
      }
      Conn& c = it->second;
      bool alive = true;
      if (events[i].events & EPOLLIN) {
        for (;;) {
          ssize_t r = recv(fd, buf, sizeof buf, 0);
          if (r > 0) {
            c.in.append(buf, r);
            on_data(c);
            continue;
          }
          if (r == 0 || errno != EAGAIN) {
            alive = false;
          }
          break;
        }
      }
      if (alive) {
        alive = flush(fd, c);
      }
      if (!alive) {
        close(fd);
        conns.erase(it);
      }
    }
  }
}

int run_backend(int port, size_t size) {
  std::string message(size, 'x');
  for (size_t i = 78; i < size; i += 80) {
    message[i] = '\r';
    message[i + 1] = '\n';
  }
  message[size - 2] = '\r';
  message[size - 1] = '\n';
  const std::string header = "+OK " + std::to_string(size) + " octets\r\n";
  serve(
      listen_on(port),
      [&](Conn& c) {
        size_t eol;
        while ((eol = c.in.find('\n')) != std::string::npos) {
          std::string line = c.in.substr(0, eol);
          c.in.erase(0, eol + 1);
          if (line.rfind("RETR", 0) == 0) {
            c.out += header;
            c.big = true;
            c.big_sent = 0;
          } else if (line.rfind("QUIT", 0) == 0) {
            c.out += "+OK bye\r\n";
            c.close_after = true;
          } else if (line.rfind("PASS", 0) == 0) {
            c.out += "+OK logged in\r\n";
          } else {
            c.out += "+OK\r\n";
          }
        }
      },
      "+OK bench backend ready\r\n", message.data(), message.size());
  return 0;
}

int run_auth(int port, int backend_port) {
  const std::string reply = "HTTP/1.0 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 127.0.0.1\r\n"
                            "Auth-Port: " + std::to_string(backend_port) + "\r\n\r\n";
  serve(
      listen_on(port),
      [&](Conn& c) {
        if (c.in.find("\r\n\r\n") != std::string::npos) {
          c.out = reply;
          c.close_after = true;
          c.in.clear();
        }
      },
      "", nullptr, 0);
  return 0;
}

// Blocking helpers for the single-stream RETR measurement.
std::string read_line(int fd) {
  std::string s;
  char ch;
  while (recv(fd, &ch, 1, 0) == 1) {
    s += ch;
    if (ch == '\n') {
      break;
    }
  }
  return s;
}

int run_retr(int port) {
  int fd = connect_to(port, false);
  read_line(fd);
  const char* login = "USER bench\r\nPASS bench\r\n";
  send(fd, login, strlen(login), 0);
  read_line(fd);
  std::string pass = read_line(fd);
  if (pass.rfind("+OK", 0) != 0) {
    fprintf(stderr, "login failed: %s\n", pass.c_str());
    return 1;
  }
  const auto start = Clock::now();
  send(fd, "RETR 1\r\n", 8, 0);
  std::vector<char> buf(1 << 20);
  size_t total = 0;
  char tail[5] = {};
  for (;;) {
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) {
      break;
    }
    total += n;
    for (ssize_t i = std::max<ssize_t>(0, n - 5); i < n; ++i) {
      memmove(tail, tail + 1, 4);
      tail[4] = buf[i];
    }
    if (memcmp(tail, "\r\n.\r\n", 5) == 0) {
      break;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  send(fd, "QUIT\r\n", 6, 0);
  close(fd);
  printf("%zu %.6f\n", total, seconds);
  return 0;
}

// CONC state machines: 0 greeting, 1 USER reply, 2 PASS reply, 3 QUIT reply/EOF.
int run_logins(int port, int conc, double seconds) {
  int ep = epoll_create1(0);
  struct Client {
    int fd = -1;
    int state = 0;
    std::string in;
  };
  std::vector<Client> clients(conc);
  auto open_client = [&](int i) {
    clients[i].fd = connect_to(port, true);
    clients[i].state = 0;
    clients[i].in.clear();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, clients[i].fd, &ev);
  };
  for (int i = 0; i < conc; ++i) {
    open_client(i);
  }
  long done = 0;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<epoll_event> events(256);
  char buf[4096];
  while (Clock::now() < end) {
    int n = epoll_wait(ep, events.data(), events.size(), 100);
    for (int k = 0; k < n; ++k) {
      Client& c = clients[events[k].data.u32];
      ssize_t r = recv(c.fd, buf, sizeof buf, 0);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) {
          continue;
        }
        if (c.state != 3) {
          fprintf(stderr, "unexpected close in state %d: %s\n", c.state, c.in.c_str());
          return 1;
        }
        close(c.fd);
        ++done;
        open_client(events[k].data.u32);
        continue;
      }
      c.in.append(buf, r);
      while (c.in.find("\r\n") != std::string::npos) {
        std::string line = c.in.substr(0, c.in.find("\r\n"));
        c.in.erase(0, line.size() + 2);
        const char* next = nullptr;
        if (c.state == 0) {
          next = "USER bench\r\n";
        } else if (c.state == 1) {
          next = "PASS bench\r\n";
        } else if (c.state == 2) {
          if (line.rfind("+OK", 0) != 0) {
            fprintf(stderr, "login refused: %s\n", line.c_str());
            return 1;
          }
          next = "QUIT\r\n";
        } else {
          continue;
        }
        ++c.state;
        send(c.fd, next, strlen(next), MSG_NOSIGNAL);
      }
    }
  }
  printf("%ld\n", done);
  return 0;
}

int run_idle(int port, int count, bool login) {
  std::vector<int> fds;
  char buf[512];
  for (int i = 0; i < count; ++i) {
    int fd = connect_to(port, false);
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string greeting = read_line(fd);
    if (greeting.rfind("+OK", 0) != 0) {
      fprintf(stderr, "session %d: no greeting\n", i);
      return 1;
    }
    if (login) {
      const char* l = "USER bench\r\nPASS bench\r\n";
      send(fd, l, strlen(l), 0);
      read_line(fd);
      if (read_line(fd).rfind("+OK", 0) != 0) {
        fprintf(stderr, "session %d: login failed\n", i);
        return 1;
      }
    }
    fds.push_back(fd);
  }
  printf("ready\n");
  fflush(stdout);
  while (read(0, buf, sizeof buf) > 0) {
  }
  for (int fd : fds) {
    close(fd);
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: see the header of bench_tools.cpp\n");
    return 2;
  }
  const std::string mode = argv[1];
  const int port = atoi(argv[2]);
  if (mode == "backend") {
    return run_backend(port, strtoull(argv[3], nullptr, 10));
  }
  if (mode == "auth") {
    return run_auth(port, atoi(argv[3]));
  }
  if (mode == "retr") {
    return run_retr(port);
  }
  if (mode == "logins") {
    return run_logins(port, atoi(argv[3]), atof(argv[4]));
  }
  if (mode == "idle") {
    return run_idle(port, atoi(argv[3]), argc > 4 && std::string(argv[4]) == "login");
  }
  return 2;
}
