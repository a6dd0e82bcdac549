#include "openhi/objstore/internal/s3_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace openhi::objstore::internal {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string ReadTail(const std::string& path, size_t max_bytes = 3000) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max_bytes ? "..." + s.substr(s.size() - max_bytes) : s;
}

bool TcpAnswers(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

// Gone, or a zombie nobody reaps (daemons re-parented to a PID 1 that does not wait).
bool ProcessGone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = s.rfind(')');
  return paren != std::string::npos && paren + 2 < s.size() && s[paren + 2] == 'Z';
}

// fork+exec of `argv` with `extra_env` added, stdout and stderr to `log`, in its own process
// group. Everything the child needs is built before fork (the child only calls exec-safe code).
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                    const std::string& log) {
  std::vector<std::string> env_storage = extra_env;
  for (char** e = environ; *e; ++e) env_storage.emplace_back(*e);
  std::vector<char*> envp, args;
  for (auto& s : env_storage) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (const auto& s : argv) args.push_back(const_cast<char*>(s.c_str()));
  args.push_back(nullptr);
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Internal("cannot create " + log);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    return Internal("fork failed");
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::execvpe(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(fd);
  return pid;
}

// Waits for child `pid` to exit, up to `timeout`. Returns its exit status, or -1 on timeout.
int WaitChild(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int st = 0;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (r < 0) return -2;
    if (Clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void KillGroup(pid_t group) {
  ::kill(-group, SIGTERM);
  if (WaitChild(group, std::chrono::seconds(5)) == -1) {
    ::kill(-group, SIGKILL);
    WaitChild(group, std::chrono::seconds(5));
  }
}

bool CanBind(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

// The first of `count` consecutive ports that can all be bound on 127.0.0.1 now, at random in
// [20000, 32000): below Linux's default ephemeral range (32768-60999), so that the client side of
// other connections does not take them between this check and the server's bind.
Result<int> PickPorts(int count) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  std::uniform_int_distribution<int> pick(20000, 32000 - count);
  for (int i = 0; i < 200; ++i) {
    const int p = pick(rng);
    bool free = true;
    for (int k = 0; k < count && free; ++k) free = CanBind(p + k);
    if (free) return p;
  }
  return Unavailable("no free loopback port in 20000-32000");
}

// The s3-radosgw-start folders (mktemp /tmp/openhi-ceph.XXXXXX) that exist now.
std::vector<fs::path> CephDirs() {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator("/tmp", ec)) {
    if (d.path().filename().string().starts_with("openhi-ceph.")) out.push_back(d.path());
  }
  return out;
}

// The folder(s) s3-radosgw-start made for a radosgw on `rgw_port`, excluding those in `before`
// (so that a stale folder of an earlier run never gets its PIDs signalled).
std::vector<fs::path> NewCephDirsFor(int rgw_port, const std::vector<fs::path>& before) {
  std::vector<fs::path> out;
  const std::string needle = "endpoint=127.0.0.1:" + std::to_string(rgw_port) + "\n";
  for (const auto& d : CephDirs()) {
    if (std::find(before.begin(), before.end(), d) != before.end()) continue;
    std::ifstream conf(d / "ceph.conf");
    std::string text((std::istreambuf_iterator<char>(conf)), std::istreambuf_iterator<char>());
    if (text.find(needle) != std::string::npos) out.push_back(d);
  }
  return out;
}

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

Result<int> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Internal("socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return Internal("bind to 127.0.0.1:0 failed");
  }
  ::close(fd);
  return static_cast<int>(ntohs(a.sin_port));
}

Result<std::unique_ptr<TestS3Server>> TestS3Server::StartMoto() {
  Status last;
  for (int attempt = 1; attempt <= 3; ++attempt) {  // a port taken meanwhile: try another
    auto r = StartMotoOnce();
    if (r.ok()) return r;
    last = r.status();
    if (last.message().find("already in use") == std::string::npos) break;
  }
  return last;
}

Result<std::unique_ptr<TestS3Server>> TestS3Server::StartMotoOnce() {
  const auto t0 = Clock::now();
  OPENHI_ASSIGN_OR_RETURN(int port, PickPorts(1));
  std::unique_ptr<TestS3Server> server(new TestS3Server());
  const std::string dir = fs::temp_directory_path() / ("openhi-moto." + std::to_string(port));
  fs::create_directories(dir);
  server->dirs_.push_back(dir);
  const std::string log = dir + "/moto.log";
  OPENHI_ASSIGN_OR_RETURN(server->child_group_, Spawn({"python3", "-m", "moto.server", "-H",
                                                       "127.0.0.1", "-p", std::to_string(port)},
                                                      {"PYTHONUNBUFFERED=1"}, log));
  const auto deadline = t0 + std::chrono::seconds(60);
  while (!TcpAnswers(port)) {
    int st = WaitChild(server->child_group_, std::chrono::milliseconds(100));
    if (st != -1) {
      server->child_group_ = 0;
      return Unavailable("moto exited with status " + std::to_string(st) + ": " + ReadTail(log));
    }
    if (Clock::now() > deadline) {
      return Unavailable("moto did not listen within 60 s: " + ReadTail(log));
    }
  }
  server->config_.endpoint = "http://127.0.0.1:" + std::to_string(port);
  server->config_.access_key_id = "testing";
  server->config_.secret_access_key = "testing";
  server->startup_seconds_ = SecondsSince(t0);
  return server;
}

Result<std::unique_ptr<TestS3Server>> TestS3Server::StartRadosgw(const std::string& script) {
  if (!fs::exists(script)) return Unavailable("no radosgw start script at " + script);
  for (const char* tool :
       {"/usr/bin/radosgw", "/usr/bin/ceph-mon", "/usr/bin/ceph-osd", "/usr/bin/uuidgen"}) {
    if (!fs::exists(tool)) {
      return Unavailable(std::string("missing ") + tool +
                         ": apt-get install radosgw ceph-mon ceph-osd uuid-runtime "
                         "(scripts/setup-debian.sh)");
    }
  }
  Status last;
  for (int attempt = 1; attempt <= 3; ++attempt) {  // a port taken meanwhile: try others
    auto r = StartRadosgwOnce(script);
    if (r.ok()) return r;
    last = r.status();
    if (last.message().find("already in use") == std::string::npos) break;
  }
  return last;
}

Result<std::unique_ptr<TestS3Server>> TestS3Server::StartRadosgwOnce(const std::string& script) {
  const auto t0 = Clock::now();
  OPENHI_ASSIGN_OR_RETURN(int rgw_port, PickPorts(1));
  int mon_port = 0;  // the monitor takes mon_port (msgr v1) and mon_port + 1 (v2)
  for (int i = 0; i < 20 && mon_port == 0; ++i) {
    OPENHI_ASSIGN_OR_RETURN(int p, PickPorts(2));
    if (p != rgw_port && p + 1 != rgw_port) mon_port = p;
  }
  if (mon_port == 0) return Unavailable("no free port pair for the Ceph monitor");
  std::unique_ptr<TestS3Server> server(new TestS3Server());
  const std::string dir = fs::temp_directory_path() / ("openhi-rgw." + std::to_string(rgw_port));
  fs::create_directories(dir);
  server->dirs_.push_back(dir);
  const std::string out = dir + "/start.out";
  const std::vector<fs::path> dirs_before = CephDirs();
  OPENHI_ASSIGN_OR_RETURN(
      pid_t script_pid,
      Spawn({"/bin/bash", script},
            {"RGW_PORT=" + std::to_string(rgw_port), "MON_PORT=" + std::to_string(mon_port)}, out));
  const int st = WaitChild(script_pid, std::chrono::seconds(180));
  if (st == -1) KillGroup(script_pid);
  // The script prints its folder and daemons only at the end; find them by port either way, so
  // that a failed start leaves nothing behind.
  for (const auto& ceph_dir : NewCephDirsFor(rgw_port, dirs_before)) {
    server->dirs_.push_back(ceph_dir.string());
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(ceph_dir / "run", ec)) {
      if (f.path().extension() != ".pid") continue;
      std::ifstream pid_file(f.path());
      pid_t p = 0;
      if (pid_file >> p && p > 1) server->daemons_.push_back(p);
    }
  }
  if (st != 0) {
    return Unavailable("s3-radosgw-start " +
                       (st == -1 ? std::string("timed out after 180 s")
                                 : "exited with status " + std::to_string(st)) +
                       ": " + ReadTail(out));
  }
  if (server->daemons_.size() < 3 || !TcpAnswers(rgw_port)) {
    return Unavailable("s3-radosgw-start gave no running radosgw: " + ReadTail(out));
  }
  server->config_.endpoint = "http://127.0.0.1:" + std::to_string(rgw_port);
  server->config_.access_key_id = "OPENHIKEY";  // made by the script (radosgw-admin user create)
  server->config_.secret_access_key = "OPENHISECRET";
  server->startup_seconds_ = SecondsSince(t0);
  return server;
}

TestS3Server::~TestS3Server() { Stop(); }

void TestS3Server::Stop() {
  if (child_group_ > 0) KillGroup(child_group_);
  child_group_ = 0;
  for (pid_t p : daemons_) ::kill(p, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  for (pid_t p : daemons_) {
    while (!ProcessGone(p) && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!ProcessGone(p)) ::kill(p, SIGKILL);
  }
  daemons_.clear();
  std::error_code ec;
  for (const auto& d : dirs_) fs::remove_all(d, ec);
  dirs_.clear();
}

}  // namespace openhi::objstore::internal
