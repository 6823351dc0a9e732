// The client of scripts/bench/hold.sh: opens N concurrent HTTP/1.1 requests (one per
// connection, `Connection: close`), keeps them all open, then on SIGUSR1 renames a file
// (the EndpointSlice that makes the target ready) and records, on the wall clock, when
// the rename happened and when each response's first byte arrived.
//
// Build: g++ -std=c++20 -O2 -o build/bench/holdclient scripts/bench/holdclient.cpp
// Usage: holdclient --port P [--addr 127.0.0.1] [--host hold.local] [--count 10000]
//                   [--batch 500] [--rename FROM TO] [--arrivals FILE]
//                   [--connect-deadline 60] [--trigger-deadline 1200] [--response-deadline 60]
//
// stdout, one line each, as they happen:
//   sent <n> <failed>           every request written (or failed to connect); now waiting for SIGUSR1
//   rename <before_ns> <after_ns>  the rename, CLOCK_REALTIME just before and just after
//   done key=value ...          counts when every connection finished or the deadline passed
// --arrivals FILE gets "<first_byte_ns> <status>" for each response, CLOCK_REALTIME.
// Everything is bounded: the connect phase and the response phase each have a deadline.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace {

int64_t
now_ns(clockid_t clock = CLOCK_REALTIME)
{
  timespec ts{};
  clock_gettime(clock, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

enum class State { connecting, waiting, reading, done, failed };

struct Conn
{
  int fd = -1;
  State state = State::connecting;
  size_t written = 0;
  int64_t first_byte_ns = 0;
  int status = 0;
  std::string head; // the first bytes of the response, enough for the status line
};

struct Options
{
  std::string addr = "127.0.0.1";
  int port = 0;
  std::string host = "hold.local";
  int count = 10000;
  int batch = 500;
  std::string rename_from, rename_to;
  std::string arrivals;
  int connect_deadline_s = 60;
  int trigger_deadline_s = 1200; // for SIGUSR1, from the start
  int response_deadline_s = 60;
};

[[noreturn]] void
usage(const char* why)
{
  std::fprintf(stderr, "holdclient: %s\n", why);
  std::exit(2);
}

Options
parse(int argc, char** argv)
{
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage(("missing value for " + a).c_str());
      }
      return argv[++i];
    };
    if (a == "--addr") o.addr = next();
    else if (a == "--port") o.port = std::atoi(next().c_str());
    else if (a == "--host") o.host = next();
    else if (a == "--count") o.count = std::atoi(next().c_str());
    else if (a == "--batch") o.batch = std::atoi(next().c_str());
    else if (a == "--rename") { o.rename_from = next(); o.rename_to = next(); }
    else if (a == "--arrivals") o.arrivals = next();
    else if (a == "--connect-deadline") o.connect_deadline_s = std::atoi(next().c_str());
    else if (a == "--trigger-deadline") o.trigger_deadline_s = std::atoi(next().c_str());
    else if (a == "--response-deadline") o.response_deadline_s = std::atoi(next().c_str());
    else usage(("unknown argument " + a).c_str());
  }
  if (o.port <= 0 || o.count <= 0 || o.batch <= 0) {
    usage("--port, --count and --batch must be positive");
  }
  return o;
}

} // namespace

