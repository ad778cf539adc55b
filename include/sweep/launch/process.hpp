// POSIX process plumbing for the launchers: spawning without a shell (each job
// in its own process group), waiting on pidfds, capturing a tool's output, and
// turning signals into bytes on a pipe so the wait loops can poll for them.
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace sweep {

/// @brief How to start a child: argv (argv[0] searched on PATH), where its output goes, where it runs.
struct spawn_options {
  std::vector<std::string> argv;
  std::filesystem::path cwd;          // empty: the parent's
  std::filesystem::path stdout_file;  // appended to; empty: inherit (or stdout_fd)
  std::filesystem::path stderr_file;
  int stdout_fd = -1;                 // dup'ed onto fd 1 when >= 0 (a pipe to capture output)
  int stderr_fd = -1;
  bool stdin_null = false;
  bool new_process_group = true;      // so the whole job tree can be signalled at once
  std::vector<std::string> env;       // extra "KEY=VALUE" entries
};

/// @brief Throws std::system_error for a failed POSIX call.
inline void check_errno(int rc, const char* what) {
  if (rc != 0) throw std::system_error(rc, std::generic_category(), what);
}

/// @brief Starts a child with posix_spawnp (no shell); signals the launcher handles are reset to default in it.
inline pid_t spawn(const spawn_options& o) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  check_errno(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
  check_errno(posix_spawnattr_init(&attr), "posix_spawnattr_init");
  struct cleanup {
    posix_spawn_file_actions_t* a;
    posix_spawnattr_t* b;
    ~cleanup() { posix_spawn_file_actions_destroy(a), posix_spawnattr_destroy(b); }
  } guard{&actions, &attr};
  constexpr int log_flags = O_WRONLY | O_CREAT | O_APPEND;
  if (o.stdin_null) check_errno(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), "addopen");
  if (!o.stdout_file.empty()) {
    check_errno(posix_spawn_file_actions_addopen(&actions, 1, o.stdout_file.c_str(), log_flags, 0644), "addopen");
  } else if (o.stdout_fd >= 0) {
    check_errno(posix_spawn_file_actions_adddup2(&actions, o.stdout_fd, 1), "adddup2");
  }
  if (!o.stderr_file.empty()) {
    check_errno(posix_spawn_file_actions_addopen(&actions, 2, o.stderr_file.c_str(), log_flags, 0644), "addopen");
  } else if (o.stderr_fd >= 0) {
    check_errno(posix_spawn_file_actions_adddup2(&actions, o.stderr_fd, 2), "adddup2");
  }
  if (!o.cwd.empty()) check_errno(posix_spawn_file_actions_addchdir_np(&actions, o.cwd.c_str()), "addchdir");
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (o.new_process_group) flags |= POSIX_SPAWN_SETPGROUP;
  check_errno(posix_spawnattr_setflags(&attr, flags), "posix_spawnattr_setflags");
  check_errno(posix_spawnattr_setpgroup(&attr, 0), "posix_spawnattr_setpgroup");
  sigset_t mask, defaults;
  sigemptyset(&mask);
  check_errno(posix_spawnattr_setsigmask(&attr, &mask), "posix_spawnattr_setsigmask");
  sigemptyset(&defaults);
  // The job wrapper ignores SIGTERM and the launcher catches INT/TERM/USR1: jobs must not inherit that.
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) sigaddset(&defaults, s);
  check_errno(posix_spawnattr_setsigdefault(&attr, &defaults), "posix_spawnattr_setsigdefault");

  std::vector<char*> argv;
  for (auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) envp.push_back(*e);
  for (auto& e : o.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  if (rc != 0) throw std::system_error(rc, std::generic_category(), fmt::format("cannot run '{}'", o.argv[0]));
  return pid;
}

/// @brief A pollable fd that becomes readable when `pid` exits (-1 where pidfd_open is missing).
inline int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

/// @brief A wait status as a shell reports it: the exit code, or 128 + the signal.
inline int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

/// @brief Waits for a child, retrying on EINTR; returns its exit code.
inline int wait_exit_code(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 255;
  }
  return exit_code(status);
}

/// @brief What a finished tool printed and how it ended.
struct captured {
  int code = 0;
  std::string out;
  std::string err;
};

/// @brief Runs a tool (no shell) and collects its stdout and stderr.
inline captured run_capture(const std::vector<std::string>& argv, std::vector<std::string> env = {}) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]), ::close(out_pipe[1]);
    throw std::system_error(errno, std::generic_category(), "pipe");
  }
  spawn_options o;
  o.argv = argv;
  o.stdout_fd = out_pipe[1];
  o.stderr_fd = err_pipe[1];
  o.stdin_null = true;
  o.new_process_group = false;
  o.env = std::move(env);
  pid_t pid = -1;
  try {
    pid = spawn(o);
  } catch (...) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    throw;
  }
  ::close(out_pipe[1]), ::close(err_pipe[1]);
  captured result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buf[4096];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      auto n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd), fds[i].fd = -1, --open_count;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  result.code = wait_exit_code(pid);
  return result;
}

/// @brief Write end of the active signal pipe (one signal_pipe at a time per process).
inline volatile int signal_pipe_fd = -1;

extern "C" inline void sweep_signal_to_pipe(int signo) {
  int saved = errno;
  unsigned char byte = static_cast<unsigned char>(signo);
  if (signal_pipe_fd >= 0) {
    auto n = ::write(signal_pipe_fd, &byte, 1);
    (void)n;  // a full pipe already holds a wake-up
  }
  errno = saved;
}

/// @brief While alive, the given signals are written as bytes to a pipe (read_fd() to poll) instead of their
/// usual action; `ignored` signals are ignored. The previous actions come back on destruction.
class signal_pipe {
 public:
  signal_pipe(std::vector<int> caught, std::vector<int> ignored = {}) {
    if (::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    signal_pipe_fd = fds_[1];
    struct sigaction action {};
    action.sa_handler = sweep_signal_to_pipe;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int s : caught) install(s, action);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    for (int s : ignored) install(s, ignore);
  }
  signal_pipe(const signal_pipe&) = delete;
  signal_pipe& operator=(const signal_pipe&) = delete;
  ~signal_pipe() {
    for (auto& [s, old] : saved_) ::sigaction(s, &old, nullptr);
    signal_pipe_fd = -1;
    ::close(fds_[0]), ::close(fds_[1]);
  }

  [[nodiscard]] int read_fd() const noexcept { return fds_[0]; }

  /// @brief The signals that arrived since the last call.
  std::vector<int> drain() const {
    std::vector<int> got;
    unsigned char buf[64];
    ssize_t n;
    while ((n = ::read(fds_[0], buf, sizeof buf)) > 0) got.insert(got.end(), buf, buf + n);
    return got;
  }

 private:
  void install(int s, const struct sigaction& action) {
    struct sigaction old {};
    ::sigaction(s, &action, &old);
    saved_.emplace_back(s, old);
  }
  int fds_[2] = {-1, -1};
  std::vector<std::pair<int, struct sigaction>> saved_;
};

}  // namespace sweep
