// POSIX process plumbing for the launchers: spawning without a shell (each job
// in its own process group, dying with its launcher), waiting on pidfds,
// capturing a tool's output, and turning signals into bytes on a pipe so the
// wait loops can poll for them.
#pragma once

#include <sweep/base/files.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
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
  bool die_with_parent = false;       // SIGKILLed when this process dies (a launcher's jobs)
  std::vector<std::string> env;       // extra "KEY=VALUE" entries
};

/// @brief A wait status as a shell reports it: the exit code, or 128 + the signal.
inline int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

/// @brief Waits for a child, retrying on EINTR; returns its wait status (255 << 8, exit 255, if it cannot).
inline int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 255 << 8;
  }
  return status;
}

/// @brief Waits for a child, retrying on EINTR; returns its exit code.
inline int wait_exit_code(pid_t pid) { return exit_code(wait_status(pid)); }

namespace detail {

/// @brief In a forked child, before exec: only async-signal-safe calls. Returns the errno of what failed.
inline int prepare_child(const spawn_options& o, pid_t parent, const char* argv0, char* const* argv, char* const* envp) {
  if (o.new_process_group && ::setpgid(0, 0) != 0) return errno;
  if (o.die_with_parent) {
    // SIGKILL when the launcher dies, however it dies (SIGKILL included); a launcher that died before
    // this line is no longer our parent, and the child must not run unsupervised either.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return errno;
    if (::getppid() != parent) return ESRCH;
  }
  // The launcher catches INT/TERM/HUP and ignores PIPE; a job starts with the default actions, nothing blocked.
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) ::sigaction(s, &action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  auto redirect = [](int target, const char* file, int flags, int fd) {  // file: null or empty for none
    if (file != nullptr && *file != '\0') {
      fd = ::open(file, flags | O_CLOEXEC, 0644);
      if (fd < 0) return errno;
    }
    if (fd >= 0 && ::dup2(fd, target) < 0) return errno;  // dup2 clears FD_CLOEXEC on the copy
    return 0;
  };
  constexpr int log_flags = O_WRONLY | O_CREAT | O_APPEND;
  if (int e = o.stdin_null ? redirect(0, "/dev/null", O_RDONLY, -1) : 0; e != 0) return e;
  if (int e = redirect(1, o.stdout_file.c_str(), log_flags, o.stdout_fd); e != 0) return e;
  if (int e = redirect(2, o.stderr_file.c_str(), log_flags, o.stderr_fd); e != 0) return e;
  if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) return errno;
  ::execvpe(argv0, argv, envp);
  return errno;
}

}  // namespace detail

/// @brief Starts a child (argv[0] searched on PATH, no shell) with fork and exec, so that it can be tied
/// to this process's life (die_with_parent), which posix_spawn cannot do. The child's failure to start
/// (program missing, a log file it cannot open) is reported here, as an exception.
inline pid_t spawn(const spawn_options& o) {
  // Everything the child needs is made before the fork: after it, the child may not allocate.
  std::vector<char*> argv;
  for (auto& a : o.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // Ours replace inherited ones of the same name (programs disagree on which of two entries counts).
  std::vector<char*> envp;
  auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    bool replaced = std::any_of(o.env.begin(), o.env.end(), [&](auto& ours) { return name_of(ours) == name_of(*e); });
    if (!replaced) envp.push_back(*e);
  }
  for (auto& e : o.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int report[2];  // the child's errno if it cannot exec; closed by a successful exec
  if (::pipe2(report, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    int e = detail::prepare_child(o, parent, argv[0], argv.data(), envp.data());
    auto n = ::write(report[1], &e, sizeof e);
    (void)n;
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    throw std::system_error(fork_errno, std::generic_category(), fmt::format("cannot run '{}'", o.argv[0]));
  }
  if (o.new_process_group) ::setpgid(pid, pid);  // also here, so the group exists before anyone signals it
  int child_errno = 0;
  ssize_t n;
  while ((n = ::read(report[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  if (n > 0) {
    wait_exit_code(pid);
    throw std::system_error(child_errno, std::generic_category(), fmt::format("cannot run '{}'", o.argv[0]));
  }
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

/// @brief What /proc/PID/stat says of a live process: its state letter, process group, and start time in
/// clock ticks after boot (with the pid, the start time names one process: a pid is reused only later).
struct process_stat {
  char state = '?';
  long group = 0;
  unsigned long long start = 0;
};

/// @brief Process `pid`'s stat line; empty when there is no such process.
inline std::optional<process_stat> read_process_stat(long pid) {
  std::string text;
  if (pid <= 0 || !read_file_into(fmt::format("/proc/{}/stat", pid), text)) return std::nullopt;
  auto paren = text.rfind(')');  // the command name before it may hold spaces and parentheses
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(paren + 1));
  process_stat st;
  long skip = 0;
  if (!(fields >> st.state >> skip >> st.group)) return std::nullopt;  // fields 3-5
  for (int i = 6; i < 22; ++i) fields >> skip;
  if (!(fields >> st.start)) return std::nullopt;  // field 22
  return st;
}

/// @brief Whether any process of group `group` still runs here. Zombies do not count: a launcher's
/// orphaned children are reaped by whoever adopts them, which may be late or never in a container.
inline bool group_has_live_members(long group) {
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto st = read_process_stat(std::strtol(name.c_str(), nullptr, 10));
    if (st && st->group == group && st->state != 'Z' && st->state != 'X') return true;
  }
  return false;
}

/// @brief This machine's host name.
inline std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

/// @brief A process as a launcher records it (a job's RUNNING file): enough to find it again, and to
/// tell it from a later process that got its pid.
struct process_identity {
  long pid = 0;
  unsigned long long start = 0;  // process_stat::start
  std::string host;

  /// @brief This process's child `pid`, just started.
  static process_identity of(long pid) {
    auto st = read_process_stat(pid);
    return {pid, st ? st->start : 0, host_name()};
  }

  /// @brief Whether processes of its group (its own or those it started) still run on this machine
  /// (false for another host's: no way to tell). Its pid alive with another start time is a later
  /// process, so the group is gone: a group's id is never given to a new process while a member lives.
  [[nodiscard]] bool group_alive() const {
    if (pid <= 1 || host != host_name()) return false;
    if (auto st = read_process_stat(pid); st && st->start != start) return false;
    return group_has_live_members(pid);
  }
};

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