int
main(int argc, char** argv)
{
  const Options opt = parse(argc, argv);

  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < rlim_t(opt.count) + 64) {
    std::fprintf(stderr, "holdclient: RLIMIT_NOFILE %llu is too low for %d connections\n",
                 static_cast<unsigned long long>(lim.rlim_cur), opt.count);
    return 2;
  }

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (sfd < 0 || ep < 0) {
    std::perror("holdclient: signalfd/epoll");
    return 1;
  }
  epoll_event sev{};
  sev.events = EPOLLIN;
  sev.data.u64 = UINT64_MAX;
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &sev);

  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(opt.port));
  if (inet_pton(AF_INET, opt.addr.c_str(), &sa.sin_addr) != 1) {
    usage("bad --addr");
  }
  const std::string request = "GET /held HTTP/1.1\r\nHost: " + opt.host
                              + "\r\nUser-Agent: kedahttp-holdclient\r\nConnection: close\r\n\r\n";

  std::vector<Conn> conns(size_t(opt.count));
  int open_in_flight = 0; // connecting or writing
  int next = 0;
  int sent = 0, failed = 0, finished = 0, early = 0;
  std::map<std::string, int> errors;
  bool triggered = false;
  int64_t rename_before = 0, rename_after = 0;
  bool announced = false;

  auto fail = [&](Conn& c, const std::string& why) {
    if (c.state == State::connecting) {
      --open_in_flight;
    }
    ++errors[why];
    c.state = State::failed;
    if (c.fd >= 0) {
      epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
      close(c.fd);
      c.fd = -1;
    }
    ++failed;
    ++finished;
  };

  auto open_one = [&](int i) {
    Conn& c = conns[size_t(i)];
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      fail(c, std::string("socket: ") + std::strerror(errno));
      return;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++open_in_flight;
    if (connect(c.fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) < 0 && errno != EINPROGRESS) {
      fail(c, std::string("connect: ") + std::strerror(errno));
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = uint64_t(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  };

  auto on_event = [&](int i, uint32_t events) {
    Conn& c = conns[size_t(i)];
    if (c.state == State::connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        fail(c, std::string("connect: ") + std::strerror(err));
        return;
      }
      while (c.written < request.size()) {
        const ssize_t n = ::send(c.fd, request.data() + c.written, request.size() - c.written, MSG_NOSIGNAL);
        if (n < 0) {
          if (errno == EAGAIN) {
            return; // wait for EPOLLOUT again
          }
          fail(c, std::string("send: ") + std::strerror(errno));
          return;
        }
        c.written += size_t(n);
      }
      c.state = State::waiting;
      --open_in_flight;
      ++sent;
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.u64 = uint64_t(i);
      epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
      if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) {
        return;
      }
    }
    if (c.state != State::waiting && c.state != State::reading) {
      return;
    }
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        if (c.state == State::waiting) {
          c.first_byte_ns = now_ns();
          c.state = State::reading;
          if (!triggered) {
            ++early;
          }
        }
        if (c.head.size() < 64) {
          c.head.append(buf, size_t(std::min<ssize_t>(n, 64)));
          if (c.status == 0 && c.head.size() >= 12 && c.head.compare(0, 5, "HTTP/") == 0) {
            c.status = std::atoi(c.head.c_str() + 9);
          }
        }
        continue;
      }
      if (n == 0) { // EOF: the response is complete (Connection: close)
        if (c.state == State::waiting) {
          fail(c, "closed without a response");
          return;
        }
        c.state = State::done;
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        close(c.fd);
        c.fd = -1;
        ++finished;
        return;
      }
      if (errno == EAGAIN) {
        return;
      }
      if (c.state == State::reading) { // a reset after the response: still a response
        c.state = State::done;
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        close(c.fd);
        c.fd = -1;
        ++finished;
        ++errors[std::string("recv after response: ") + std::strerror(errno)];
        return;
      }
      fail(c, std::string("recv: ") + std::strerror(errno));
      return;
    }
  };

  const int64_t start_mono = now_ns(CLOCK_MONOTONIC);
  int64_t response_deadline = INT64_MAX;
  std::vector<epoll_event> events(1024);
  for (;;) {
    // Open the next batch once the previous one has connected and written its requests.
    while (next < opt.count && open_in_flight == 0) {
      const int end = std::min(opt.count, next + opt.batch);
      for (; next < end; ++next) {
        open_one(next);
      }
    }
    if (!announced && next == opt.count && open_in_flight == 0) {
      announced = true;
      std::printf("sent %d %d\n", sent, failed);
      std::fflush(stdout);
    }
    if (triggered && finished == opt.count) {
      break;
    }
    const int64_t mono = now_ns(CLOCK_MONOTONIC);
    if (!announced && mono - start_mono > int64_t(opt.connect_deadline_s) * 1000000000) {
      std::fprintf(stderr, "holdclient: connect deadline passed (%d sent, %d in flight)\n", sent, open_in_flight);
      break;
    }
    if (mono > response_deadline) {
      std::fprintf(stderr, "holdclient: response deadline passed\n");
      break;
    }
    if (!triggered && mono - start_mono > int64_t(opt.trigger_deadline_s) * 1000000000) {
      std::fprintf(stderr, "holdclient: no SIGUSR1 in time\n");
      break;
    }
    const int n = epoll_wait(ep, events.data(), int(events.size()), 100);
    for (int k = 0; k < n; ++k) {
      if (events[size_t(k)].data.u64 == UINT64_MAX) {
        signalfd_siginfo si{};
        while (read(sfd, &si, sizeof si) == ssize_t(sizeof si)) {
        }
        if (!triggered) {
          triggered = true;
          if (!opt.rename_from.empty()) {
            rename_before = now_ns();
            if (std::rename(opt.rename_from.c_str(), opt.rename_to.c_str()) != 0) {
              std::perror("holdclient: rename");
            }
            rename_after = now_ns();
          } else {
            rename_before = rename_after = now_ns();
          }
          std::printf("rename %lld %lld\n", static_cast<long long>(rename_before),
                      static_cast<long long>(rename_after));
          std::fflush(stdout);
          response_deadline = now_ns(CLOCK_MONOTONIC) + int64_t(opt.response_deadline_s) * 1000000000;
        }
        continue;
      }
      on_event(int(events[size_t(k)].data.u64), events[size_t(k)].events);
    }
  }

  int responses = 0, ok = 0, pending = 0;
  std::map<int, int> statuses;
  FILE* out = opt.arrivals.empty() ? nullptr : std::fopen(opt.arrivals.c_str(), "w");
  for (Conn& c : conns) {
    if (c.first_byte_ns) {
      ++responses;
      ++statuses[c.status];
      ok += c.status == 200;
      if (out) {
        std::fprintf(out, "%lld %d\n", static_cast<long long>(c.first_byte_ns), c.status);
      }
    } else if (c.state == State::waiting || c.state == State::connecting) {
      ++pending;
    }
    if (c.fd >= 0) {
      close(c.fd);
    }
  }
  if (out) {
    std::fclose(out);
  }
  std::printf("done count=%d sent=%d responses=%d ok=%d early=%d pending=%d failed=%d", opt.count, sent, responses,
              ok, early, pending, failed);
  for (const auto& [status, n] : statuses) {
    std::printf(" status_%d=%d", status, n);
  }
  std::printf("\n");
  for (const auto& [why, n] : errors) {
    std::printf("error %d %s\n", n, why.c_str());
  }
  std::fflush(stdout);
  return ok == opt.count ? 0 : 1;
}
