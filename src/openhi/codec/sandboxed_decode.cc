#include "openhi/codec/sandboxed_decode.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "openhi/codec/internal/decode_protocol.h"

extern char** environ;

namespace openhi::codec {
namespace {

using Clock = std::chrono::steady_clock;
using internal::DecodeResponse;

constexpr char kHelperName[] = "openhi-decode-helper";
constexpr char kHelperEnv[] = "OPENHI_DECODE_HELPER";
constexpr size_t kMaxStderrBytes = 4096;

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// A spawned helper; the destructor kills and reaps it unless Wait() already did.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (!reaped_) {
      kill(pid_, SIGKILL);
      WaitBlocking();
    }
  }
  void Kill() {
    if (!reaped_) kill(pid_, SIGKILL);
  }
  // Reaps the child, waiting until `deadline`; false (child still running) after it. Waits on a
  // pidfd (Linux 5.3+) when there is one, else polls with growing naps.
  bool WaitUntil(Clock::time_point deadline) {
    if (!reaped_) {
      const Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid_, 0)));
      if (pidfd.open()) {
        pollfd p{pidfd.get(), POLLIN, 0};
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) == 0) return false;
      }
    }
    auto nap = std::chrono::microseconds(50);
    while (!reaped_) {
      const pid_t r = waitpid(pid_, &wait_status_, WNOHANG);
      if (r == pid_ || (r < 0 && errno != EINTR)) {
        reaped_ = true;
        break;
      }
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(nap);
      nap = std::min<std::chrono::microseconds>(nap * 2, std::chrono::milliseconds(10));
    }
    return true;
  }
  void WaitBlocking() {
    while (!reaped_) {
      if (waitpid(pid_, &wait_status_, 0) >= 0 || errno != EINTR) reaped_ = true;
    }
  }
  int wait_status() const { return wait_status_; }

 private:
  pid_t pid_;
  bool reaped_ = false;
  int wait_status_ = 0;
};

const std::string& ExecutableDir() {
  static const std::string dir = [] {
    std::array<char, PATH_MAX> buf{};
    const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
    if (n <= 0) return std::string();
    std::string path(buf.data(), static_cast<size_t>(n));
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
  }();
  return dir;
}

Result<std::string> HelperPath() {
  std::string path;
  const char* env = std::getenv(kHelperEnv);
  if (env != nullptr && *env != '\0') {
    path = env;
  } else if (!ExecutableDir().empty()) {
    path = ExecutableDir() + "/" + kHelperName;
  } else {
    return Internal(std::string("cannot locate ") + kHelperName +
                    ": /proc/self/exe is unreadable; set " + kHelperEnv);
  }
  if (access(path.c_str(), X_OK) != 0) {
    return Internal(std::string("the JPEG 2000 decode helper ") + path +
                    " is missing or not executable (" + std::strerror(errno) + "); build the " +
                    kHelperName + " target beside this binary or set " + kHelperEnv);
  }
  return path;
}

// Moves `fd` above the standard descriptors (a caller that closed stdin would otherwise get
// fd 0 from socketpair, and dup2(0, 0) would keep its close-on-exec flag).
Status AboveStdio(Fd* fd) {
  if (fd->get() > STDERR_FILENO) return Status::Ok();
  const int moved = fcntl(fd->get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  if (moved < 0) return Internal(std::string("fcntl: ") + std::strerror(errno));
  *fd = Fd(moved);
  return Status::Ok();
}

struct Pipes {
  Fd request, child_stdin;    // socketpair: send(MSG_NOSIGNAL) cannot raise SIGPIPE
  Fd response, child_stdout;  // pipe
  Fd diagnostics, child_stderr;
};

Result<Pipes> MakePipes() {
  Pipes p;
  int sv[2], out[2], err[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return Internal(std::string("socketpair: ") + std::strerror(errno));
  }
  p.request = Fd(sv[0]);
  p.child_stdin = Fd(sv[1]);
  if (pipe2(out, O_CLOEXEC) != 0) return Internal(std::string("pipe2: ") + std::strerror(errno));
  p.response = Fd(out[0]);
  p.child_stdout = Fd(out[1]);
  if (pipe2(err, O_CLOEXEC) != 0) return Internal(std::string("pipe2: ") + std::strerror(errno));
  p.diagnostics = Fd(err[0]);
  p.child_stderr = Fd(err[1]);
  for (Fd* fd : {&p.child_stdin, &p.child_stdout, &p.child_stderr}) {
    OPENHI_RETURN_IF_ERROR(AboveStdio(fd));
  }
  for (const Fd* fd : {&p.request, &p.response, &p.diagnostics}) {
    fcntl(fd->get(), F_SETFL, fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
  }
  return p;
}

// Starts the helper with the child ends of `p` as its stdin, stdout and stderr, default signal
// dispositions and an empty signal mask. posix_spawn, never fork(): the caller is multithreaded.
Result<pid_t> Spawn(const std::string& path, const Pipes& p) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, p.child_stdin.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, p.child_stdout.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, p.child_stderr.get(), STDERR_FILENO);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, path.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Internal("cannot start the JPEG 2000 decode helper " + path + ": " + std::strerror(rc));
  }
  return pid;
}

// What the helper sent back, assembled as it arrives.
class ResponseReader {
 public:
  // Consumes bytes; false when they cannot be a valid response.
  bool Consume(const std::byte* data, size_t n) {
    while (n > 0) {
      if (!header_done_) {
        const size_t take = std::min(n, header_.size() - header_size_);
        std::memcpy(header_.data() + header_size_, data, take);
        header_size_ += take;
        data += take;
        n -= take;
        if (header_size_ < header_.size()) return true;
        Result<DecodeResponse> parsed = internal::ParseResponseHeader(header_);
        if (!parsed.ok()) return false;
        response_ = *parsed;
        body_.resize(response_.body_length);
        header_done_ = true;
        continue;
      }
      if (n > body_.size() - body_size_) return false;
      std::memcpy(body_.data() + body_size_, data, n);
      body_size_ += n;
      n = 0;
    }
    return true;
  }
  bool complete() const { return header_done_ && body_size_ == body_.size(); }
  Result<Image> Take() {
    if (response_.code != StatusCode::kOk) {
      return Status(response_.code, std::string(AsStringView(body_)));
    }
    return Image{response_.desc, std::move(body_)};
  }

 private:
  std::array<std::byte, internal::kResponseHeaderBytes> header_{};
  size_t header_size_ = 0;
  bool header_done_ = false;
  DecodeResponse response_;
  Bytes body_;
  size_t body_size_ = 0;
};

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

Status HelperFailed(int wait_status, const std::string& diagnostics) {
  std::string why;
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    const char* abbrev = sigabbrev_np(sig);
    why = "the decoder crashed (signal " + std::to_string(sig) +
          (abbrev != nullptr ? std::string(", SIG") + abbrev : std::string()) + ")";
  } else {
    why = "the decoder exited without a valid response (exit status " +
          std::to_string(WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1) + ")";
  }
  const std::string said = FirstLine(diagnostics);
  return InvalidArgument("corrupt JPEG 2000 codestream: " + why +
                         (said.empty() ? "" : ": " + said));
}

}  // namespace

Result<Image> DecodeUntrusted(ByteView codestream, UntrustedCodec kind, uint8_t bytes_per_sample,
                              std::chrono::milliseconds deadline) {
  const Clock::time_point end = Clock::now() + deadline;
  internal::DecodeRequest request;
  request.codec =
      kind == UntrustedCodec::kHtj2k ? internal::WireCodec::kHtj2k : internal::WireCodec::kJ2k;
  request.bytes_per_sample = bytes_per_sample;
  request.payload_length = codestream.size();
  const auto header = internal::EncodeRequestHeader(request);
  OPENHI_RETURN_IF_ERROR(internal::ParseRequestHeader(header).status());  // validates arguments

  OPENHI_ASSIGN_OR_RETURN(const std::string path, HelperPath());
  OPENHI_ASSIGN_OR_RETURN(Pipes p, MakePipes());
  OPENHI_ASSIGN_OR_RETURN(const pid_t pid, Spawn(path, p));
  Child child(pid);
  p.child_stdin.Reset();
  p.child_stdout.Reset();
  p.child_stderr.Reset();

  // Request bytes still to send: the rest of the header, then the rest of the codestream.
  ByteView pending[2] = {header, codestream};
  ResponseReader reader;
  std::string diagnostics;
  bool valid = true;
  while (valid && (p.response.open() || p.diagnostics.open())) {
    if (p.request.open() && pending[0].empty() && pending[1].empty()) p.request.Reset();
    std::vector<pollfd> fds;
    if (p.request.open()) fds.push_back({p.request.get(), POLLOUT, 0});
    if (p.response.open()) fds.push_back({p.response.get(), POLLIN, 0});
    if (p.diagnostics.open()) fds.push_back({p.diagnostics.get(), POLLIN, 0});
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (left.count() <= 0) break;
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(left.count()) + 1);
    if (ready < 0 && errno != EINTR) return Internal(std::string("poll: ") + std::strerror(errno));
    for (const pollfd& f : fds) {
      if (f.revents == 0) continue;
      if (f.fd == p.request.get()) {
        ByteView& chunk = pending[0].empty() ? pending[1] : pending[0];
        const ssize_t sent = send(f.fd, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent > 0) {
          chunk = chunk.subspan(static_cast<size_t>(sent));
        } else if (sent < 0 && errno != EAGAIN && errno != EINTR) {
          p.request.Reset();  // EPIPE: the helper is gone; its exit status tells why
        }
        continue;
      }
      std::array<std::byte, 65536> buf;
      const ssize_t got = read(f.fd, buf.data(), buf.size());
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (f.fd == p.response.get()) {
        if (got <= 0) {
          p.response.Reset();
        } else {
          valid = reader.Consume(buf.data(), static_cast<size_t>(got));
        }
      } else if (got <= 0) {
        p.diagnostics.Reset();
      } else if (diagnostics.size() < kMaxStderrBytes) {
        diagnostics.append(
            reinterpret_cast<const char*>(buf.data()),
            std::min(static_cast<size_t>(got), kMaxStderrBytes - diagnostics.size()));
      }
    }
  }
  if (!valid) {
    return InvalidArgument("corrupt JPEG 2000 codestream: the decoder sent an invalid response");
  }
  if (p.response.open() || p.diagnostics.open() || !child.WaitUntil(end)) {
    child.Kill();
    child.WaitBlocking();
    return Status(StatusCode::kDeadlineExceeded, "JPEG 2000 decode did not finish within " +
                                                     std::to_string(deadline.count()) +
                                                     " ms; the decoder was stopped");
  }
  const int status = child.wait_status();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && reader.complete()) return reader.Take();
  return HelperFailed(status, diagnostics);
}

}  // namespace openhi::codec
